"""A QuestionnaireResponse sent by a record system: checked, mapped back to the measure's
items and stored like a check link's answers, or refused with an OperationOutcome that says
what is wrong and where."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.cases.models import Attendance
from reattune.checks.models import Response, ResponseSource
from reattune.fhir import answers as mapping
from reattune.fhir import submit
from reattune.fhir.outcome import FhirProblem
from reattune.fhir.resources import questionnaire_response
from reattune.fhir.submit import questionnaire_response_submit
from reattune.measures.definitions import Item
from reattune.measures.registry import all_definitions, get_definition
from tests.factories import make_case, make_client, make_session
from tests.fhir.helpers import PHQ9, store, submission

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"


def send(clinic, body: Any, content_type: str = FHIR_JSON) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return questionnaire_response_submit(clinic=clinic, body=raw, content_type=content_type)


def refusal(clinic, body: Any, content_type: str = FHIR_JSON) -> FhirProblem:
    with pytest.raises(FhirProblem) as caught:
        send(clinic, body, content_type)
    return caught.value


def phq9_for(world, answers: dict[str, Any] | None = None, session=None) -> dict[str, Any]:
    return submission(
        PHQ9 if answers is None else answers,
        measure_id="phq9",
        session=session or world.session,
        participant=world.case.participants.get(),
    )


def test_a_completed_response_is_stored_from_fhir_with_the_measures_score(world):
    stored = send(world.clinic, phq9_for(world))
    assert (stored.source, stored.total, stored.measure_id) == (ResponseSource.FHIR, 18, "phq9")
    assert stored.answers == PHQ9
    assert stored.participant == world.case.participants.get()


def test_the_client_may_be_named_by_their_code_instead_of_their_id(world):
    body = phq9_for(world)
    client = world.case.participants.get().client
    body["subject"] = {"identifier": {"value": client.code}}
    assert send(world.clinic, body).client == client


def test_answers_wrapped_in_a_group_are_found(world):
    body = phq9_for(world)
    body["item"] = [{"linkId": "page-1", "item": body["item"]}]
    assert send(world.clinic, body).total == 18


def test_a_choice_answered_with_its_value_as_an_integer_is_taken(world):
    body = phq9_for(world)
    body["item"][0]["answer"] = [{"valueInteger": 3}]
    assert send(world.clinic, body).answers["q1"] == 3


@pytest.mark.parametrize(
    ("content_type", "status", "message"),
    [
        ("application/fhir+xml", 415, submit.UNSUPPORTED_MEDIA_TYPE),
        ("application/fhir+json; fhirVersion=3.0", 400, submit.WRONG_VERSION),
        ("application/fhir+json; fhirVersion=5.0", 400, submit.WRONG_VERSION),
    ],
)
def test_a_body_that_is_not_r4_json_is_refused_by_its_media_type(
    world, content_type, status, message
):
    problem = refusal(world.clinic, phq9_for(world), content_type)
    assert problem.status == status
    assert problem.issues[0].code == "not-supported"
    assert problem.issues[0].diagnostics.startswith(message.split("'")[0].split("{")[0])


@pytest.mark.parametrize("version", ["4.0", "4.0.1", "4.3"])
def test_r4_and_r4b_version_parameters_are_accepted(world, version):
    content_type = f"{FHIR_JSON}; fhirVersion={version}"
    assert send(world.clinic, phq9_for(world), content_type).total == 18


def test_an_stu3_questionnaire_reference_is_refused_as_the_wrong_version(world):
    body = phq9_for(world)
    body["questionnaire"] = {"reference": "Questionnaire/phq9"}
    problem = refusal(world.clinic, body)
    assert (problem.status, problem.issues[0].code) == (400, "not-supported")
    assert "STU3" in problem.issues[0].diagnostics


def test_malformed_json_is_refused_with_where_it_broke(world):
    problem = refusal(world.clinic, b'{"resourceType": "QuestionnaireResponse",')
    assert problem.status == 400
    assert problem.issues[0].diagnostics.startswith("The body is not valid JSON")
    assert "line 1" in problem.issues[0].diagnostics


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"{}", b'{"resourceType": 3}'])
def test_json_that_is_not_a_resource_is_refused(world, body):
    problem = refusal(world.clinic, body)
    assert problem.status == 400
    assert problem.issues[0].diagnostics == submit.NOT_A_RESOURCE


def test_another_kind_of_resource_is_refused_by_name(world):
    problem = refusal(world.clinic, {"resourceType": "Patient", "id": "1"})
    assert problem.status == 400
    assert problem.issues[0].diagnostics == (
        "This endpoint takes a QuestionnaireResponse; the body is a Patient."
    )


def test_a_resource_fhir_itself_rejects_is_refused_with_the_fields_at_fault(world):
    body = phq9_for(world)
    body["item"][0]["answer"] = [{"valueCoding": "LA6568-5"}]
    body["unknownField"] = True
    problem = refusal(world.clinic, body)
    assert problem.status == 400
    expressions = {issue.expression for issue in problem.issues}
    assert "QuestionnaireResponse.unknownField" in expressions
    assert any(e.startswith("QuestionnaireResponse.item[0].answer[0]") for e in expressions)


def test_a_response_still_in_progress_is_not_stored(world):
    body = phq9_for(world) | {"status": "in-progress"}
    problem = refusal(world.clinic, body)
    assert problem.status == 422
    assert problem.issues[0].diagnostics == submit.NOT_COMPLETED.format(found="in-progress")


@pytest.mark.parametrize(
    "canonical",
    [
        "https://reattune.org/fhir/Questionnaire/beck",
        "http://loinc.org/q/44249-1",
        "https://reattune.org/fhir/Questionnaire/",
    ],
)
def test_an_unknown_questionnaire_is_refused(world, canonical):
    problem = refusal(world.clinic, phq9_for(world) | {"questionnaire": canonical})
    assert (problem.status, problem.issues[0].code) == (422, "not-found")
    assert problem.issues[0].expression == "QuestionnaireResponse.questionnaire"


def test_a_questionnaire_version_this_server_does_not_have_is_refused(world):
    body = phq9_for(world) | {"questionnaire": "https://reattune.org/fhir/Questionnaire/phq9|7"}
    problem = refusal(world.clinic, body)
    assert problem.issues[0].diagnostics == submit.WRONG_QUESTIONNAIRE_VERSION.format(
        sent="7", measure="phq9", have="1"
    )


def test_another_clinics_session_is_not_found(world, other_world):
    body = phq9_for(world) | {"encounter": {"reference": f"Encounter/{other_world.session.pk}"}}
    problem = refusal(world.clinic, body)
    assert problem.status == 404
    assert problem.issues[0].diagnostics == submit.ENCOUNTER_NOT_FOUND.format(
        id=other_world.session.pk
    )
    assert not Response.objects.exists()


def test_another_clinics_client_is_not_found(world, other_world):
    other_client = other_world.case.participants.get().client_id
    body = phq9_for(world) | {"subject": {"reference": f"Patient/{other_client}"}}
    problem = refusal(world.clinic, body)
    assert problem.status == 404
    assert problem.issues[0].diagnostics == submit.PATIENT_NOT_FOUND.format(id=other_client)


def test_another_clinics_client_code_is_not_found(world, other_world):
    code = other_world.case.participants.get().client.code
    body = phq9_for(world) | {"subject": {"identifier": {"value": code}}}
    # Codes are chosen per clinic, so this one may exist here too; make sure it does not.
    assert not world.clinic.clients.filter(code=code).exists()
    assert refusal(world.clinic, body).status == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("encounter", None, submit.NO_ENCOUNTER),
        ("encounter", {"reference": "Encounter/abc"}, submit.BAD_ENCOUNTER),
        ("encounter", {"reference": "Appointment/1"}, submit.BAD_ENCOUNTER),
        ("subject", None, submit.NO_SUBJECT),
        ("subject", {"reference": "Group/1"}, submit.BAD_SUBJECT),
        ("questionnaire", None, submit.NO_QUESTIONNAIRE),
    ],
)
def test_a_response_that_does_not_say_what_it_is_about_is_refused(world, field, value, message):
    body = phq9_for(world)
    if value is None:
        del body[field]
    else:
        body[field] = value
    problem = refusal(world.clinic, body)
    assert problem.status == 422
    assert problem.issues[0].diagnostics.startswith(message.split("{")[0].split("'")[0])


def test_a_client_who_is_not_in_the_sessions_case_is_refused(world):
    stranger = make_client(world.clinic)
    body = phq9_for(world) | {"subject": {"reference": f"Patient/{stranger.pk}"}}
    problem = refusal(world.clinic, body)
    assert problem.issues[0].diagnostics == submit.NOT_A_PARTICIPANT.format(
        client=stranger.pk, session=world.session.pk
    )


def test_every_missing_required_answer_is_named(world):
    partial = {k: v for k, v in PHQ9.items() if k not in ("q3", "q9")}
    problem = refusal(world.clinic, phq9_for(world, partial))
    assert problem.status == 422
    unanswered = "Please answer this question."
    assert {(issue.code, issue.diagnostics) for issue in problem.issues} == {
        ("required", mapping.ITEM_PROBLEM.format(link="q3", message=unanswered)),
        ("required", mapping.ITEM_PROBLEM.format(link="q9", message=unanswered)),
    }


def test_an_answer_out_of_range_is_refused(world):
    body = phq9_for(world)
    body["item"][8]["answer"] = [{"valueInteger": 4}]
    problem = refusal(world.clinic, body)
    assert (problem.status, problem.issues[0].code) == (422, "value")
    assert problem.issues[0].diagnostics == "Item 'q9': Please choose a value from 0 to 3."
    assert problem.issues[0].expression == "QuestionnaireResponse.item[8]"


def test_a_coding_the_questionnaire_does_not_offer_is_refused(world):
    body = phq9_for(world)
    body["item"][0]["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "LA1-1"}}]
    problem = refusal(world.clinic, body)
    assert problem.issues[0].diagnostics.startswith(
        "Item 'q1' has no answer option 'LA1-1' in the system 'http://loinc.org'; "
    )


@pytest.mark.parametrize(
    ("coding", "shown"),
    [
        ({"display": "Several days"}, " (only the display 'Several days')"),
        ({}, ""),
    ],
)
def test_a_coding_with_no_code_is_refused_in_words_not_as_none(world, coding, shown):
    body = phq9_for(world)
    body["item"][0]["answer"] = [{"valueCoding": coding}]
    problem = refusal(world.clinic, body)
    message = problem.issues[0].diagnostics
    assert message == mapping.CODING_WITHOUT_CODE.format(link="q1", display=shown)
    assert "None" not in message and "(no system)" not in message


@pytest.mark.parametrize("field", ["encounter", "subject"])
def test_a_missing_encounter_or_subject_is_explained_with_single_braces(world, field):
    body = phq9_for(world)
    del body[field]
    message = refusal(world.clinic, body).issues[0].diagnostics
    assert "{{" not in message and "}}" not in message
    kind = {"encounter": "Encounter/<session id>", "subject": "Patient/<client id>"}[field]
    assert f'{{"reference": "{kind}"}}' in message


def test_a_subject_whose_reference_and_identifier_name_different_clients_is_refused(world):
    body = phq9_for(world)
    mine = world.case.participants.get().client
    other = world.trainee_case.participants.get().client
    body["subject"] = {"reference": f"Patient/{mine.pk}", "identifier": {"value": other.code}}
    problem = refusal(world.clinic, body)
    assert (problem.status, problem.issues[0].code) == (422, "business-rule")
    assert problem.issues[0].diagnostics == submit.SUBJECT_MISMATCH.format(id=mine.pk)
    body["subject"]["identifier"] = {"value": "NO-SUCH-CODE"}
    assert refusal(world.clinic, body).status == 422
    assert not Response.objects.exists()


def test_a_subject_whose_reference_and_identifier_agree_is_stored(world):
    body = phq9_for(world)
    mine = world.case.participants.get().client
    body["subject"] = {
        "reference": f"Patient/{mine.pk}",
        "identifier": {"value": f" {mine.code.lower()} "},
    }
    assert send(world.clinic, body).client == mine


def test_an_answer_of_the_wrong_type_is_refused_with_what_to_send(world):
    body = phq9_for(world)
    body["item"][0]["answer"] = [{"valueString": "Several days"}]
    problem = refusal(world.clinic, body)
    assert problem.issues[0].diagnostics == mapping.WRONG_ANSWER_TYPE.format(
        link="q1", kind="a choice item", expected=mapping.EXPECTED_VALUE["choice"][1]
    )


def test_unknown_repeated_and_doubly_answered_items_are_each_named(world):
    body = phq9_for(world)
    body["item"].append({"linkId": "q11", "answer": [{"valueInteger": 1}]})
    body["item"].append(body["item"][0])
    body["item"][1]["answer"] = body["item"][1]["answer"] * 2
    problem = refusal(world.clinic, body)
    messages = [issue.diagnostics for issue in problem.issues]
    assert any(m.startswith("linkId 'q11' is not an item of phq9") for m in messages)
    assert mapping.REPEATED_ITEM.format(link="q1") in messages
    assert mapping.ONE_ANSWER.format(link="q2", count=2) in messages


def test_a_second_submission_is_refused_and_the_first_kept(world):
    first = send(world.clinic, phq9_for(world))
    again = phq9_for(world, {**PHQ9, "q1": 0})
    problem = refusal(world.clinic, again)
    assert (problem.status, problem.issues[0].code) == (409, "duplicate")
    assert problem.issues[0].diagnostics == submit.ALREADY_STORED.format(id=first.pk)
    assert Response.objects.get().total == 18


def test_answers_for_a_session_that_did_not_take_place_are_refused(world):
    session = make_session(world.case, 2, attendance=Attendance.CANCELLED)
    problem = refusal(world.clinic, phq9_for(world, session=session))
    assert (problem.status, problem.issues[0].code) == (422, "business-rule")


def test_each_partner_in_a_joint_case_answers_for_themselves(world):
    couple = make_case(world.clinician, kind="couple")
    session = make_session(couple, 1)
    for participant in couple.participants.all():
        body = submission(PHQ9, measure_id="phq9", session=session, participant=participant)
        assert send(world.clinic, body).participant == participant
    assert Response.objects.filter(session=session).count() == 2


# --- Round trips --------------------------------------------------------------------------


def answer_for(item: Item) -> st.SearchStrategy[Any]:
    if item.type in ("choice", "scale"):
        return st.sampled_from(item.values)
    if item.type == "yes_no":
        return st.sampled_from(["yes", "no"])
    # Control characters are dropped by the measure's own cleaning, whatever the source.
    printable = st.characters(
        min_codepoint=33, max_codepoint=0x2FFF, exclude_categories=["Cs", "Cc"]
    )
    return st.text(printable, min_size=1, max_size=40)


@st.composite
def answers_to(draw: st.DrawFn, measure_id: str) -> dict[str, Any]:
    """Every required item answered, each optional one answered or left out."""
    answers = {}
    for item in get_definition(measure_id).items:
        if item.required or draw(st.booleans()):
            answers[item.id] = draw(answer_for(item))
    return answers


MEASURES = sorted(all_definitions())


@pytest.mark.parametrize("measure_id", MEASURES)
def test_a_response_round_trips_into_a_stored_response_with_the_same_score(world, measure_id):
    participant = world.case.participants.get()
    numbers = iter(range(2, 10_000))

    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(answers=answers_to(measure_id))
    def round_trip(answers: dict[str, Any]) -> None:
        session = make_session(world.case, next(numbers))
        body = submission(answers, measure_id=measure_id, session=session, participant=participant)
        stored = send(world.clinic, body)
        assert stored.answers == answers
        assert stored.total == get_definition(measure_id).score(answers).total

    round_trip()


@pytest.mark.parametrize("measure_id", MEASURES)
def test_an_exported_response_sent_back_is_stored_with_the_same_answers_and_score(
    world, measure_id
):
    participant = world.case.participants.get()
    numbers = iter(range(2, 10_000))

    @settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(answers=answers_to(measure_id))
    def round_trip(answers: dict[str, Any]) -> None:
        original = store(make_session(world.case, next(numbers)), participant, measure_id, answers)
        exported = questionnaire_response(original)
        elsewhere = make_session(world.case, next(numbers))
        exported["encounter"] = {"reference": f"Encounter/{elsewhere.pk}"}
        again = send(world.clinic, exported)
        assert (again.answers, again.total) == (original.answers, original.total)
        assert again.subscales == original.subscales

    round_trip()


def test_the_clients_code_is_matched_whatever_its_letter_case_and_outer_spaces(world):
    body = phq9_for(world)
    client = world.case.participants.get().client
    body["subject"] = {"identifier": {"value": f"  {client.code.swapcase()} "}}
    assert client.code != client.code.swapcase(), "the test needs a code with letters"
    assert send(world.clinic, body).client == client


@pytest.mark.parametrize("bad", ["\x00", "\n", "\u200b", "\x7f", "\u2028"])
def test_a_code_holding_a_control_or_invisible_character_is_refused_before_any_lookup(world, bad):
    """NUL reached PostgreSQL's comparison and was a 500 (DataError) there; now every
    database gives the same 422."""
    body = phq9_for(world)
    code = world.case.participants.get().client.code
    body["subject"] = {"identifier": {"value": code[:2] + bad + code[2:]}}
    problem = refusal(world.clinic, body)
    assert problem.status == 422
    assert problem.issues[0].diagnostics == submit.CONTROL_IN_CODE
    assert problem.issues[0].expression == "QuestionnaireResponse.subject.identifier.value"
    assert not Response.objects.exists()
