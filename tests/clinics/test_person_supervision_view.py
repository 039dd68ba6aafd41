"""/people/<id>/supervision/: a clinic admin links a supervisor to a supervisee."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reattune.clinics.models import Role, Supervision, User
from reattune.clinics.services import (
    ALREADY_SUPERVISED,
    NOT_A_SUPERVISOR,
    SUPERVISEE_HAS_NO_CASELOAD,
    supervision_end,
)
from reattune.clinics.views import SUPERVISION_ADDED
from tests.factories import ClinicWorld, make_person


def url(person: User) -> str:
    return reverse("person_supervision", args=[person.pk])


def data(supervisor: User, starts_on: str = "") -> dict[str, Any]:
    return {"supervisor": str(supervisor.pk), "starts_on": starts_on}


def links(supervisee: User) -> list[tuple[int, dt.date, dt.date | None]]:
    return list(
        Supervision.objects.filter(supervisee=supervisee)
        .order_by("pk")
        .values_list("supervisor_id", "starts_on", "ends_on")
    )


def test_it_sends_an_anonymous_visitor_to_log_in_and_links_nobody(
    client, world: ClinicWorld
) -> None:
    target = url(world.clinician)
    for response in (client.get(target), client.post(target, data(world.supervisor))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert links(world.clinician) == []


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    client = login(getattr(world, role))
    assert client.get(url(world.clinician)).status_code == 403
    assert client.post(url(world.clinician), data(world.supervisor)).status_code == 403
    assert links(world.clinician) == []


def test_it_answers_404_for_a_person_in_another_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    client = login(world.admin)
    assert client.get(url(other_world.clinician)).status_code == 404
    response = client.post(url(other_world.clinician), data(other_world.supervisor))
    assert response.status_code == 404
    assert links(other_world.clinician) == []


def test_it_shows_who_supervises_the_person_and_whom_they_supervise(
    world: ClinicWorld, login
) -> None:
    client = login(world.admin)
    response = client.get(url(world.trainee))
    assert [s.supervisor for s in response.context["current"]] == [world.supervisor]
    assert world.supervisor.full_name in response.text
    response = client.get(url(world.supervisor))
    assert [s.supervisee for s in response.context["supervisees"]] == [world.trainee]


def test_it_offers_only_the_clinics_active_supervisors(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    retired = make_person(world.clinic, Role.SUPERVISOR)
    User.objects.filter(pk=retired.pk).update(is_active=False)
    form = login(world.admin).get(url(world.clinician)).context["form"]
    assert list(form.fields["supervisor"].queryset) == [world.supervisor]


def test_it_adds_a_supervisor_from_today_by_default(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.clinician), data(world.supervisor), follow=True)
    today = timezone.localdate()
    assert links(world.clinician) == [(world.supervisor.pk, today, None)]
    message = SUPERVISION_ADDED.format(supervisor=world.supervisor, supervisee=world.clinician)
    assert escape(message) in response.text
    assert world.clinician in [
        s.supervisee for s in Supervision.objects.active().filter(supervisor=world.supervisor)
    ]


def test_it_prefills_todays_date(world: ClinicWorld, login) -> None:
    text = login(world.admin).get(url(world.clinician)).text
    assert f'value="{timezone.localdate().isoformat()}"' in text


def test_it_takes_a_start_date(world: ClinicWorld, login) -> None:
    login(world.admin).post(url(world.clinician), data(world.supervisor, "2026-02-01"))
    assert links(world.clinician) == [(world.supervisor.pk, dt.date(2026, 2, 1), None)]


@pytest.mark.parametrize("who", ["colleague", "admin"])
def test_it_refuses_a_supervisor_without_the_supervisor_role(
    world: ClinicWorld, login, who: str
) -> None:
    response = login(world.admin).post(url(world.clinician), data(getattr(world, who)))
    assert response.status_code == 200
    assert response.context["form"].errors["supervisor"] == [NOT_A_SUPERVISOR]
    assert escape(NOT_A_SUPERVISOR) in response.text
    assert links(world.clinician) == []


def test_it_refuses_a_supervisor_from_another_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    response = login(world.admin).post(url(world.clinician), data(other_world.supervisor))
    assert response.context["form"].errors["supervisor"] == [NOT_A_SUPERVISOR]
    assert links(world.clinician) == []


def test_it_refuses_an_empty_or_made_up_supervisor(world: ClinicWorld, login) -> None:
    client = login(world.admin)
    for value in ("", "999999", "abc"):
        response = client.post(url(world.clinician), {"supervisor": value})
        assert response.context["form"].errors["supervisor"] == [NOT_A_SUPERVISOR]
    assert links(world.clinician) == []


def test_it_refuses_a_second_running_link_for_the_same_pair(world: ClinicWorld, login) -> None:
    before = links(world.trainee)
    response = login(world.admin).post(url(world.trainee), data(world.supervisor))
    assert response.context["form"].errors["supervisor"] == [ALREADY_SUPERVISED]
    assert links(world.trainee) == before


def test_it_allows_the_pair_again_once_the_old_link_has_ended(world: ClinicWorld, login) -> None:
    supervision_end(supervision=Supervision.objects.get(supervisee=world.trainee))
    login(world.admin).post(url(world.trainee), data(world.supervisor))
    assert len(links(world.trainee)) == 2


def test_it_refuses_to_give_a_clinic_admin_a_supervisor(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.admin), data(world.supervisor))
    assert response.context["form"].non_field_errors() == [SUPERVISEE_HAS_NO_CASELOAD]
    assert links(world.admin) == []


def test_it_refuses_a_malformed_start_date(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.clinician), data(world.supervisor, "31/31/2026"))
    assert "starts_on" in response.context["form"].errors
    assert links(world.clinician) == []
