"""Measures as Questionnaires, responses as QuestionnaireResponses and their totals as
Observations: valid FHIR R4, with the codes a record system looks for."""

from __future__ import annotations

from typing import Any

import pytest

from reattune.cases.models import Attendance
from reattune.fhir import codes
from reattune.fhir.resources import (
    encounter,
    observation,
    patient,
    questionnaire,
    questionnaire_response,
    questionnaires,
)
from reattune.measures.registry import all_definitions, get_definition
from tests.factories import make_case, make_client, make_session
from tests.fhir.helpers import ALLIANCE, PHQ9, R4_ITEM_TYPES, R5, store, validate_r4

SHIPPED = sorted(all_definitions())
ANSWERS: dict[str, dict[str, Any]] = {
    "phq9": PHQ9,
    "gad7": {f"q{n}": 3 for n in range(1, 8)},
    "core10": {f"q{n}": 1 for n in range(1, 11)},
    "alliance": ALLIANCE,
}


@pytest.mark.parametrize("measure_id", SHIPPED)
def test_every_measure_is_a_valid_r4_questionnaire(measure_id):
    data = questionnaire(get_definition(measure_id))
    validate_r4(data)
    assert {item["type"] for item in data["item"]} <= R4_ITEM_TYPES


def test_the_questionnaire_list_holds_every_measure_the_installation_knows():
    assert [q["id"] for q in questionnaires()] == SHIPPED


def test_a_questionnaire_has_a_canonical_url_version_and_the_measures_licence():
    definition = get_definition("core10")
    data = questionnaire(definition)
    assert data["url"] == "https://reattune.org/fhir/Questionnaire/core10"
    assert data["version"] == definition.version
    assert definition.licence in data["copyright"]
    assert definition.attribution in data["copyright"]


def test_choice_items_offer_their_options_as_codings_with_the_value_as_ordinal():
    data = questionnaire(get_definition("core10"))
    first = data["item"][0]
    assert first["type"] == "choice"
    assert first["required"] is True
    options = first["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == ["0", "1", "2", "3", "4"]
    assert options[4]["valueCoding"]["display"] == "Most or all of the time"
    assert [o["extension"][0]["valueDecimal"] for o in options] == [0, 1, 2, 3, 4]
    assert options[0]["valueCoding"]["system"] == codes.answer_system("core10", "q1")


def test_phq9_carries_loinc_codes_for_the_panel_items_and_answers():
    data = questionnaire(get_definition("phq9"))
    assert data["code"][0]["code"] == "44249-1"
    items = {item["linkId"]: item for item in data["item"]}
    assert items["q9"]["code"] == [{"system": codes.LOINC, "code": "44260-8"}]
    answers = [o["valueCoding"]["code"] for o in items["q1"]["answerOption"]]
    assert answers == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert items["difficulty"]["required"] is False


def test_scale_yes_no_and_text_items_become_integer_boolean_and_text():
    items = {i["linkId"]: i for i in questionnaire(get_definition("alliance"))["item"]}
    assert items["respected"]["type"] == "integer"
    bounds = {e["url"]: e.get("valueInteger") for e in items["respected"]["extension"]}
    assert (bounds[codes.MIN_VALUE], bounds[codes.MAX_VALUE]) == (0, 10)
    assert items["felt_off"]["type"] == "boolean"
    assert (items["change"]["type"], items["change"]["maxLength"]) == ("text", 1000)
    assert items["change"]["required"] is False


@pytest.mark.parametrize("measure_id", SHIPPED)
def test_every_measures_response_and_total_are_valid_in_r4_and_r5(world, measure_id):
    response = store(world.session, world.case.participants.get(), measure_id, ANSWERS[measure_id])
    for data in (questionnaire_response(response), observation(response)):
        validate_r4(data)
        R5[data["resourceType"]].model_validate(data)


def test_a_response_names_its_questionnaire_version_client_session_and_answers(world):
    participant = world.case.participants.get()
    response = store(world.session, participant, "alliance", ALLIANCE)
    data = questionnaire_response(response)
    assert data["questionnaire"] == "https://reattune.org/fhir/Questionnaire/alliance|1"
    assert data["subject"]["reference"] == f"Patient/{participant.client_id}"
    assert data["subject"]["identifier"]["value"] == participant.client.code
    assert data["encounter"] == {"reference": f"Encounter/{world.session.pk}"}
    answers = {item["linkId"]: item["answer"][0] for item in data["item"]}
    assert answers["respected"] == {"valueInteger": 9}
    assert answers["felt_off"] == {"valueBoolean": True}
    assert answers["change"] == {"valueString": "Slow down a little."}


def test_a_choice_answer_is_the_same_coding_the_questionnaire_offers(world):
    response = store(world.session, world.case.participants.get(), "phq9", PHQ9)
    q1 = questionnaire_response(response)["item"][0]
    offered = questionnaire(get_definition("phq9"))["item"][0]["answerOption"]
    assert q1["answer"][0]["valueCoding"] == offered[2]["valueCoding"]


@pytest.mark.parametrize(("measure_id", "loinc"), [("phq9", "44261-6"), ("gad7", "70274-6")])
def test_phq9_and_gad7_totals_carry_their_loinc_codes(world, measure_id, loinc):
    response = store(world.session, world.case.participants.get(), measure_id, ANSWERS[measure_id])
    coding = observation(response)["code"]["coding"]
    assert coding[0] == {
        "system": codes.LOINC,
        "code": loinc,
        "display": codes.LOINC_CODES[measure_id].total.display,
    }
    assert coding[1]["code"] == f"{measure_id}-total"


def test_a_total_without_a_loinc_code_uses_reattunes_own_code(world):
    response = store(world.session, world.case.participants.get(), "core10", ANSWERS["core10"])
    coding = observation(response)["code"]["coding"]
    assert coding == [
        {"system": codes.SCORE_SYSTEM, "code": "core10-total", "display": "CORE-10 total score"}
    ]


def test_a_total_is_dated_by_its_session_and_derived_from_its_response(world):
    session = make_session(world.case, 4)
    response = store(session, world.case.participants.get(), "phq9", PHQ9)
    data = observation(response)
    assert data["effectiveDateTime"] == session.date.isoformat()
    assert data["valueQuantity"]["value"] == response.total == 18
    assert data["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response.pk}"}]
    assert data["encounter"] == {"reference": f"Encounter/{session.pk}"}


def test_a_client_is_a_valid_patient_with_only_what_the_clinic_recorded(world):
    client = make_client(world.clinic, code="HS-017")
    data = patient(client)
    validate_r4(data)
    assert data["identifier"][0]["value"] == "HS-017"
    assert "name" not in data and "birthDate" not in data


def test_a_session_is_a_valid_encounter_and_a_no_show_keeps_its_attendance(world):
    session = make_session(world.case, 2, attendance=Attendance.NO_SHOW)
    data = encounter(session)
    validate_r4(data)
    assert data["status"] == "cancelled"
    assert data["extension"][0]["valueCode"] == "no_show"


def test_a_joint_sessions_encounter_names_no_single_subject(world):
    couple = make_case(world.clinician, kind="couple")
    data = encounter(make_session(couple, 1))
    validate_r4(data)
    assert "subject" not in data
