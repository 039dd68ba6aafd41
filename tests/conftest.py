from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from tests.factories import ClinicWorld, make_world


@pytest.fixture
def world(db: None) -> ClinicWorld:
    return make_world("Harbour Street Clinic")


@pytest.fixture
def other_world(db: None) -> ClinicWorld:
    """A second clinic on the same installation: nobody in `world` may see any of it."""
    return make_world("Riverside Practice")


@pytest.fixture
def login(client: HttpClient):  # noqa: ANN201
    """Log `client` in as a user and return it."""

    def as_user(user) -> HttpClient:  # noqa: ANN001
        client.force_login(user)
        return client

    return as_user
