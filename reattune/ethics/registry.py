"""The codes and laws this installation knows: the shipped files in codes/ plus any in
REATTUNE_ETHICS_DIR.

Loaded once at start-up (EthicsConfig.ready), so a broken file stops the server with its name
and line rather than failing when a clinician records a mistake.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reattune.ethics.definitions import EthicsCode, EthicsFileError, load_codes

_loaded: dict[str, EthicsCode] = {}


def reload() -> dict[str, EthicsCode]:
    folder = getattr(settings, "ETHICS_DIR", "")
    extra = [Path(folder)] if folder else []
    try:
        found = load_codes(*extra)
    except EthicsFileError as e:
        raise ImproperlyConfigured(f"An ethics file has an error: {e}") from e
    _loaded.clear()
    _loaded.update(found)
    return found


def all_codes() -> dict[str, EthicsCode]:
    return _loaded if _loaded else reload()
