"""Forgotten passwords: the reset link works for a real account and gives nothing away."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from tests.accounts.signin import password_login
from tests.factories import PASSWORD, ClinicWorld

NEW_PASSWORD = "harbour kettle violet 2031"


def without_csrf_tokens(html: str) -> str:
    """Page text with the CSRF tokens, which are masked afresh on every render, taken out."""
    return re.sub(r'"X-CSRFToken": "\w+"', "", html)


def test_a_person_resets_their_password_and_only_the_new_one_works(
    client, world: ClinicWorld
) -> None:
    response = client.post(reverse("password_reset"), {"email": world.clinician.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.clinician.email]
    match = re.search(r"http://testserver(/password-reset/\S+/\S+/)", str(mail.outbox[0].body))
    assert match

    page = client.get(match.group(1), follow=True)
    assert page.context["validlink"]
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("password_reset_complete")

    assert password_login(HttpClient(), world.clinician.email, NEW_PASSWORD)
    assert not password_login(HttpClient(), world.clinician.email, PASSWORD)


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, world: ClinicWorld) -> None:
    known = client.post(reverse("password_reset"), {"email": world.clinician.email}, follow=True)
    mail.outbox.clear()
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.status_code == 200
    assert "Check your email" in unknown.text
    assert without_csrf_tokens(unknown.text) == without_csrf_tokens(known.text)


def test_a_deactivated_person_gets_no_reset_email(client, world: ClinicWorld) -> None:
    world.colleague.is_active = False
    world.colleague.save()
    client.post(reverse("password_reset"), {"email": world.colleague.email})
    assert mail.outbox == []
