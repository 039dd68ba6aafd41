"""/measures/: every loaded measure, and whether the viewer's clinic runs it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.measures.models import MeasureSchedule
from reattune.measures.registry import all_definitions
from tests.factories import ClinicWorld

URL = reverse("measure_list")


def test_it_sends_an_anonymous_visitor_to_log_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["admin", "supervisor", "clinician", "trainee"])
def test_it_shows_every_member_of_the_clinic_every_loaded_measure(
    world: ClinicWorld, login, role: str
) -> None:
    response = login(getattr(world, role)).get(URL)
    assert response.status_code == 200
    for definition in all_definitions().values():
        assert reverse("measure_detail", args=[definition.id]) in response.text
        for fact in (definition.title, definition.version, definition.licence):
            assert str(fact) in response.text


def test_it_shows_licence_attribution_kind_and_that_the_measure_was_shipped(
    world: ClinicWorld, login
) -> None:
    response = login(world.clinician).get(URL)
    assert "CORE-10 © CORE System Trust" in response.text
    assert "CC BY-ND 4.0" in response.text
    assert "Alliance check" in response.text and "Outcome measure" in response.text
    assert response.text.count("Shipped with Reattune") == len(all_definitions())
    assert "Added by this installation" not in response.text


def test_it_says_whether_and_how_often_each_measure_runs_at_the_viewers_clinic(
    world: ClinicWorld, login
) -> None:
    MeasureSchedule.objects.filter(clinic=world.clinic, measure_id="phq9").update(
        every_n_sessions=4
    )
    MeasureSchedule.objects.filter(clinic=world.clinic, measure_id="gad7").update(active=False)
    response = login(world.clinician).get(URL)
    status = {d.id: _row_text(response.text, d.title) for d, _ in response.context["rows"]}
    assert "Runs after every session" in status["alliance"]
    assert "Runs every 4 sessions (sessions 1, 5, 9 and so on)" in status["phq9"]
    assert "Not running" in status["gad7"]
    assert "Not running" in status["core10"]


def _row_text(page: str, title: str) -> str:
    """The table row whose header names this measure."""
    start = page.index(f">{title}</a>")
    return page[start : page.index("</tr>", start)]


def test_it_shows_the_viewers_own_clinic_schedule_not_another_clinics(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    MeasureSchedule.objects.filter(clinic=other_world.clinic).update(every_n_sessions=7)
    MeasureSchedule.objects.create(clinic=other_world.clinic, measure_id="core10", position=9)
    response = login(world.clinician).get(URL)
    shown = {d.id: row for d, row in response.context["rows"]}
    assert all(row is None or row.clinic_id == world.clinic.pk for row in shown.values())
    assert shown["core10"] is None
    assert "every 7 sessions" not in response.text


def test_it_offers_the_schedule_page_only_to_a_clinic_admin(world: ClinicWorld, login) -> None:
    schedule_url = reverse("measure_schedule")
    assert schedule_url in login(world.admin).get(URL).text
    assert schedule_url not in login(world.supervisor).get(URL).text


def test_it_refuses_a_superuser_who_belongs_to_no_clinic(db, login) -> None:
    from reattune.clinics.models import User

    # Made directly: create_superuser() runs full_clean(), which wants a clinic.
    root = User.objects.create(email="root@example.org", full_name="Root", is_superuser=True)
    assert login(root).get(URL).status_code == 403
