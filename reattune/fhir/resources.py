"""Reattune's records as FHIR R4 (4.0.1) resources: plain functions from model objects to
JSON-ready dicts.

R4 because it is what record systems listen on today. Every dict here is checked in the tests
against fhir.resources' R4B models (the package has no R4 models; R4B changed none of these
resources) and, for the QuestionnaireResponse and Observation, also against R5.

Ids: a Questionnaire's id is the measure id; a QuestionnaireResponse and the Observation of its
total share the stored response's id; a Patient is a client, an Encounter a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reattune.cases.models import Attendance, Client, TherapySession
from reattune.checks.models import Response
from reattune.fhir import codes
from reattune.measures.definitions import Item, MeasureDefinition, Option
from reattune.measures.registry import all_definitions

JSON = dict[str, Any]

# Encounter.status (R4) for each attendance. R4 has no "did not attend" status for an
# Encounter, so a no-show is cancelled and the attendance itself travels in an extension.
ENCOUNTER_STATUS = {
    Attendance.SCHEDULED: "planned",
    Attendance.ATTENDED: "finished",
    Attendance.CANCELLED: "cancelled",
    Attendance.NO_SHOW: "cancelled",
}
ATTENDANCE_EXTENSION = f"{codes.CANONICAL_BASE}/StructureDefinition/attendance"
SESSION_IDENTIFIER_SYSTEM = f"{codes.CANONICAL_BASE}/NamingSystem/case-session"
ITEM_TYPES = {"choice": "choice", "scale": "integer", "yes_no": "boolean", "text": "text"}


def reference(resource_type: str, pk: object) -> JSON:
    return {"reference": f"{resource_type}/{pk}"}


def _instant(moment: dt.datetime) -> str:
    """FHIR instants need seconds and a zone; whole seconds are enough for a questionnaire."""
    return moment.replace(microsecond=0).isoformat()


# --- Questionnaire -------------------------------------------------------------------------


def answer_coding(definition: MeasureDefinition, item: Item, option: Option) -> JSON:
    """The coding of one answer option: LOINC's answer code where LOINC has one for this very
    label, else the option's value as a code in Reattune's code system for the item."""
    loinc = codes.LOINC_CODES.get(definition.id)
    known = loinc.answers.get(item.id, {}).get(option.value) if loinc else None
    if known is not None and known.display == option.label:
        return {"system": codes.LOINC, "code": known.code, "display": option.label}
    return {
        "system": codes.answer_system(definition.id, item.id),
        "code": str(option.value),
        "display": option.label,
    }


def _item_code(definition: MeasureDefinition, item: Item) -> list[JSON]:
    loinc = codes.LOINC_CODES.get(definition.id)
    known = loinc.items.get(item.id) if loinc else None
    if known is None:
        return []
    return [{"system": codes.LOINC, "code": known.code}]


def _questionnaire_item(definition: MeasureDefinition, item: Item) -> JSON:
    data: JSON = {"linkId": item.id}
    if code := _item_code(definition, item):
        data["code"] = code
    data.update(text=item.text, type=ITEM_TYPES[item.type], required=item.required)
    if item.type == "choice":
        data["answerOption"] = [
            {
                "extension": [{"url": codes.ORDINAL_VALUE, "valueDecimal": option.value}],
                "valueCoding": answer_coding(definition, item, option),
            }
            for option in item.options
        ]
    elif item.type == "scale":
        data["extension"] = [
            {"url": codes.MIN_VALUE, "valueInteger": item.minimum},
            {"url": codes.MAX_VALUE, "valueInteger": item.maximum},
        ]
        if item.min_label or item.max_label:
            data["extension"].append(
                {
                    "url": codes.ENTRY_FORMAT,
                    "valueString": f"{item.minimum} = {item.min_label}, "
                    f"{item.maximum} = {item.max_label}",
                }
            )
    elif item.type == "text":
        data["maxLength"] = item.max_length
    return data


def questionnaire(definition: MeasureDefinition) -> JSON:
    """One measure definition as a Questionnaire. The measure's licence and attribution go in
    `copyright`, since an instrument may only be passed on with them."""
    data: JSON = {
        "resourceType": "Questionnaire",
        "id": definition.id,
        "url": codes.questionnaire_url(definition.id),
        "version": definition.version,
        # A computable name: FHIR wants it to start with a capital; measure ids are a-z0-9_.
        "name": definition.id.upper(),
        "title": definition.title,
        "status": "active",
        "subjectType": ["Patient"],
    }
    if definition.shipped:
        data["publisher"] = "Reattune"
    if definition.instructions:
        data["description"] = definition.instructions
    data["copyright"] = f"{definition.licence}\n\n{definition.attribution}"
    if loinc := codes.LOINC_CODES.get(definition.id):
        data["code"] = [
            {"system": codes.LOINC, "code": loinc.panel.code, "display": loinc.panel.display}
        ]
    data["item"] = [_questionnaire_item(definition, item) for item in definition.items]
    return data


def questionnaires() -> list[JSON]:
    """Every measure this installation knows, in id order."""
    loaded = all_definitions()
    return [questionnaire(loaded[measure_id]) for measure_id in sorted(loaded)]


# --- QuestionnaireResponse and Observation ------------------------------------------------


def _answer_value(definition: MeasureDefinition | None, item_id: str, value: Any) -> JSON:
    item = _find_item(definition, item_id)
    if item is not None and definition is not None and item.type == "choice":
        for option in item.options:
            if option.value == value:
                return {"valueCoding": answer_coding(definition, item, option)}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if item is not None and item.type == "yes_no":
        return {"valueBoolean": str(value) == "yes"}
    return {"valueString": str(value)}


def _find_item(definition: MeasureDefinition | None, item_id: str) -> Item | None:
    if definition is None:
        return None
    try:
        return definition.item(item_id)
    except KeyError:
        return None


def _definition_of(response: Response) -> MeasureDefinition | None:
    """The definition the answers belong to. A measure whose file has since been removed still
    exports its answers, by item id and without the item texts."""
    return all_definitions().get(response.measure_id)


def _response_items(definition: MeasureDefinition | None, answers: dict[str, Any]) -> list[JSON]:
    # The definition's order first, then any answer to an item the file no longer has.
    order = [i.id for i in definition.items] if definition else []
    order += sorted(k for k in answers if k not in order)
    items = []
    for item_id in order:
        if item_id not in answers:
            continue
        entry: JSON = {"linkId": item_id}
        if (item := _find_item(definition, item_id)) is not None:
            entry["text"] = item.text
        entry["answer"] = [_answer_value(definition, item_id, answers[item_id])]
        items.append(entry)
    return items


def subject(client: Client) -> JSON:
    """A reference to the client's Patient, carrying the clinic's code for the client so a
    record system can match it without fetching anything."""
    return {
        **reference("Patient", client.pk),
        "identifier": {
            "system": codes.client_code_system(client.clinic.slug),
            "value": client.code,
        },
    }


def questionnaire_response(response: Response) -> JSON:
    """One stored response as a completed QuestionnaireResponse, pointing at the version of the
    Questionnaire it answered and at its session as the Encounter."""
    definition = _definition_of(response)
    canonical = codes.questionnaire_url(response.measure_id)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": f"{canonical}|{response.measure_version}",
        "status": "completed",
        "subject": subject(response.client),
        "encounter": reference("Encounter", response.session_id),
        "authored": _instant(response.submitted_at),
        # The client answered for themselves.
        "source": reference("Patient", response.client_id),
        "item": _response_items(definition, dict(response.answers)),
    }


def _score_code(response: Response, definition: MeasureDefinition | None) -> JSON:
    name = definition.short_title if definition else response.measure_id
    coding = []
    if loinc := codes.LOINC_CODES.get(response.measure_id):
        coding.append(
            {"system": codes.LOINC, "code": loinc.total.code, "display": loinc.total.display}
        )
    coding.append(
        {
            "system": codes.SCORE_SYSTEM,
            "code": f"{response.measure_id}-total",
            "display": f"{name} total score",
        }
    )
    return {"coding": coding, "text": f"{name} total score"}


def _score_quantity(value: int) -> JSON:
    return {"value": value, "unit": "{score}", "system": codes.UCUM, "code": "{score}"}


def observation(response: Response) -> JSON:
    """The total of one stored response as a survey Observation, derived from its
    QuestionnaireResponse; subscale totals, where the measure has any, as components."""
    definition = _definition_of(response)
    data: JSON = {
        "resourceType": "Observation",
        "id": str(response.pk),
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": codes.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                ]
            }
        ],
        "code": _score_code(response, definition),
        "subject": subject(response.client),
        "encounter": reference("Encounter", response.session_id),
        # The day of the session the answers are about; `issued` is when they arrived.
        "effectiveDateTime": response.session.date.isoformat(),
        "issued": _instant(response.submitted_at),
        "valueQuantity": _score_quantity(response.total),
        "derivedFrom": [reference("QuestionnaireResponse", response.pk)],
    }
    titles = {s.id: s.title for s in definition.subscales} if definition else {}
    if response.subscales:
        data["component"] = [
            {
                "code": {
                    "coding": [
                        {
                            "system": codes.SCORE_SYSTEM,
                            "code": f"{response.measure_id}-{subscale_id}",
                            "display": titles.get(subscale_id, subscale_id),
                        }
                    ]
                },
                "valueQuantity": _score_quantity(int(value)),
            }
            for subscale_id, value in sorted(response.subscales.items())
        ]
    return data


# --- Patient and Encounter (for bundles) ----------------------------------------------------


def patient(client: Client) -> JSON:
    """The client with what the clinic chose to record: always the code, a name, date of birth
    and email only if given."""
    data: JSON = {
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": [
            {"system": codes.client_code_system(client.clinic.slug), "value": client.code}
        ],
    }
    if client.name:
        data["name"] = [{"text": client.name}]
    if client.email:
        data["telecom"] = [{"system": "email", "value": client.email}]
    if client.date_of_birth:
        data["birthDate"] = client.date_of_birth.isoformat()
    return data


def encounter(session: TherapySession, *, individual_client: Client | None = None) -> JSON:
    """A session as an R4 Encounter. A joint session has several clients, and an Encounter one
    subject, so only an individual case's session names its client."""
    data: JSON = {
        "resourceType": "Encounter",
        "id": str(session.pk),
        "extension": [{"url": ATTENDANCE_EXTENSION, "valueCode": str(session.attendance)}],
        "identifier": [
            {"system": SESSION_IDENTIFIER_SYSTEM, "value": f"{session.case_id}/{session.number}"}
        ],
        "status": ENCOUNTER_STATUS[Attendance(session.attendance)],
        "class": {"system": codes.ENCOUNTER_CLASS, "code": "AMB", "display": "ambulatory"},
    }
    if individual_client is not None:
        data["subject"] = reference("Patient", individual_client.pk)
    data["period"] = {"start": session.date.isoformat()}
    return data
