"""The registry: shipped codes plus REATTUNE_ETHICS_DIR, and a broken file stops start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from reattune.ethics import registry
from tests.ethics import GOOD, ethics_dir

SHIPPED_IDS = ["aamft", "aca", "apa", "bacp", "hipaa_breach", "nasw", "uk_duty_of_candour"]


def test_it_loads_the_shipped_codes_when_no_folder_is_set() -> None:
    with override_settings(ETHICS_DIR=""):
        assert sorted(registry.reload()) == SHIPPED_IDS
    assert sorted(registry.all_codes()) == SHIPPED_IDS


def test_it_loads_a_clinics_own_file_beside_the_shipped_ones(tmp_path: Path) -> None:
    (tmp_path / "ours.toml").write_text(GOOD, encoding="utf-8")
    with ethics_dir(tmp_path) as loaded:
        assert sorted(loaded) == sorted([*SHIPPED_IDS, "invented"])
        assert not registry.all_codes()["invented"].shipped
        assert registry.all_codes()["invented"].file == "ours.toml"
    assert "invented" not in registry.all_codes()


def test_a_broken_file_stops_start_up_naming_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ours.toml").write_text(GOOD.replace('who = "admin"', 'who = "boss"'), "utf-8")
    with pytest.raises(ImproperlyConfigured) as caught, ethics_dir(tmp_path):
        pass
    assert str(caught.value).startswith(
        "An ethics file has an error: ours.toml, line 21: obligation 'write_down' has an "
        "unknown who 'boss'"
    )
    # The failed reload left the last good set in place.
    assert sorted(registry.all_codes()) == SHIPPED_IDS


def test_a_folder_that_does_not_exist_stops_start_up(tmp_path: Path) -> None:
    with (
        pytest.raises(ImproperlyConfigured, match="missing: does not exist or is not a folder"),
        ethics_dir(tmp_path / "missing"),
    ):
        pass


def test_the_app_loads_the_registry_at_start_up() -> None:
    from django.apps import apps

    config = apps.get_app_config("ethics")
    assert config.name == "reattune.ethics"
    registry._loaded.clear()
    config.ready()
    assert sorted(registry._loaded) == SHIPPED_IDS
