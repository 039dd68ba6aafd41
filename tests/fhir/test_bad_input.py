"""Whatever a record system sends, the submission answers with a stored response or an
OperationOutcome, never a server error (hypothesis over bodies and their parts)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.checks.models import Response
from reattune.fhir.outcome import FhirProblem, operation_outcome
from reattune.fhir.submit import questionnaire_response_submit
from tests.fhir.helpers import PHQ9, submission, validate_r4

pytestmark = pytest.mark.django_db

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["resourceType", "questionnaire", "status", "subject", "encounter", "item", "meta"]
ITEM_FIELDS = ["linkId", "answer", "item", "text"]
ANSWER_FIELDS = ["valueCoding", "valueInteger", "valueBoolean", "valueString", "valueDecimal"]
QUIET = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome_or_stored(
    clinic: Any, body: bytes, content_type: str = "application/fhir+json"
) -> None:
    try:
        questionnaire_response_submit(clinic=clinic, body=body, content_type=content_type)
    except FhirProblem as problem:
        assert 400 <= problem.status < 500
        validate_r4(operation_outcome(problem.issues))
        assert all(issue.diagnostics for issue in problem.issues)


@QUIET
@given(body=st.binary(max_size=200) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_body_at_all_is_answered_with_an_outcome(world, body):
    outcome_or_stored(world.clinic, body)
    assert not Response.objects.exists()


@QUIET
@given(content_type=st.text(max_size=60))
def test_any_content_type_is_answered_with_an_outcome_or_taken(world, content_type):
    body = json.dumps({"resourceType": "QuestionnaireResponse", "status": "in-progress"})
    outcome_or_stored(world.clinic, body.encode(), content_type)


@QUIET
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES)
def test_any_value_in_any_top_level_field_is_answered_with_an_outcome(world, field, value):
    body = valid_body(world)
    body[field] = value
    outcome_or_stored(world.clinic, json.dumps(body).encode())
    Response.objects.all().delete()


@QUIET
@given(
    index=st.integers(min_value=0, max_value=9),
    field=st.sampled_from(ITEM_FIELDS),
    value=JSON_VALUES,
    answer_field=st.sampled_from(ANSWER_FIELDS),
    answer_value=JSON_VALUES,
)
def test_any_value_in_an_item_or_its_answer_is_answered_with_an_outcome(
    world, index, field, value, answer_field, answer_value
):
    body = valid_body(world)
    body["item"][index][field] = value
    if isinstance(body["item"][index].get("answer"), list):
        body["item"][index]["answer"] = [{answer_field: answer_value}]
    outcome_or_stored(world.clinic, json.dumps(body).encode())
    Response.objects.all().delete()


# Any text at all, control characters and NUL included (PostgreSQL cannot compare NUL, SQLite
# can: a value that reaches a query unchecked fails only there), and the client's own code in
# other letter cases and with spaces around it, which must be found.
CODE_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@QUIET
@given(code=CODE_TEXT, own=st.booleans(), data=st.data())
def test_any_client_code_in_the_subject_is_answered_with_an_outcome_or_found(
    world, code, own, data
):
    client = world.case.participants.get().client
    if own:
        code = data.draw(st.sampled_from([client.code.lower(), f" {client.code.upper()}  "]))
    body = valid_body(world)
    body["subject"] = {"identifier": {"value": code}}
    outcome_or_stored(world.clinic, json.dumps(body).encode())
    if own:
        assert Response.objects.get().client == client
    # Still answering: a database error would have left the test's transaction unusable.
    Response.objects.all().delete()


@QUIET
@given(reference=CODE_TEXT, field=st.sampled_from(["subject", "encounter"]))
def test_any_reference_text_is_answered_with_an_outcome(world, reference, field):
    body = valid_body(world)
    body[field] = {"reference": reference}
    outcome_or_stored(world.clinic, json.dumps(body).encode())
    Response.objects.all().delete()


def test_these_tests_ran_on_the_database_configured(world) -> None:
    """The hypothesis tests above are only worth having on PostgreSQL (where NUL fails a query)
    if they reach the database there: CI runs this module with REATTUNE_DATABASE_URL set, and
    this names the vendor, so a run that silently fell back to SQLite shows."""
    import os

    from django.db import connection

    wanted = (
        "postgresql"
        if os.environ.get("REATTUNE_DATABASE_URL", "").startswith("postgres")
        else "sqlite"
    )
    assert connection.vendor == wanted
    # The world's code is reached through the same filter a submission uses.
    client = world.case.participants.get().client
    assert type(client).objects.filter(code__iexact=client.code.lower()).get() == client


def valid_body(world: Any) -> dict[str, Any]:
    return submission(
        PHQ9,
        measure_id="phq9",
        session=world.session,
        participant=world.case.participants.get(),
    )


@pytest.mark.parametrize("depth", [500, 990, 5000, 100_000])
def test_deeply_nested_json_is_an_outcome(world, depth):
    body = '{"resourceType": "QuestionnaireResponse", "item": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(FhirProblem) as caught:
        questionnaire_response_submit(
            clinic=world.clinic, body=body.encode(), content_type="application/fhir+json"
        )
    assert caught.value.status == 400
