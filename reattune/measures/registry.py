"""The measures this installation knows: the shipped files plus any in REATTUNE_MEASURES_DIR.

Loaded once at start-up (MeasuresConfig.ready), so a broken file stops the server with its name
and field rather than failing a client's check later.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reattune.measures.definitions import DefinitionError, MeasureDefinition, load_definitions

_loaded: dict[str, MeasureDefinition] = {}


def reload() -> dict[str, MeasureDefinition]:
    extra = [Path(settings.MEASURES_DIR)] if settings.MEASURES_DIR else []
    try:
        found = load_definitions(*extra)
    except DefinitionError as e:
        raise ImproperlyConfigured(f"A measure definition file has an error: {e}") from e
    _loaded.clear()
    _loaded.update(found)
    return found


def all_definitions() -> dict[str, MeasureDefinition]:
    return _loaded if _loaded else reload()


def get_definition(measure_id: str) -> MeasureDefinition:
    """The definition with this id; KeyError if the installation does not have it."""
    return all_definitions()[measure_id]
