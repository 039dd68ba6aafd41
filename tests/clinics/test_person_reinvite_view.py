"""/people/<id>/invite/: a clinic admin sends a fresh invitation to someone yet to log in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from reattune.clinics.models import Role, User
from reattune.clinics.services import person_add
from reattune.clinics.views import INVITE_INACTIVE, INVITE_NOT_NEEDED, INVITE_RESENT
from tests.factories import ClinicWorld


@pytest.fixture
def invited(world: ClinicWorld) -> User:
    return person_add(
        clinic=world.clinic, email="invited@example.org", full_name="Ivy Ng", role=Role.TRAINEE
    )


def url(person: User) -> str:
    return reverse("person_reinvite", args=[person.pk])


def test_it_sends_an_anonymous_visitor_to_log_in(client, invited: User) -> None:
    response = client.post(url(invited))
    assert response["Location"].startswith(reverse("login"))
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(
    world: ClinicWorld, invited: User, login, role: str
) -> None:
    assert login(getattr(world, role)).post(url(invited)).status_code == 403
    assert mail.outbox == []


def test_it_answers_404_for_a_person_in_another_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    assert login(world.admin).post(url(other_world.trainee)).status_code == 404


def test_it_only_accepts_a_post(world: ClinicWorld, invited: User, login) -> None:
    assert login(world.admin).get(url(invited)).status_code == 405


def test_it_sends_a_new_invitation(world: ClinicWorld, invited: User, login) -> None:
    response = login(world.admin).post(url(invited), follow=True)
    assert [m.to for m in mail.outbox] == [["invited@example.org"]]
    assert escape(INVITE_RESENT.format(email="invited@example.org")) in response.text


def test_it_sends_nothing_to_someone_who_has_a_password(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.clinician), follow=True)
    assert mail.outbox == []
    assert escape(INVITE_NOT_NEEDED.format(name=world.clinician)) in response.text


def test_it_sends_nothing_to_a_deactivated_person(world: ClinicWorld, invited: User, login) -> None:
    User.objects.filter(pk=invited.pk).update(is_active=False)
    response = login(world.admin).post(url(invited), follow=True)
    assert mail.outbox == []
    assert escape(INVITE_INACTIVE.format(name=invited)) in response.text
