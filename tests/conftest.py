from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import ClinicWorld, make_world

# Hypothesis's per-example deadline and "too slow" health check measure wall-clock time, so on a
# busy machine they fail tests whose behaviour is right. Speed is measured in benchmarks/.
hypothesis_settings.register_profile(
    "reattune", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("reattune")

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Every `reattune` process a test starts inherits this, so tasks run inside its requests too
# (tests/worker/ sets REATTUNE_TASK_BACKEND=database for the processes it starts).
os.environ.setdefault("REATTUNE_TASK_BACKEND", "immediate")


@pytest.fixture(autouse=True, scope="session")
def tasks_run_immediately() -> Iterator[None]:
    """Tasks run inside the request that enqueues them. Session-wide, so module fixtures (the
    demo seed) get it too; tests/worker/conftest.py switches to the database queue. The
    settings module is imported before this file, so the environment line above reaches only
    the processes tests start."""
    with override_settings(TASKS=IMMEDIATE_TASKS):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Real hashing takes a third of a second a user; tests create hundreds of users."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # Still check hashes made outside a test, such as the demo's module-wide seed (made
        # with the production setting, Argon2 first: see tests/accounts/test_passwords.py).
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture
def world(db: None) -> ClinicWorld:
    return make_world("Harbour Street Clinic")


@pytest.fixture
def other_world(db: None) -> ClinicWorld:
    """A second clinic on the same installation: nobody in `world` may see any of it."""
    return make_world("Riverside Practice")


@pytest.fixture
def login(client: HttpClient):
    """Sign `client` in as a user, second factor passed, and return it.

    The user gets a real confirmed authenticator (TOTPDevice) and the session is marked as
    verified by it exactly as django_otp.login marks it, so every middleware runs as in use."""

    def as_user(user) -> HttpClient:
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return as_user
