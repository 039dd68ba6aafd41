from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from tests.factories import ClinicWorld, make_world


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Real hashing takes a third of a second a user; tests create hundreds of users."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # Still checks hashes made outside a test, such as the demo's module-wide seed.
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
    """Log `client` in as a user and return it."""

    def as_user(user) -> HttpClient:
        client.force_login(user)
        return client

    return as_user
