"""The API against its own OpenAPI description, with schemathesis: generated requests (valid
and invalid) to every operation, with a live read-and-write token. No response may be a
server error or contradict the description (status, content type, headers, body schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reattune.wsgi import application
from tests.api.conftest import make_api

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def bearer(world, settings, stocked):
    """A token of a clinic with data in it, and no rate limit in the way of the run."""
    settings.API_RATE_PER_MINUTE = 1_000_000
    return make_api(world).headers()


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes the database connection at the start and end of each
    request, which would end the test's transaction; Django's own test client unhooks the
    same signal handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_description_says(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
