"""How the FHIR endpoints appear in the API's OpenAPI description.

Their bodies are FHIR resources (application/fhir+json), described here loosely: the FHIR
specification, not this description, defines them. The submission body is described as this
server accepts it, so a generated request that fits the description fits the server too.
"""

from __future__ import annotations

from typing import Any

from reattune.fhir import codes

JSON = dict[str, Any]

DESCRIPTIONS = {
    400: "Not JSON, not an R4 QuestionnaireResponse, or the wrong FHIR version "
    "(an OperationOutcome says which).",
    404: "Not found in this token's clinic (an OperationOutcome).",
    409: "Answers for this session, client and measure are already stored (an OperationOutcome).",
    415: "Not JSON (an OperationOutcome).",
    422: "The resource is valid FHIR but cannot be stored: unknown questionnaire, an answer "
    "missing or out of range, a client not in the session's case… (an OperationOutcome).",
}

OPERATION_OUTCOME: JSON = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def resource_schema(resource_type: str) -> JSON:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "enum": [resource_type]}},
        "description": f"A FHIR R4 {resource_type} (http://hl7.org/fhir/R4/).",
    }


def _fhir(schema: JSON) -> JSON:
    return {codes.FHIR_MIME: {"schema": schema}}


def operation(
    responses: dict[int, tuple[str, str] | None],
    *,
    parameters: list[JSON] | None = None,
    request_body: JSON | None = None,
) -> JSON:
    """openapi_extra for one FHIR operation: each status with its resource type and meaning,
    or None for an OperationOutcome."""
    documented: dict[int, JSON] = {}
    for status, what in responses.items():
        if what is None:
            documented[status] = {
                "description": DESCRIPTIONS[status],
                "content": _fhir(OPERATION_OUTCOME),
            }
        else:
            resource_type, description = what
            documented[status] = {
                "description": description,
                "content": _fhir(resource_schema(resource_type)),
            }
    extra: JSON = {"responses": documented}
    if parameters:
        extra["parameters"] = parameters
    if request_body:
        extra["requestBody"] = request_body
    return extra


QUESTIONNAIRE_URL_PARAMETER: JSON = {
    "name": "url",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "A Questionnaire's canonical URL, with or without |version.",
}

_TOKEN = {"type": "string", "minLength": 1, "pattern": r"^\S+$"}
_ANSWER: JSON = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
    "properties": {
        "valueCoding": {
            "type": "object",
            "required": ["code"],
            "additionalProperties": False,
            "properties": {"system": _TOKEN, "code": _TOKEN, "display": _TOKEN},
        },
        "valueInteger": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
        "valueBoolean": {"type": "boolean"},
        "valueString": _TOKEN,
    },
}

SUBMISSION_SCHEMA: JSON = {
    "type": "object",
    "required": ["resourceType", "status", "questionnaire", "encounter", "subject", "item"],
    "additionalProperties": False,
    "properties": {
        "resourceType": {"type": "string", "enum": ["QuestionnaireResponse"]},
        "status": {"type": "string", "enum": ["completed"]},
        "questionnaire": {
            **_TOKEN,
            "description": "The canonical URL of the Questionnaire answered, "
            f"{codes.CANONICAL_BASE}/Questionnaire/<measure id>, optionally with |version.",
        },
        "encounter": {
            "type": "object",
            "required": ["reference"],
            "additionalProperties": False,
            "properties": {"reference": {"type": "string", "pattern": r"^Encounter/[0-9]{1,18}$"}},
            "description": "The session the answers are about: Encounter/<session id>.",
        },
        "subject": {
            "type": "object",
            "additionalProperties": False,
            "anyOf": [{"required": ["reference"]}, {"required": ["identifier"]}],
            "properties": {
                "reference": {"type": "string", "pattern": r"^Patient/[0-9]{1,18}$"},
                "identifier": {
                    "type": "object",
                    "required": ["value"],
                    "additionalProperties": False,
                    "properties": {"system": _TOKEN, "value": _TOKEN},
                },
            },
            "description": "The client who answered: Patient/<client id>, or an identifier "
            "whose value is the client's code in the clinic.",
        },
        "item": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["linkId"],
                "additionalProperties": False,
                "properties": {
                    "linkId": _TOKEN,
                    "text": _TOKEN,
                    "answer": {"type": "array", "items": _ANSWER},
                },
            },
            "description": "One item per answered question; linkId is the measure's item id.",
        },
    },
}

SUBMISSION_BODY: JSON = {
    "required": True,
    "description": "A FHIR R4 QuestionnaireResponse (see docs/fhir.md).",
    "content": {codes.FHIR_MIME: {"schema": SUBMISSION_SCHEMA}},
}
