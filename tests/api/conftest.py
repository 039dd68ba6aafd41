from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient

from reattune.api.models import ApiToken
from reattune.api.services import token_create
from tests.factories import ClinicWorld


@dataclass
class Api:
    """A record system holding one token: requests go to /api/v1/ with its bearer header."""

    http: HttpClient
    secret: str
    token: ApiToken

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"/api/v1/{path}", params, headers=self.headers())

    def post(self, path: str, body: Any = None, *, raw: bytes | str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.http.post(
            f"/api/v1/{path}", data, content_type="application/json", headers=self.headers()
        )


def make_api(
    world: ClinicWorld, scopes: tuple[str, ...] = ("read", "write"), name: str = "EHR sync"
) -> Api:
    token, secret = token_create(admin=world.admin, name=name, scopes=scopes)
    return Api(HttpClient(), secret, token)


@pytest.fixture
def api(world: ClinicWorld) -> Api:
    return make_api(world)


@pytest.fixture
def api_for() -> Callable[..., Api]:
    return make_api


def phq9(**answers: int) -> dict[str, int]:
    """A whole PHQ-9, every item 0 unless given (q9=1 is a safety answer)."""
    return {f"q{n}": 0 for n in range(1, 10)} | answers


@dataclass
class Stocked:
    """A clinic's ids of one of everything the API reads."""

    client_id: int
    case_id: int
    session_id: int
    participant_id: int
    response_id: int
    alert_id: int
    repair_id: int
    clinician_id: int


def stock(world: ClinicWorld) -> Stocked:
    """Give the world's main case stored answers (a PHQ-9 with a safety answer, through the
    same service the API uses), the alert they raise, and a repair opened by hand."""
    from reattune.alerts.models import Alert
    from reattune.alerts.services import alerts_raise_for_session
    from reattune.checks.services import responses_store
    from tests.repairs.helpers import open_by_hand

    participant = world.case.participants.get()
    (response,) = responses_store(
        session=world.session,
        participant=participant,
        by_measure={"phq9": phq9(q9=1)},
        source="api",
        raise_alerts=False,
    )
    # Tests run inside a transaction, so the on-commit alerting is run here by hand.
    alerts_raise_for_session(session=world.session)
    alert = Alert.objects.filter(case=world.case).order_by("pk").first()
    assert alert is not None, "a safety answer raises an alert"
    repair = open_by_hand(world.case, world.clinician, at=world.session)
    return Stocked(
        client_id=participant.client_id,
        case_id=world.case.pk,
        session_id=world.session.pk,
        participant_id=participant.pk,
        response_id=response.pk,
        alert_id=alert.pk,
        repair_id=repair.pk,
        clinician_id=world.clinician.pk,
    )


@pytest.fixture
def stocked(world: ClinicWorld) -> Stocked:
    return stock(world)


@pytest.fixture
def other_stocked(other_world: ClinicWorld) -> Stocked:
    return stock(other_world)
