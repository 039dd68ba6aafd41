"""Tests for measure definitions, the registry and the measure pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.test import override_settings

from reattune.measures import registry
from reattune.measures.definitions import MeasureDefinition


@contextmanager
def measures_dir(folder: Path) -> Iterator[dict[str, MeasureDefinition]]:
    """Load the shipped measures plus `folder` as REATTUNE_MEASURES_DIR, and put the real set
    back afterwards even when loading fails."""
    try:
        with override_settings(MEASURES_DIR=str(folder)):
            yield registry.reload()
    finally:
        registry.reload()
