"""/people/new/: a clinic admin adds a person, who gets an emailed invitation."""

from __future__ import annotations

import smtplib
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from reattune.clinics.forms import EMAIL_INVALID, EMAIL_REQUIRED, NAME_TOO_LONG, ROLE_INVALID
from reattune.clinics.models import Role, User
from reattune.clinics.services import EMAIL_TAKEN
from reattune.clinics.views import INVITE_NOT_SENT, INVITED
from tests.factories import ClinicWorld

URL = reverse("person_new")


def data(**overrides: str) -> dict[str, Any]:
    return {"email": "new.person@example.org", "full_name": "Ada Brook", "role": "trainee"} | (
        overrides
    )


def test_it_sends_an_anonymous_visitor_to_log_in_and_adds_nobody(
    client, world: ClinicWorld
) -> None:
    for response in (client.get(URL), client.post(URL, data())):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not User.objects.filter(email="new.person@example.org").exists()


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    client = login(getattr(world, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data()).status_code == 403
    assert not User.objects.filter(email="new.person@example.org").exists()
    assert mail.outbox == []


def test_it_adds_the_person_to_the_admins_clinic_without_a_password(
    world: ClinicWorld, login
) -> None:
    response = login(world.admin).post(URL, data(email="  Ada.Brook@Example.org "))
    person = User.objects.get(email="ada.brook@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[person.pk])
    assert (person.clinic, person.role, person.full_name) == (world.clinic, "trainee", "Ada Brook")
    assert person.is_active
    assert not person.has_usable_password()


def test_it_emails_an_invitation_with_a_link_to_set_a_password(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(URL, data(), follow=True)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["new.person@example.org"]
    assert world.clinic.name in email.subject
    assert "http://testserver/password-reset/" in email.body
    assert escape(INVITED.format(name="Ada Brook", email="new.person@example.org")) in (
        response.text
    )


def test_it_points_the_link_at_the_configured_address(world: ClinicWorld, login, settings) -> None:
    settings.BASE_URL = "https://reattune.example.org/"
    login(world.admin).post(URL, data())
    assert "https://reattune.example.org/password-reset/" in mail.outbox[0].body


def test_it_keeps_the_person_and_says_so_when_the_email_cannot_be_sent(
    world: ClinicWorld, login
) -> None:
    with mock.patch(
        "reattune.clinics.services.send_mail", side_effect=smtplib.SMTPException("down")
    ):
        response = login(world.admin).post(URL, data(), follow=True)
    assert User.objects.filter(email="new.person@example.org").exists()
    assert escape(INVITE_NOT_SENT.format(name="Ada Brook")) in response.text


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "", EMAIL_REQUIRED),
        ("email", "not-an-email", EMAIL_INVALID),
        ("email", "two@at@example.org", EMAIL_INVALID),
        ("full_name", "x" * 201, NAME_TOO_LONG),
        ("role", "owner", ROLE_INVALID),
        ("role", "", ROLE_INVALID),
    ],
)
def test_it_explains_bad_input_and_adds_nobody(
    world: ClinicWorld, login, field: str, value: str, error: str
) -> None:
    before = User.objects.count()
    response = login(world.admin).post(URL, data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert escape(error) in response.text
    assert User.objects.count() == before
    assert mail.outbox == []


def test_it_refuses_an_email_used_in_another_clinic_without_naming_it(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    taken = other_world.clinician.email.upper()
    response = login(world.admin).post(URL, data(email=taken))
    assert response.context["form"].errors["email"] == [EMAIL_TAKEN]
    assert other_world.clinic.name not in response.text
    assert User.objects.get(email__iexact=taken).clinic == other_world.clinic
    assert mail.outbox == []


def test_it_refuses_an_email_already_used_in_the_same_clinic(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(URL, data(email=world.colleague.email))
    assert response.context["form"].errors["email"] == [EMAIL_TAKEN]


def test_it_offers_every_role(world: ClinicWorld, login) -> None:
    choices = dict(login(world.admin).get(URL).context["form"].fields["role"].choices)
    assert set(choices) == set(Role.values)


def test_the_new_person_cannot_log_in_before_choosing_a_password(
    world: ClinicWorld, login, client
) -> None:
    login(world.admin).post(URL, data())
    client.logout()
    for password in ("", "!", "None"):
        client.post(reverse("login"), {"username": "new.person@example.org", "password": password})
        assert SESSION_KEY not in client.session
