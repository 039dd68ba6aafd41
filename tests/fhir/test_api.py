"""The FHIR endpoints over HTTP (api/v1/fhir/): FHIR JSON in and out, OperationOutcomes for
problems, the token's scopes and clinic respected, every request audited."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from reattune.api.urls import api as ninja_api
from reattune.audit.models import AuditEvent
from reattune.checks.models import Response
from reattune.fhir import codes
from reattune.measures.registry import all_definitions
from tests.api.conftest import Api, make_api
from tests.fhir.helpers import PHQ9, R4, store, submission, validate_r4

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
BASE = "/api/v1/fhir/"
PATHS = ninja_api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
FHIR_OPERATIONS = [(p, m) for p, item in PATHS.items() for m in item if p.startswith(BASE)]


def get(client: Api, path: str, **params: Any):  # type: ignore[no-untyped-def]
    return client.http.get(BASE + path, params, headers=client.headers())


def post(client: Api, body: Any, content_type: str = FHIR_JSON):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.http.post(
        BASE + "QuestionnaireResponse", data, content_type=content_type, headers=client.headers()
    )


def fhir_body(response: Any, resource_type: str) -> dict[str, Any]:
    assert response["Content-Type"] == FHIR_JSON
    data: dict[str, Any] = json.loads(response.content)
    assert data["resourceType"] == resource_type
    validate_r4(data)
    return data


def phq9_for(world) -> dict[str, Any]:
    participant = world.case.participants.get()
    return submission(PHQ9, measure_id="phq9", session=world.session, participant=participant)


def test_the_walk_covers_every_fhir_operation():
    assert sorted(FHIR_OPERATIONS) == sorted(
        [
            (BASE + "metadata", "get"),
            (BASE + "Questionnaire", "get"),
            (BASE + "Questionnaire/{questionnaire_id}", "get"),
            (BASE + "QuestionnaireResponse", "post"),
            (BASE + "QuestionnaireResponse/{response_id}", "get"),
            (BASE + "Observation/{observation_id}", "get"),
        ]
    )


def test_the_capability_statement_says_r4_json_and_what_may_be_done(api):
    data = fhir_body(get(api, "metadata"), "CapabilityStatement")
    assert data["fhirVersion"] == "4.0.1"
    resources = {
        r["type"]: {i["code"] for i in r["interaction"]} for r in data["rest"][0]["resource"]
    }
    assert resources == {
        "Questionnaire": {"read", "search-type"},
        "QuestionnaireResponse": {"read", "create"},
        "Observation": {"read"},
    }


def test_the_questionnaire_search_lists_every_measure_as_a_searchset(api):
    data = fhir_body(get(api, "Questionnaire"), "Bundle")
    assert data["type"] == "searchset"
    assert data["total"] == len(all_definitions())
    for entry in data["entry"]:
        R4["Questionnaire"].model_validate(entry["resource"])
        assert entry["fullUrl"].endswith(f"/api/v1/fhir/Questionnaire/{entry['resource']['id']}")


@pytest.mark.parametrize(
    "url", [codes.questionnaire_url("gad7"), codes.questionnaire_url("gad7") + "|1"]
)
def test_the_questionnaire_search_finds_one_by_canonical_url(api, url):
    data = fhir_body(get(api, "Questionnaire", url=url), "Bundle")
    assert [e["resource"]["id"] for e in data["entry"]] == ["gad7"]


def test_a_questionnaire_is_read_by_its_measure_id(api):
    data = fhir_body(get(api, "Questionnaire/phq9"), "Questionnaire")
    assert data["url"] == codes.questionnaire_url("phq9")


def test_an_unknown_questionnaire_is_an_operation_outcome_404(api):
    response = get(api, "Questionnaire/beck")
    assert response.status_code == 404
    assert fhir_body(response, "OperationOutcome")["issue"][0]["code"] == "not-found"


def test_a_stored_response_and_its_total_are_read_by_the_responses_id(world, api):
    stored = store(world.session, world.case.participants.get(), "phq9", PHQ9)
    qr = fhir_body(get(api, f"QuestionnaireResponse/{stored.pk}"), "QuestionnaireResponse")
    total = fhir_body(get(api, f"Observation/{stored.pk}"), "Observation")
    assert qr["id"] == total["id"] == str(stored.pk)
    assert total["valueQuantity"]["value"] == 18


@pytest.mark.parametrize("kind", ["QuestionnaireResponse", "Observation"])
def test_another_clinics_response_is_not_found(world, other_world, api, kind):
    theirs = store(other_world.session, other_world.case.participants.get(), "phq9", PHQ9)
    response = get(api, f"{kind}/{theirs.pk}")
    assert response.status_code == 404
    outcome = fhir_body(response, "OperationOutcome")
    assert (
        outcome["issue"][0]["diagnostics"]
        == f"There is no {kind}/{theirs.pk} in this token's clinic."
    )


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "9" * 40, "٣"])
def test_an_id_that_is_not_a_number_is_not_found_rather_than_an_error(api, bad_id):
    response = get(api, f"QuestionnaireResponse/{bad_id}")
    assert response.status_code == 404
    fhir_body(response, "OperationOutcome")


@pytest.mark.parametrize(("path", "method"), FHIR_OPERATIONS)
def test_anonymous_is_refused_everywhere(api, path, method):
    api.secret = ""
    path = re.sub(r"{\w+}", "1", path)
    response = api.http.generic(method.upper(), path, b"{}", content_type=FHIR_JSON)
    assert response.status_code == 401


def test_a_submission_is_stored_and_answered_with_the_stored_resource(world, api):
    response = post(api, phq9_for(world))
    assert response.status_code == 201
    data = fhir_body(response, "QuestionnaireResponse")
    stored = Response.objects.get()
    assert (stored.source, stored.total) == ("fhir", 18)
    assert data["id"] == str(stored.pk)
    assert response["Location"].endswith(f"/api/v1/fhir/QuestionnaireResponse/{stored.pk}")


def test_plain_json_is_accepted_too(world, api):
    assert post(api, phq9_for(world), "application/json").status_code == 201


def test_a_read_only_token_cannot_submit(world):
    reader = make_api(world, scopes=("read",))
    response = post(reader, phq9_for(world))
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_a_refused_submission_is_an_operation_outcome_naming_the_problem(world, api):
    response = post(api, {"resourceType": "Observation", "status": "final"})
    assert response.status_code == 400
    outcome = fhir_body(response, "OperationOutcome")
    assert outcome["issue"][0]["diagnostics"] == (
        "This endpoint takes a QuestionnaireResponse; the body is an Observation."
    )


def test_malformed_json_over_http_is_an_operation_outcome(api):
    response = post(api, b"{not json")
    assert response.status_code == 400
    fhir_body(response, "OperationOutcome")


def test_the_wrong_fhir_version_over_http_is_refused(world, api):
    response = post(api, phq9_for(world), FHIR_JSON + "; fhirVersion=5.0")
    assert response.status_code == 400
    assert fhir_body(response, "OperationOutcome")["issue"][0]["code"] == "not-supported"


def test_a_submission_for_another_clinics_session_is_not_found(world, other_world, api):
    body = phq9_for(world) | {"encounter": {"reference": f"Encounter/{other_world.session.pk}"}}
    response = post(api, body)
    assert response.status_code == 404
    fhir_body(response, "OperationOutcome")
    assert not Response.objects.exists()


def test_a_second_submission_over_http_is_a_conflict(world, api):
    assert post(api, phq9_for(world)).status_code == 201
    response = post(api, phq9_for(world))
    assert response.status_code == 409
    fhir_body(response, "OperationOutcome")


def test_reading_a_response_is_audited_naming_the_token_and_the_client(world, api):
    stored = store(world.session, world.case.participants.get(), "phq9", PHQ9)
    get(api, f"QuestionnaireResponse/{stored.pk}")
    row = AuditEvent.objects.order_by("-pk").first()
    assert row is not None
    assert row.user_id is None
    assert "EHR sync" in row.user_label
    assert row.client_id == stored.client_id


def test_a_submission_is_audited_as_a_create_naming_the_client(world, api):
    post(api, phq9_for(world))
    row = AuditEvent.objects.order_by("-pk").first()
    assert row is not None
    assert (row.category, row.action) == ("response", "create")
    assert row.client_id == world.case.participants.get().client_id


def test_reading_another_clinics_response_is_audited_as_denied_naming_no_client(
    world, other_world, api
):
    theirs = store(other_world.session, other_world.case.participants.get(), "phq9", PHQ9)
    get(api, f"Observation/{theirs.pk}")
    row = AuditEvent.objects.order_by("-pk").first()
    assert row is not None
    assert row.outcome == "denied"
    assert row.client_id is None
