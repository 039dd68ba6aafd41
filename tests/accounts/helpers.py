"""Shared steps for the sign-in tests: an authenticator, its current code, a password log-in."""

from __future__ import annotations

import datetime as dt

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.clinics.models import User
from tests.factories import PASSWORD


def authenticator_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    """What the person's app shows now."""
    device.refresh_from_db()
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return str(value).zfill(device.digits)


def enrolment_due_now(user: User) -> None:
    user.second_factor_due = timezone.now() - dt.timedelta(minutes=1)
    user.save(update_fields=["second_factor_due"])


def password_step(client: HttpClient, user: User) -> HttpClient:
    """The first step of logging in; the second factor is still to come."""
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client
