"""A broken measure file stops start-up with the file's name and the field at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from reattune.measures import registry
from reattune.measures.definitions import DefinitionError, load_definitions, parse_definition
from tests.measures import measures_dir

# Synthetic, invented wording: a minimal valid file that each case below breaks in one place.
GOOD = """
id = "broken_example"
title = "Invented example measure"
version = "1"
kind = "outcome"
direction = "higher_is_worse"
licence = "Invented for Reattune's tests."
attribution = "Nobody: this text is made up."

[response_sets]
often = [{ value = 0, label = "Never" }, { value = 1, label = "Sometimes" }]

[[items]]
id = "a"
text = "An invented question"
type = "choice"
options = "often"

[[items]]
id = "b"
text = "Another invented question"
type = "scale"
min = 0
max = 5

[[items]]
id = "c"
text = "Anything else?"
type = "text"
required = false

[scoring]
method = "sum"
reverse_items = ["b"]
"""

BROKEN = {
    "invalid TOML": (GOOD.replace('title = "Invented', 'title = Invented'), "file"),
    "missing id": (GOOD.replace('id = "broken_example"\n', ""), "id"),
    "upper-case id": (GOOD.replace('"broken_example"', '"Broken"'), "id"),
    "unknown item type": (GOOD.replace('type = "text"', 'type = "slider"'), "items[2].type"),
    "reverse item not scored": (GOOD.replace('["b"]', '["b", "c"]'), "scoring.reverse_items"),
    "duplicate item id": (GOOD.replace('id = "c"', 'id = "a"'), "items[2].id"),
    "unknown options set": (GOOD.replace('options = "often"', 'options = "rarely"'),
                            "items[0].options"),
    "scale max equal to min": (GOOD.replace("max = 5", "max = 0"), "items[1].max"),
    "scale max below min": (GOOD.replace("max = 5", "max = -2"), "items[1].max"),
    "missing item text": (GOOD.replace('text = "An invented question"\n', ""), "items[0].text"),
    "unknown kind": (GOOD.replace('kind = "outcome"', 'kind = "mood"'), "kind"),
    "cut-off without value": (GOOD + '[clinical_cutoff]\nsource = "Nobody"\n',
                              "clinical_cutoff.value"),
}  # fmt: skip


def test_the_unbroken_example_is_valid() -> None:
    assert parse_definition(GOOD, "example.toml").id == "broken_example"


@pytest.mark.parametrize(("text", "where"), BROKEN.values(), ids=BROKEN.keys())
def test_it_names_the_file_and_the_field_of_a_broken_definition(text: str, where: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "clinic_file.toml")
    assert (caught.value.source, caught.value.where) == ("clinic_file.toml", where)
    assert str(caught.value).startswith(f"clinic_file.toml: {where}: ")


@pytest.mark.parametrize(("text", "where"), BROKEN.values(), ids=BROKEN.keys())
def test_it_names_the_file_on_disk_when_loading_a_folder(
    tmp_path: Path, text: str, where: str
) -> None:
    (tmp_path / "our_measure.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definitions(tmp_path)
    assert str(caught.value).startswith(f"our_measure.toml: {where}: ")


def test_it_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes(GOOD.replace("Nobody", "Ñobody").encode("latin-1"))
    with pytest.raises(DefinitionError, match=r"^latin1\.toml: file: cannot be read as UTF-8"):
        load_definitions(tmp_path)


def test_it_refuses_the_same_id_in_two_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "one.toml").write_text(GOOD, encoding="utf-8")
    (second / "two.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definitions(first, second)
    assert str(caught.value).startswith("two.toml: id: 'broken_example' is already defined")
    assert "one.toml" in str(caught.value)


def test_it_refuses_a_clinic_file_that_reuses_a_shipped_id(tmp_path: Path) -> None:
    (tmp_path / "phq9.toml").write_text(GOOD.replace('"broken_example"', '"phq9"'), "utf-8")
    with pytest.raises(DefinitionError, match="already defined by a file shipped with Reattune"):
        load_definitions(tmp_path)


def test_it_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="does not exist"):
        load_definitions(tmp_path / "missing")


def test_the_registry_stops_start_up_naming_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "our_measure.toml").write_text(BROKEN["unknown item type"][0], "utf-8")
    with pytest.raises(ImproperlyConfigured) as caught, measures_dir(tmp_path):
        pass
    assert "our_measure.toml: items[2].type:" in str(caught.value)
    assert sorted(registry.all_definitions()) == ["alliance", "core10", "gad7", "phq9"]


def test_the_registry_names_a_measures_folder_that_does_not_exist(tmp_path: Path) -> None:
    with (
        pytest.raises(ImproperlyConfigured, match="does not exist"),
        measures_dir(tmp_path / "missing"),
    ):
        pass


def test_the_registry_loads_a_valid_clinic_file_beside_the_shipped_ones(tmp_path: Path) -> None:
    (tmp_path / "ours.toml").write_text(GOOD, "utf-8")
    with measures_dir(tmp_path) as loaded:
        assert not loaded["broken_example"].shipped
        assert registry.get_definition("broken_example").source_file == "ours.toml"
    assert "broken_example" not in registry.all_definitions()
