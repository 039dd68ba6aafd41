"""/measures/schedule/: a clinic admin chooses which measures run, how often, in what order."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from reattune.clinics.models import Clinic
from reattune.measures.forms import EVERY_N_ERROR, ORDER_ERROR
from reattune.measures.models import MeasureSchedule
from reattune.measures.registry import all_definitions
from reattune.measures.views import SCHEDULE_SAVED
from tests.factories import ClinicWorld

URL = reverse("measure_schedule")


def rows(clinic: Clinic) -> list[tuple[str, bool, int, int]]:
    return list(
        MeasureSchedule.objects.filter(clinic=clinic)
        .order_by("measure_id")
        .values_list("measure_id", "active", "every_n_sessions", "position")
    )


def form_data(**measures: tuple[bool, int, int]) -> dict[str, Any]:
    """What the browser posts: every loaded measure's fields. Measures not named are left off
    and sent at the end with every = 1."""
    data: dict[str, Any] = {}
    for n, measure_id in enumerate(sorted(all_definitions()), start=50):
        runs, every, order = measures.get(measure_id, (False, 1, n))
        if runs:
            data[f"{measure_id}-runs"] = "on"
        data[f"{measure_id}-every"] = str(every)
        data[f"{measure_id}-order"] = str(order)
    return data


def test_it_sends_an_anonymous_visitor_to_log_in_and_saves_nothing(
    client, world: ClinicWorld
) -> None:
    before = rows(world.clinic)
    for response in (client.get(URL), client.post(URL, form_data(core10=(True, 2, 1)))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert rows(world.clinic) == before


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee", "colleague"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    client = login(getattr(world, role))
    before = rows(world.clinic)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(core10=(True, 2, 1))).status_code == 403
    assert rows(world.clinic) == before


def test_it_shows_the_clinics_current_schedule(world: ClinicWorld, login) -> None:
    MeasureSchedule.objects.filter(clinic=world.clinic, measure_id="gad7").update(
        every_n_sessions=6
    )
    form = login(world.admin).get(URL).context["form"]
    assert [r.definition.id for r in form.rows()] == ["alliance", "phq9", "gad7", "core10"]
    assert form["gad7-every"].initial == 6
    assert form["gad7-runs"].initial is True
    assert form["core10-runs"].initial is False
    orders = [form[f"{m}-order"].initial for m in ("alliance", "phq9", "gad7", "core10")]
    assert orders == [1, 2, 3, 4]


def test_it_labels_every_field_so_a_screen_reader_can_tell_them_apart(
    world: ClinicWorld, login
) -> None:
    text = login(world.admin).get(URL).text
    for measure_id in all_definitions():
        for field in ("runs", "every", "order"):
            assert f'<label for="id_{measure_id}-{field}">' in text
    assert text.count("<fieldset") == text.count("<legend>") == len(all_definitions())


def test_it_saves_the_schedule_and_says_so(world: ClinicWorld, login) -> None:
    client = login(world.admin)
    data = form_data(
        core10=(True, 4, 1), alliance=(True, 1, 2), phq9=(True, 2, 3), gad7=(False, 1, 4)
    )
    response = client.post(URL, data)
    assert response.status_code == 302
    assert response["Location"] == URL
    assert rows(world.clinic) == [
        ("alliance", True, 1, 1),
        ("core10", True, 4, 0),
        ("gad7", False, 1, 3),
        ("phq9", True, 2, 2),
    ]
    assert MeasureSchedule.objects.due_at(world.clinic, 1) == ["core10", "alliance", "phq9"]
    assert MeasureSchedule.objects.due_at(world.clinic, 2) == ["alliance"]
    assert MeasureSchedule.objects.due_at(world.clinic, 5) == ["core10", "alliance", "phq9"]
    assert SCHEDULE_SAVED in client.get(response["Location"]).text


def test_it_keeps_the_order_shown_when_two_measures_are_given_the_same_number(
    world: ClinicWorld, login
) -> None:
    data = form_data(
        alliance=(True, 1, 1), phq9=(True, 1, 1), gad7=(True, 1, 1), core10=(True, 1, 1)
    )
    login(world.admin).post(URL, data)
    assert MeasureSchedule.objects.due_at(world.clinic, 1) == ["alliance", "phq9", "gad7", "core10"]


def test_it_changes_only_the_admins_own_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    before = rows(world.clinic)
    data = form_data(core10=(True, 3, 1)) | {
        "clinic": world.clinic.pk,
        "clinic_id": world.clinic.pk,
    }
    assert login(other_world.admin).post(URL, data).status_code == 302
    assert rows(world.clinic) == before
    assert ("core10", True, 3, 0) in rows(other_world.clinic)


def test_it_ignores_a_measure_the_installation_has_not_loaded(world: ClinicWorld, login) -> None:
    data = form_data(phq9=(True, 1, 1)) | {"ors-runs": "on", "ors-every": "1", "ors-order": "1"}
    login(world.admin).post(URL, data)
    assert not MeasureSchedule.objects.filter(measure_id="ors").exists()


@pytest.mark.parametrize("every", ["0", "100", "53", "abc", "", "2.5", "-1"])
def test_it_explains_a_bad_every_n_sessions_in_plain_words_and_saves_nothing(
    world: ClinicWorld, login, every: str
) -> None:
    before = rows(world.clinic)
    data = form_data(phq9=(True, 1, 1), core10=(True, 2, 2))
    data["core10-every"] = every
    response = login(world.admin).post(URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"core10-every": [EVERY_N_ERROR]}
    assert EVERY_N_ERROR in response.text
    assert "Nothing was saved" in response.text
    assert rows(world.clinic) == before


@pytest.mark.parametrize("order", ["0", "abc", "100"])
def test_it_explains_a_bad_order_in_plain_words_and_saves_nothing(
    world: ClinicWorld, login, order: str
) -> None:
    before = rows(world.clinic)
    data = form_data(phq9=(True, 1, 1))
    data["gad7-order"] = order
    response = login(world.admin).post(URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"gad7-order": [ORDER_ERROR]}
    assert rows(world.clinic) == before
