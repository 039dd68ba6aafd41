"""/people/<id>/: a clinic admin changes a person's role, or deactivates and reactivates them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape

from reattune.clinics.forms import ROLE_INVALID
from reattune.clinics.models import Role, User
from reattune.clinics.services import CANNOT_DEACTIVATE_SELF, LAST_ADMIN
from tests.factories import PASSWORD, ClinicWorld, make_person


def url(person: User) -> str:
    return reverse("person_detail", args=[person.pk])


def data(role: str = "clinician", *, active: bool = True) -> dict[str, Any]:
    return {"role": role, "is_active": "on"} if active else {"role": role}


def reloaded(person: User) -> User:
    return User.objects.get(pk=person.pk)


def test_it_sends_an_anonymous_visitor_to_log_in_and_changes_nothing(
    client, world: ClinicWorld
) -> None:
    for response in (client.get(url(world.colleague)), client.post(url(world.colleague), data())):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert reloaded(world.colleague).is_active


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    client = login(getattr(world, role))
    assert client.get(url(world.colleague)).status_code == 403
    assert client.post(url(world.colleague), data(active=False)).status_code == 403
    assert reloaded(world.colleague).is_active


def test_it_answers_404_for_a_person_in_another_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    client = login(world.admin)
    assert client.get(url(other_world.colleague)).status_code == 404
    assert client.post(url(other_world.colleague), data(active=False)).status_code == 404
    assert reloaded(other_world.colleague).is_active


def test_it_shows_the_persons_current_role_and_status(world: ClinicWorld, login) -> None:
    response = login(world.admin).get(url(world.trainee))
    assert response.status_code == 200
    assert response.context["form"]["role"].value() == "trainee"
    assert response.context["form"]["is_active"].value() is True
    assert world.trainee.email in response.text


def test_it_changes_a_persons_role(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.colleague), data("supervisor"))
    assert response.status_code == 302
    assert response["Location"] == reverse("people")
    assert reloaded(world.colleague).role == Role.SUPERVISOR


def test_it_deactivates_and_reactivates_a_person(world: ClinicWorld, login) -> None:
    client = login(world.admin)
    client.post(url(world.colleague), data(active=False))
    assert not reloaded(world.colleague).is_active
    client.post(url(world.colleague), data())
    assert reloaded(world.colleague).is_active


def test_a_deactivated_persons_open_session_stops_working_on_the_next_request(
    world: ClinicWorld, login
) -> None:
    theirs = HttpClient()
    theirs.post(reverse("login"), {"username": world.colleague.email, "password": PASSWORD})
    assert theirs.get(reverse("home")).status_code == 200

    login(world.admin).post(url(world.colleague), data(active=False))

    response = theirs.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    users_with_sessions = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(world.colleague.pk) not in users_with_sessions
    assert str(world.admin.pk) in users_with_sessions


def test_a_deactivated_person_cannot_log_in_again(world: ClinicWorld, login) -> None:
    login(world.admin).post(url(world.colleague), data(active=False))
    theirs = HttpClient()
    response = theirs.post(
        reverse("login"), {"username": world.colleague.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in theirs.session


def test_an_admin_cannot_deactivate_themselves(world: ClinicWorld, login) -> None:
    make_person(world.clinic, Role.ADMIN)  # not the last admin: the rule is about oneself
    response = login(world.admin).post(url(world.admin), data("admin", active=False))
    assert response.status_code == 200
    assert response.context["form"].errors["is_active"] == [CANNOT_DEACTIVATE_SELF]
    assert escape(CANNOT_DEACTIVATE_SELF) in response.text
    assert reloaded(world.admin).is_active


def test_the_last_active_admin_cannot_hand_over_the_role(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.admin), data("clinician"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [LAST_ADMIN]
    assert escape(LAST_ADMIN) in response.text
    assert reloaded(world.admin).role == Role.ADMIN


def test_a_deactivated_admin_does_not_count_as_another_admin(world: ClinicWorld, login) -> None:
    idle = make_person(world.clinic, Role.ADMIN)
    User.objects.filter(pk=idle.pk).update(is_active=False)
    response = login(world.admin).post(url(world.admin), data("supervisor"))
    assert response.context["form"].non_field_errors() == [LAST_ADMIN]


def test_an_admin_may_hand_over_the_role_when_another_admin_remains(
    world: ClinicWorld, login
) -> None:
    make_person(world.clinic, Role.ADMIN)
    response = login(world.admin).post(url(world.admin), data("supervisor"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert reloaded(world.admin).role == Role.SUPERVISOR


def test_an_admin_may_deactivate_another_admin_but_not_the_last_one(
    world: ClinicWorld, login
) -> None:
    second = make_person(world.clinic, Role.ADMIN)
    login(world.admin).post(url(second), data("admin", active=False))
    assert not reloaded(second).is_active


def test_it_refuses_an_unknown_role(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(world.colleague), data("superuser"))
    assert response.context["form"].errors["role"] == [ROLE_INVALID]
    assert reloaded(world.colleague).role == Role.CLINICIAN
