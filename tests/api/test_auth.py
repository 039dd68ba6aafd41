"""Tokens at the door: missing, unknown, revoked, and without the scope; and what the audit
keeps of each request."""

from __future__ import annotations

import hashlib

from reattune.api.errors import MISSING_SCOPE, UNAUTHENTICATED
from reattune.api.models import ApiToken
from reattune.api.services import token_revoke
from reattune.audit.models import AuditEvent, Outcome
from reattune.cases.models import Client
from tests.api.conftest import Api, make_api


def last_row() -> AuditEvent:
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None
    return row


def test_a_request_without_a_token_is_refused_in_the_error_shape(api: Api) -> None:
    api.secret = ""
    response = api.get("clients")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": UNAUTHENTICATED, "details": []}
    }


def test_an_unknown_token_is_refused(api: Api) -> None:
    api.secret = "rtk_" + "x" * 43
    assert api.get("clients").status_code == 401


def test_a_token_in_the_wrong_scheme_is_refused(api: Api) -> None:
    response = api.http.get("/api/v1/clients", headers={"Authorization": f"Token {api.secret}"})
    assert response.status_code == 401


def test_a_revoked_token_fails_at_once(api: Api, world) -> None:
    assert api.get("clients").status_code == 200
    token_revoke(token=api.token, admin=world.admin)
    response = api.get("clients")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_read_only_token_cannot_write(world, api_for) -> None:
    reader = api_for(world, scopes=("read",))
    response = reader.post("clients", {"code": "R-1"})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "missing_scope",
        "message": MISSING_SCOPE.format(scope="write"),
        "details": [],
    }
    assert not Client.objects.filter(code="R-1").exists()
    assert reader.get("clients").status_code == 200


def test_a_write_only_token_cannot_read(world, api_for) -> None:
    writer = api_for(world, scopes=("write",))
    assert writer.get("clients").status_code == 403
    assert writer.post("clients", {"code": "W-1"}).status_code == 201


def test_only_the_hash_of_a_token_is_stored(api: Api) -> None:
    token = ApiToken.objects.get()
    assert token.secret_hash == hashlib.sha256(api.secret.encode()).hexdigest()
    assert api.secret.startswith(token.prefix)
    stored = [str(v) for v in ApiToken.objects.values_list(flat=False).get()]
    assert not any(api.secret in value for value in stored)


def test_a_token_is_256_random_bits(world) -> None:
    secrets = {make_api(world).secret for _ in range(3)}
    assert len(secrets) == 3
    # "rtk_" + 43 URL-safe base64 characters = 32 bytes.
    assert all(len(s) == 4 + 43 for s in secrets)


def test_using_a_token_records_when_it_was_last_used(api: Api) -> None:
    assert ApiToken.objects.get().last_used_at is None
    api.get("clients")
    assert ApiToken.objects.get().last_used_at is not None


def test_each_api_request_is_one_audit_row_naming_the_token_and_no_user(api: Api, stocked) -> None:
    before = AuditEvent.objects.count()
    api.get(f"clients/{stocked.client_id}")
    assert AuditEvent.objects.count() == before + 1
    row = last_row()
    assert row.user_id is None
    assert row.user_label == f'API token "EHR sync" (#{api.token.pk})'
    assert (row.clinic_id, row.client_id) == (api.token.clinic_id, stocked.client_id)
    assert (row.category, row.action, row.outcome) == ("client", "read", Outcome.OK)
    assert row.target == f"api_client client_id={stocked.client_id}"


def test_an_answer_submitted_is_audited_as_a_create_about_its_client(api: Api, world) -> None:
    participant = world.case.participants.get()
    from tests.api.conftest import phq9

    api.post(
        "responses",
        {
            "session_id": world.session.pk,
            "participant_id": participant.pk,
            "answers": {"phq9": phq9()},
        },
    )
    row = last_row()
    assert (row.category, row.action, row.outcome) == ("response", "create", Outcome.OK)
    assert (row.client_id, row.case_id) == (participant.client_id, world.case.pk)


def test_a_refusal_for_a_missing_scope_is_a_denied_row_naming_the_token(world, api_for) -> None:
    reader = api_for(world, scopes=("read",))
    reader.post("clients", {"code": "R-2"})
    row = last_row()
    assert row.outcome == Outcome.DENIED
    assert row.user_label == reader.token.label
    assert row.clinic_id == world.clinic.pk


def test_a_request_without_a_token_is_a_denied_row_naming_no_clinic(api: Api) -> None:
    api.secret = ""
    api.get("clients")
    row = last_row()
    assert (row.outcome, row.clinic_id, row.user_id) == (Outcome.DENIED, None, None)
    assert row.user_label == "API request without a known token"


def test_a_revoked_token_still_tried_is_named_in_the_audit(api: Api, world) -> None:
    token_revoke(token=api.token, admin=world.admin)
    api.get("clients")
    row = last_row()
    assert row.outcome == Outcome.DENIED
    assert row.user_label == f"{api.token.label} (revoked)"
    assert row.clinic_id == world.clinic.pk


def test_another_clinics_id_is_audited_without_naming_their_client(api: Api, other_stocked) -> None:
    api.get(f"clients/{other_stocked.client_id}")
    row = last_row()
    assert row.outcome == Outcome.DENIED
    assert row.client_id is None


def test_a_request_that_cannot_be_audited_is_a_503_in_the_error_shape_and_keeps_nothing(
    api: Api, stocked
) -> None:
    from reattune.audit.middleware import API_UNAVAILABLE
    from tests.audit.helpers import audit_inserts_fail

    with audit_inserts_fail():
        read = api.get(f"clients/{stocked.client_id}")
        write = api.post("clients", {"code": "NEVER-KEPT"})
    for response in (read, write):
        assert response.status_code == 503
        assert response.json() == {
            "error": {"code": "audit_unavailable", "message": API_UNAVAILABLE, "details": []}
        }
        assert response["Retry-After"] == "5"
    assert not Client.objects.filter(code="NEVER-KEPT").exists()


def test_a_request_past_the_rate_limit_is_a_denied_row(api: Api, settings) -> None:
    settings.API_RATE_PER_MINUTE = 1
    api.get("clients")
    api.get("clients")
    row = last_row()
    assert (row.outcome, row.user_label) == (Outcome.DENIED, api.token.label)


def test_the_audit_knows_the_apis_url_namespace() -> None:
    from reattune.api.urls import API_NAMESPACE
    from reattune.audit import middleware

    assert middleware.API_NAMESPACE == API_NAMESPACE
