"""Requirement 9: the session cookie is HttpOnly and SameSite, and Secure when
REATTUNE_SECURE_COOKIES is on; every form needs its CSRF token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from tests.accounts.helpers import authenticator_for
from tests.factories import PASSWORD, ClinicWorld

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def test_the_session_cookie_is_httponly_and_samesite_lax(world: ClinicWorld) -> None:
    """Requirement 9: Lax, not Strict, so a link from an email to a page opens signed in;
    cross-site POSTs (the risky kind) are refused by the CSRF check anyway."""
    client = HttpClient()
    client.post(reverse("login"), {"username": world.clinician.email, "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_cookie_is_secure_when_asked(world: ClinicWorld, settings) -> None:
    """Requirement 9"""
    settings.SESSION_COOKIE_SECURE = True
    client = HttpClient()
    client.post(reverse("login"), {"username": world.clinician.email, "password": PASSWORD})
    assert client.cookies["sessionid"]["secure"] is True


def test_reattune_secure_cookies_turns_on_both_secure_flags() -> None:
    """Requirement 9"""
    code = (
        "import reattune.settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    env = {**os.environ, "REATTUNE_SECURE_COOKIES": "1"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True"]


def _verified(client: HttpClient, user) -> HttpClient:
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    session.save()
    return client


def test_a_post_without_the_csrf_token_is_refused_on_a_sample_of_forms(
    world: ClinicWorld,
) -> None:
    """Requirement 9"""
    anonymous = HttpClient(enforce_csrf_checks=True)
    for url in (reverse("login"), reverse("password_reset")):
        assert anonymous.post(url, {"username": "a@b.example"}).status_code == 403, url

    admin = _verified(HttpClient(enforce_csrf_checks=True), world.admin)
    clinician = _verified(HttpClient(enforce_csrf_checks=True), world.clinician)
    for client, url in (
        (admin, reverse("person_new")),
        (admin, reverse("person_detail", args=[world.colleague.pk])),
        (admin, reverse("second_factor_reset", args=[world.colleague.pk])),
        (clinician, reverse("client_create")),
        (clinician, reverse("case_create")),
        (clinician, reverse("session_create", args=[world.case.pk])),
        (clinician, reverse("repair_new")),
        (clinician, reverse("reflection_new")),
        (clinician, reverse("authenticator_replace")),
        (clinician, reverse("recovery_codes_new")),
        (clinician, reverse("logout")),
    ):
        assert client.post(url, {"x": "1"}).status_code == 403, url
    assert clinician.get(reverse("home")).status_code == 200
