from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.clinics.models import User
from tests.breakglass.helpers import mark_second_factor_passed


@pytest.fixture
def login(client: HttpClient):
    """Log in as someone who has passed the log-in's own second factor (or is not yet due to
    set one up), so these tests exercise only the break-glass re-authentication."""

    def as_user(user: User) -> HttpClient:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None and hasattr(user, "second_factor_due"):
            later = timezone.now() + dt.timedelta(days=30)
            User.objects.filter(pk=user.pk).update(second_factor_due=later)
        client.force_login(user)
        if device is not None:
            mark_second_factor_passed(client, device)
        return client

    return as_user
