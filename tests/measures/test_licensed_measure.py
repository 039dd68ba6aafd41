"""A clinic that holds a licence adds a measure by dropping a file in REATTUNE_MEASURES_DIR:
it appears on the measure pages and can be scheduled, with no code change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse

from reattune.measures.models import MeasureSchedule
from tests.factories import ClinicWorld
from tests.measures import measures_dir

# SYNTHETIC: every word below is invented for this test. It stands in for a licensed measure
# (such as ORS, SRS or OQ-45) whose text a clinic may use but Reattune may not ship.
LICENSED_EXAMPLE = """
id = "licensed_example"
title = "Licensed Example Scale (invented)"
short_title = "LES"
version = "2.1"
kind = "outcome"
direction = "higher_is_better"
licence = "Used under the Example Licence held by this clinic (invented)."
attribution = "Invented Author (2024). A made-up scale for Reattune's tests."
instructions = "Move along each line to show how things have been this week."

[[items]]
id = "day_to_day"
text = "Day to day (invented wording)"
type = "scale"
min = 0
max = 10
min_label = "Badly"
max_label = "Well"

[[items]]
id = "close_to_me"
text = "With people close to me (invented wording)"
type = "scale"
min = 0
max = 10
min_label = "Badly"
max_label = "Well"

[scoring]
method = "sum"

[clinical_cutoff]
value = 12.5
source = "Invented Author (2024), an invented cut-off."
"""


@pytest.fixture
def licensed(tmp_path: Path) -> Iterator[None]:
    (tmp_path / "licensed_example.toml").write_text(LICENSED_EXAMPLE, encoding="utf-8")
    with measures_dir(tmp_path):
        yield


def test_it_lists_the_clinics_own_measure_as_added_by_the_installation(
    world: ClinicWorld, login, licensed: None
) -> None:
    text = login(world.clinician).get(reverse("measure_list")).text
    assert "Licensed Example Scale (invented)" in text
    assert "Used under the Example Licence held by this clinic (invented)." in text
    assert "Invented Author (2024)." in text
    assert text.count("Added by this installation") == 1


def test_it_shows_the_clinics_own_measure_in_full(
    world: ClinicWorld, login, licensed: None
) -> None:
    response = login(world.clinician).get(reverse("measure_detail", args=["licensed_example"]))
    assert response.status_code == 200
    assert "A scale from 0 (Badly) to 10 (Well)." in response.text
    assert "<td>12.5</td>" in response.text
    assert "from 0 to 20; higher is better" in response.text


def test_it_lets_the_admin_schedule_the_clinics_own_measure(
    world: ClinicWorld, login, licensed: None
) -> None:
    client = login(world.admin)
    form = client.get(reverse("measure_schedule")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data |= {"licensed_example-runs": "on", "licensed_example-every": "2"}
    response = client.post(reverse("measure_schedule"), data)
    assert response.status_code == 302
    row = MeasureSchedule.objects.get(clinic=world.clinic, measure_id="licensed_example")
    assert (row.active, row.every_n_sessions) == (True, 2)
    assert "licensed_example" in MeasureSchedule.objects.due_at(world.clinic, 3)
    assert "licensed_example" not in MeasureSchedule.objects.due_at(world.clinic, 2)


def test_it_forgets_the_measure_when_the_file_is_gone(world: ClinicWorld, login) -> None:
    response = login(world.clinician).get(reverse("measure_detail", args=["licensed_example"]))
    assert response.status_code == 404
