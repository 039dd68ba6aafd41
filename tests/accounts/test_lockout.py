"""Requirement 6: lockout after repeated failures, per account and per address, with a cool-off
(settings explicit, not library defaults); the response does not reveal whether an account
exists."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

import reattune.settings as production
from reattune.accounts.lockout import client_address, lockout_message
from tests.factories import PASSWORD, ClinicWorld

pytestmark = pytest.mark.django_db

LIMIT = production.AXES_FAILURE_LIMIT


def _attempt(email: str, password: str, address: str = "192.0.2.1"):
    client = HttpClient()
    response = client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def test_the_lockout_settings_are_explicit() -> None:
    """Requirement 6: read from reattune/settings.py itself, not the library's defaults."""
    assert production.AXES_FAILURE_LIMIT == 10
    assert dt.timedelta(minutes=15) == production.AXES_COOLOFF_TIME
    assert production.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert production.AXES_RESET_ON_SUCCESS is True
    assert production.AXES_USERNAME_FORM_FIELD == "username"
    assert production.AXES_CLIENT_IP_CALLABLE == "reattune.accounts.lockout.client_address"
    assert production.AXES_LOCKOUT_CALLABLE == "reattune.accounts.lockout.lockout_response"
    assert production.OTP_TOTP_THROTTLE_FACTOR == 1


def test_an_account_is_locked_after_repeated_failures_from_any_address(
    world: ClinicWorld,
) -> None:
    """Requirement 6: per account."""
    for n in range(LIMIT):
        _attempt(world.clinician.email, "wrong", address=f"198.51.100.{n + 1}")

    client, response = _attempt(world.clinician.email, PASSWORD, address="203.0.113.50")

    assert response.status_code == 429
    assert escape(lockout_message()) in response.text
    assert SESSION_KEY not in client.session
    _, other = _attempt(world.colleague.email, PASSWORD, address="203.0.113.51")
    assert other.status_code == 302


def test_an_address_is_locked_after_repeated_failures_on_any_accounts(
    world: ClinicWorld,
) -> None:
    """Requirement 6: per address, counted apart from the account."""
    for n in range(LIMIT):
        _attempt(f"guess{n}@example.org", "wrong", address="198.51.100.7")

    client, response = _attempt(world.clinician.email, PASSWORD, address="198.51.100.7")

    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    _, elsewhere = _attempt(world.clinician.email, PASSWORD, address="198.51.100.8")
    assert elsewhere.status_code == 302


def test_the_lockout_ends_after_the_cool_off(world: ClinicWorld) -> None:
    """Requirement 6: time travel by moving the stored failures back, not by sleeping."""
    for _ in range(LIMIT):
        _attempt(world.clinician.email, "wrong")
    assert _attempt(world.clinician.email, PASSWORD)[1].status_code == 429

    earlier = production.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= earlier
        attempt.save(update_fields=["attempt_time"])

    client, response = _attempt(world.clinician.email, PASSWORD)
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_a_success_before_the_limit_clears_the_count(world: ClinicWorld) -> None:
    """Requirement 6: AXES_RESET_ON_SUCCESS."""
    for _ in range(LIMIT - 1):
        _attempt(world.clinician.email, "wrong")
    assert _attempt(world.clinician.email, PASSWORD)[1].status_code == 302
    assert _attempt(world.clinician.email, "wrong")[1].status_code == 200
    assert _attempt(world.clinician.email, PASSWORD)[1].status_code == 302


def test_capital_letters_in_the_email_share_the_accounts_counter(world: ClinicWorld) -> None:
    """Requirement 6"""
    for n in range(LIMIT):
        email = world.clinician.email.upper() if n % 2 else world.clinician.email
        _attempt(email, "wrong", address=f"198.51.100.{n + 1}")
    assert _attempt(world.clinician.email, PASSWORD, "203.0.113.9")[1].status_code == 429


def _without_csrf(text: str) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", text)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", text)


def test_a_locked_out_account_and_an_unknown_email_get_the_same_page(world: ClinicWorld) -> None:
    """Requirement 6: the response does not reveal whether an account exists."""
    known, unknown = world.clinician.email, "nobody-here@example.org"
    for n in range(LIMIT):
        _attempt(known, "wrong", address=f"198.51.100.{n + 1}")
        _attempt(unknown, "wrong", address=f"198.51.101.{n + 1}")

    _, to_known = _attempt(known, PASSWORD, address="203.0.113.1")
    _, to_unknown = _attempt(unknown, PASSWORD, address="203.0.113.2")

    assert to_known.status_code == to_unknown.status_code == 429
    assert _without_csrf(to_known.text) == _without_csrf(to_unknown.text)
    assert known not in to_known.text


def test_failures_are_counted_by_the_address_the_proxy_saw(settings) -> None:
    """Requirement 6: behind REATTUNE_TRUSTED_PROXIES proxies, the forwarded address counts,
    and addresses a client wrote into the header itself are ignored."""
    request = RequestFactory().post(
        "/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXIES = 1
    assert client_address(request) == "203.0.113.9"
    settings.TRUSTED_PROXIES = 2
    assert client_address(request) == "6.6.6.6"
    settings.TRUSTED_PROXIES = 3
    assert client_address(request) == "10.0.0.2"
