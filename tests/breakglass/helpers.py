"""Shared steps for the break-glass tests: an authenticator for a person, a current code from
it, a request form, and a grant made directly."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.breakglass.models import Grant
from reattune.cases.models import Case, Client
from reattune.clinics.models import User
from tests.factories import PASSWORD

URL = reverse("breakglass_request")
REASON = "Covering Sam's crisis call: the client rang the duty line and needs their plan now."


def authenticator_for(person: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def mark_second_factor_passed(http: HttpClient, device: TOTPDevice) -> None:
    """As after the log-in's own code page, so only the break-glass check is under test."""
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def client_of(case: Case) -> Client:
    return case.participants.get().client


def form(client: Client, **changes: Any) -> dict[str, str]:
    data = {"code": client.code, "reason": REASON, "password": PASSWORD}
    data.update(changes)
    return data


def grant_for(person: User, client: Client, *, minutes: int = 60) -> Grant:
    now = timezone.now()
    assert person.clinic_id is not None
    return Grant.objects.create(
        clinic_id=person.clinic_id,
        person=person,
        client=client,
        reason=REASON,
        granted_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )


def expire(grant: Grant) -> None:
    """Move the grant's end into the past, as if its time had run out."""
    past = timezone.now() - dt.timedelta(seconds=1)
    Grant.objects.filter(pk=grant.pk).update(
        granted_at=past - dt.timedelta(hours=1), expires_at=past
    )
