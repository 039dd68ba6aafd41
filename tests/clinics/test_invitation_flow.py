"""An invited person follows the emailed link, chooses a password, and logs in with it."""

from __future__ import annotations

import re

from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from reattune.clinics.models import User
from tests.accounts.signin import password_login
from tests.factories import ClinicWorld

NEW_PASSWORD = "lantern orchard piano 1987"


def link_in(body: object) -> str:
    match = re.search(r"http://testserver(/password-reset/\S+/\S+/)", str(body))
    assert match, body
    return match.group(1)


def set_password(client: HttpClient, link: str, password: str) -> None:
    # The link redirects to a token-free address first, so the token never sits in a Referer.
    page = client.get(link, follow=True)
    assert page.context["validlink"], "the link should be usable"
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")


def test_an_invited_person_sets_a_password_and_logs_in(world: ClinicWorld, login) -> None:
    login(world.admin).post(
        reverse("person_new"),
        {"email": "ada@example.org", "full_name": "Ada Brook", "role": "trainee"},
    )
    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0].body)

    theirs = HttpClient()
    set_password(theirs, link, NEW_PASSWORD)
    assert User.objects.get(email="ada@example.org").has_usable_password()

    response = theirs.post(
        reverse("login"), {"username": "ada@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert theirs.session[SESSION_KEY] == str(User.objects.get(email="ada@example.org").pk)


def test_the_invitation_link_works_only_once(world: ClinicWorld, login) -> None:
    login(world.admin).post(
        reverse("person_new"),
        {"email": "ada@example.org", "full_name": "Ada Brook", "role": "trainee"},
    )
    link = link_in(mail.outbox[0].body)
    set_password(HttpClient(), link, NEW_PASSWORD)

    again = HttpClient().get(link, follow=True)
    assert again.context["validlink"] is False
    assert "has already been used or has expired" in again.text


def test_a_resent_invitation_works_after_the_first_was_lost(world: ClinicWorld, login) -> None:
    admin = login(world.admin)
    admin.post(
        reverse("person_new"),
        {"email": "ada@example.org", "full_name": "Ada Brook", "role": "trainee"},
    )
    person = User.objects.get(email="ada@example.org")
    admin.post(reverse("person_reinvite", args=[person.pk]))
    assert len(mail.outbox) == 2
    set_password(HttpClient(), link_in(mail.outbox[1].body), NEW_PASSWORD)
    assert password_login(HttpClient(), "ada@example.org", NEW_PASSWORD)
