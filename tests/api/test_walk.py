"""Every API operation, walked like tests/test_access.py walks the pages: anonymous is a 401,
and another clinic's ids are a 404. The operations come from the API's own OpenAPI
description, so a new endpoint is walked without anyone adding it here."""

from __future__ import annotations

import json
import re

import pytest

from reattune.api.urls import api
from tests.api.conftest import Api, Stocked

PATHS = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
OPERATIONS = [(path, method) for path, item in PATHS.items() for method in item]
PARAM = re.compile(r"{(\w+)}")
FHIR = "/api/v1/fhir/"

# A body naming another clinic's records, for the operations that take one.
BODIES = {
    "/api/v1/clients": lambda s: {"code": "WALK-1"},
    "/api/v1/cases": lambda s: {"client_ids": [s.client_id], "clinician_ids": [s.clinician_id]},
    "/api/v1/sessions": lambda s: {"case_id": s.case_id, "date": "2026-03-02"},
    "/api/v1/responses": lambda s: {
        "session_id": s.session_id,
        "participant_id": s.participant_id,
        "answers": {"phq9": {f"q{n}": 0 for n in range(1, 10)}},
    },
}


def fill(path: str, stocked: Stocked | None) -> str:
    return PARAM.sub(lambda m: str(getattr(stocked, m.group(1)) if stocked else 1), path)


def call(client: Api, method: str, path: str, body: object = None):  # type: ignore[no-untyped-def]
    headers = client.headers()
    if method == "get":
        return client.http.get(path, headers=headers)
    data = b"" if body is None else json.dumps(body)
    return client.http.generic(
        method.upper(), path, data=data, content_type="application/json", headers=headers
    )


def test_the_walk_finds_every_kind_of_endpoint() -> None:
    assert len(OPERATIONS) >= 16
    assert {m for _, m in OPERATIONS} >= {"get", "post"}


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_anonymous_is_refused_everywhere(path: str, method: str, api: Api) -> None:
    api.secret = ""
    response = call(api, method, fill(path, None))
    assert response.status_code == 401, f"{method.upper()} {path}"


NON_FHIR_WITH_IDS = [(p, m) for p, m in OPERATIONS if PARAM.search(p) and not p.startswith(FHIR)]
NON_FHIR_CREATES = [(p, m) for p, m in OPERATIONS if m == "post" and not PARAM.search(p)]


def test_every_non_fhir_id_in_a_path_is_one_the_walk_knows() -> None:
    names = {n for p, _ in NON_FHIR_WITH_IDS for n in PARAM.findall(p)}
    assert names <= set(Stocked.__dataclass_fields__)


@pytest.mark.parametrize(("path", "method"), NON_FHIR_WITH_IDS)
def test_another_clinics_ids_are_not_found(
    path: str, method: str, api: Api, other_stocked: Stocked
) -> None:
    response = call(api, method, fill(path, other_stocked))
    assert response.status_code == 404, f"{method.upper()} {path}"
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("path", "method"), [o for o in NON_FHIR_CREATES if o[0] in BODIES])
def test_a_create_naming_another_clinics_records_is_not_found(
    path: str, method: str, api: Api, other_stocked: Stocked
) -> None:
    response = call(api, method, path, BODIES[path](other_stocked))
    expected = 201 if path == "/api/v1/clients" else 404  # a new client names nothing
    assert response.status_code == expected, f"{method.upper()} {path}"


def test_every_non_fhir_create_has_a_body_in_the_walk() -> None:
    assert {p for p, _ in NON_FHIR_CREATES if not p.startswith(FHIR)} <= set(BODIES)
