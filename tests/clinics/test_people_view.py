"""/people/: a clinic admin sees everyone in their clinic, and nobody else's people."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.clinics.models import Role
from reattune.clinics.services import person_update
from tests.factories import ClinicWorld

URL = reverse("people")


def test_it_sends_an_anonymous_visitor_to_log_in(client, world: ClinicWorld) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    assert login(getattr(world, role)).get(URL).status_code == 403


def test_it_lists_everyone_in_the_clinic_with_their_role_and_status(
    world: ClinicWorld, login
) -> None:
    person_update(
        person=world.colleague, role=Role.CLINICIAN, is_active=False, changed_by=world.admin
    )
    response = login(world.admin).get(URL)
    assert response.status_code == 200
    shown = {p.pk: p for p in response.context["people"]}
    people = (world.admin, world.supervisor, world.clinician, world.trainee, world.colleague)
    assert set(shown) == {p.pk for p in people}
    text = response.text
    for person in people:
        assert person.full_name in text
        assert person.email in text
    assert "Clinic admin" in text
    assert "Deactivated" in text


def test_it_shows_current_supervisors_and_supervisees(world: ClinicWorld, login) -> None:
    shown = {p.pk: p for p in login(world.admin).get(URL).context["people"]}
    trainee, supervisor = shown[world.trainee.pk], shown[world.supervisor.pk]
    assert [s.supervisor_id for s in trainee.current_supervisor_links] == [world.supervisor.pk]
    assert [s.supervisee_id for s in supervisor.current_supervisee_links] == [world.trainee.pk]
    assert shown[world.clinician.pk].current_supervisor_links == []


def test_it_never_shows_another_clinics_people(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    text = login(world.admin).get(URL).text
    assert other_world.clinician.email not in text
    assert other_world.admin.email not in text


def test_it_puts_people_in_the_nav_for_admins_only(world: ClinicWorld, login) -> None:
    nav_link = f'href="{URL}"'
    assert nav_link in login(world.admin).get(reverse("home")).text
    assert nav_link not in login(world.clinician).get(reverse("home")).text
