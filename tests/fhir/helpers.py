"""Stored responses to turn into FHIR, and the fhir.resources models each claim is checked with."""

from __future__ import annotations

from typing import Any

from fhir.resources.observation import Observation as R5Observation
from fhir.resources.questionnaireresponse import QuestionnaireResponse as R5QuestionnaireResponse
from fhir.resources.R4B.bundle import Bundle as R4BBundle
from fhir.resources.R4B.capabilitystatement import (
    CapabilityStatement as R4BCapabilityStatement,
)
from fhir.resources.R4B.encounter import Encounter as R4BEncounter
from fhir.resources.R4B.observation import Observation as R4BObservation
from fhir.resources.R4B.operationoutcome import OperationOutcome as R4BOperationOutcome
from fhir.resources.R4B.patient import Patient as R4BPatient
from fhir.resources.R4B.questionnaire import Questionnaire as R4BQuestionnaire
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as R4BQuestionnaireResponse,
)

from reattune.cases.models import Participant, TherapySession
from reattune.checks.models import Response, ResponseSource
from reattune.checks.services import responses_store
from reattune.measures.registry import get_definition

# Reattune emits R4 (4.0.1). fhir.resources 8 has no R4 package; R4B is R4 with technical
# corrections that leave these resources as they were, so its models check R4's structure.
R4: dict[str, Any] = {
    "Bundle": R4BBundle,
    "CapabilityStatement": R4BCapabilityStatement,
    "Encounter": R4BEncounter,
    "Observation": R4BObservation,
    "OperationOutcome": R4BOperationOutcome,
    "Patient": R4BPatient,
    "Questionnaire": R4BQuestionnaire,
    "QuestionnaireResponse": R4BQuestionnaireResponse,
}
# The answers and totals have the same shape in R5, and are checked there too.
R5: dict[str, Any] = {
    "Observation": R5Observation,
    "QuestionnaireResponse": R5QuestionnaireResponse,
}

# Item types R4 defines for Questionnaire.item.type (fhir.resources checks shape, not codes).
R4_ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
    "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip


def validate_r4(resource: dict[str, Any]) -> None:
    """Raises pydantic's ValidationError naming the field if the resource is not valid R4."""
    R4[resource["resourceType"]].model_validate(resource)


def store(
    session: TherapySession, participant: Participant, measure_id: str, raw: dict[str, Any]
) -> Response:
    definition = get_definition(measure_id)
    [response] = responses_store(
        session=session,
        participant=participant,
        by_measure={measure_id: definition.clean_answers(raw)},
        source=ResponseSource.API,
    )
    return Response.objects.select_related("client__clinic", "session").get(pk=response.pk)


PHQ9 = {f"q{n}": 2 for n in range(1, 10)} | {"difficulty": 1}
ALLIANCE = {
    "respected": 9, "focus": 8, "approach": 7, "voice": 9, "felt_off": "yes",
    "change": "Slow down a little.",
}  # fmt: skip


def submission(
    response_answers: dict[str, Any],
    *,
    measure_id: str,
    session: TherapySession,
    participant: Participant,
) -> dict[str, Any]:
    """A QuestionnaireResponse as a record system would send it: the choice answers as the
    Questionnaire's own codings, the rest as integers, booleans and strings."""
    from reattune.fhir.codes import questionnaire_url
    from reattune.fhir.resources import answer_coding

    definition = get_definition(measure_id)
    items = []
    for item in definition.items:
        if item.id not in response_answers:
            continue
        value = response_answers[item.id]
        if item.type == "choice":
            option = next(o for o in item.options if o.value == value)
            answer: dict[str, Any] = {"valueCoding": answer_coding(definition, item, option)}
        elif item.type == "scale":
            answer = {"valueInteger": value}
        elif item.type == "yes_no":
            answer = {"valueBoolean": value == "yes"}
        else:
            answer = {"valueString": value}
        items.append({"linkId": item.id, "answer": [answer]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(measure_id)}|{definition.version}",
        "status": "completed",
        "subject": {"reference": f"Patient/{participant.client_id}"},
        "encounter": {"reference": f"Encounter/{session.pk}"},
        "item": items,
    }
