"""Taking in a QuestionnaireResponse that a record system sends: check it, find the session and
the client it is about, map its answers back to the measure's items, and store them as a
response from FHIR.

How a QuestionnaireResponse says what it is about:
- `questionnaire`: the canonical URL of one of this server's Questionnaires, optionally with
  `|version` (which must be the version this server has);
- `encounter`: `Encounter/<session id>`, the session in Reattune (a session of this clinic);
- `subject`: `Patient/<client id>`, or a Reference with an `identifier` whose value is the
  client's code in the clinic; the client must take part in the session's case;
- `status`: `completed`;
- one `item` per answered question, `linkId` = the measure's item id, one answer each
  (mapped and judged in answers.py).

Every problem found is answered with an OperationOutcome naming where in the resource it is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from reattune.cases.models import Client, Participant, TherapySession
from reattune.checks.models import Response, ResponseSource
from reattune.checks.services import ALREADY_ANSWERED, CannotStoreAnswers, responses_store
from reattune.clinics.models import Clinic
from reattune.fhir import codes
from reattune.fhir.answers import map_answers
from reattune.fhir.outcome import FhirProblem, Issue, problem
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.registry import all_definitions

# Messages a developer at the other end reads in OperationOutcome.issue.diagnostics.
UNSUPPORTED_MEDIA_TYPE = (
    "Send the resource as JSON with Content-Type: application/fhir+json; "
    "'{found}' is not supported here."
)
WRONG_VERSION = (
    "This server speaks FHIR R4 (4.0.1, or 4.3 for R4B); the request says fhirVersion={found}. "
    "Send an R4 QuestionnaireResponse (Content-Type: application/fhir+json; fhirVersion=4.0)."
)
STU3_QUESTIONNAIRE = (
    "questionnaire is a Reference object, as in FHIR STU3. This server speaks FHIR R4, where "
    "questionnaire is the canonical URL as a string, for example '{example}'."
)
NOT_JSON = "The body is not valid JSON: {error}."
NOT_A_RESOURCE = "The body must be a JSON object: one FHIR resource with a resourceType."
WRONG_RESOURCE_TYPE = "This endpoint takes a QuestionnaireResponse; the body is {a} {found}."
INVALID_RESOURCE = "The QuestionnaireResponse is not valid FHIR R4: {error}"
TOO_DEEP = "The body is nested too deeply to be a QuestionnaireResponse."
NULL_VALUE = "{where} is null; FHIR JSON leaves an element out rather than sending null."
NOT_COMPLETED = (
    "Only a completed QuestionnaireResponse can be stored; this one has status '{found}'."
)
NO_QUESTIONNAIRE = (
    "questionnaire is required: the canonical URL of the Questionnaire answered, for example "
    "'{example}'."
)
UNKNOWN_QUESTIONNAIRE = (
    "This server has no Questionnaire '{found}'. GET Questionnaire lists those it has; their "
    "canonical URLs begin {base}/Questionnaire/."
)
WRONG_QUESTIONNAIRE_VERSION = (
    "The response answers version {sent} of the Questionnaire '{measure}', and this server has "
    "version {have}."
)
NO_ENCOUNTER = (
    "encounter is required: the session the answers are about, as "
    '{"reference": "Encounter/<session id>"}.'
)
BAD_ENCOUNTER = "encounter.reference must be 'Encounter/<session id>' (a number), not '{found}'."
ENCOUNTER_NOT_FOUND = "There is no Encounter/{id} (a session) in this token's clinic."
NO_SUBJECT = (
    'subject is required: the client who answered, as {"reference": "Patient/<client id>"} '
    "or with an identifier whose value is the client's code."
)
BAD_SUBJECT = "subject.reference must be 'Patient/<client id>' (a number), not '{found}'."
PATIENT_NOT_FOUND = "There is no Patient/{id} (a client) in this token's clinic."
CONTROL_IN_CODE = (
    "subject.identifier.value holds a control or invisible character (such as NUL, a newline "
    "or a zero-width space); a client code is visible text only."
)
CODE_NOT_FOUND = "There is no client with the code '{code}' in this token's clinic."
WRONG_CODE_SYSTEM = (
    "subject.identifier.system '{found}' is not this clinic's client codes; use '{expected}' "
    "or leave the system out."
)
SUBJECT_MISMATCH = (
    "subject.reference names Patient/{id}, but subject.identifier names a different client "
    "(or none in this clinic). Send one of them, or both naming the same client."
)
NOT_A_PARTICIPANT = "Patient/{client} is not a participant in the case of Encounter/{session}."
ALREADY_STORED = (
    ALREADY_ANSWERED + " The answers stored first are kept (QuestionnaireResponse/{id})."
)

ACCEPTED_MEDIA_TYPES = ("application/fhir+json", "application/json", "")
# R4B changed nothing in QuestionnaireResponse, so an R4B sender is understood as well.
ACCEPTED_VERSIONS = ("4.0", "4.0.1", "4.3", "4.3.0")
_REFERENCE = re.compile(r"(?:.*/)?(?P<type>[A-Za-z]+)/(?P<id>[^/]+)")
# Unicode categories never part of a client code (as reattune/lib/validation.py:visible_text).
INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Ids are database keys: 18 digits stay inside a 64-bit integer on every database.
_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Submission:
    session: TherapySession
    participant: Participant
    definition: MeasureDefinition
    answers: dict[str, Any]


def check_media_type(content_type: str) -> None:
    """415 for anything but JSON; 400 for a FHIR version other than R4."""
    media_type, *params = (part.strip() for part in content_type.split(";"))
    if media_type.lower() not in ACCEPTED_MEDIA_TYPES:
        raise problem(415, "not-supported", UNSUPPORTED_MEDIA_TYPE.format(found=media_type))
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "fhirversion" and value.strip() not in ACCEPTED_VERSIONS:
            raise problem(400, "not-supported", WRONG_VERSION.format(found=value.strip()))


def parse_resource(body: bytes) -> dict[str, Any]:
    """The body as an R4 QuestionnaireResponse (as JSON), or FhirProblem with what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise problem(400, "structure", NOT_JSON.format(error=e)) from None
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise problem(400, "structure", NOT_A_RESOURCE)
    if data["resourceType"] != "QuestionnaireResponse":
        found = data["resourceType"][:64]
        a = "an" if found[:1] in ("A", "E", "I", "O", "U") else "a"
        raise problem(400, "invalid", WRONG_RESOURCE_TYPE.format(a=a, found=found), "resourceType")
    if isinstance(data.get("questionnaire"), dict):
        example = codes.questionnaire_url("phq9")
        raise problem(
            400,
            "not-supported",
            STU3_QUESTIONNAIRE.format(example=example),
            "QuestionnaireResponse.questionnaire",
        )
    try:
        where = _first_null(data, "QuestionnaireResponse")
    except RecursionError:
        raise problem(400, "structure", TOO_DEEP) from None
    if where is not None:
        raise problem(400, "structure", NULL_VALUE.format(where=where), where)
    try:
        QuestionnaireResponse.model_validate(data)
    except ValidationError as e:
        raise FhirProblem(400, *_structure_issues(e)) from None
    except (ValueError, TypeError, RecursionError) as e:
        raise problem(400, "structure", INVALID_RESOURCE.format(error=e)) from None
    return data


def _first_null(value: Any, where: str) -> str | None:
    """Where the first null is. fhir.resources reads a null as "absent", but the answers are
    read from the JSON itself, which must then hold no nulls to trip over."""
    if value is None:
        return where
    children: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        children = [(f"{where}.{key}", child) for key, child in value.items()]
    elif isinstance(value, list):
        children = [(f"{where}[{n}]", child) for n, child in enumerate(value)]
    for path, child in children:
        if (found := _first_null(child, path)) is not None:
            return found
    return None


def _structure_issues(error: ValidationError) -> list[Issue]:
    issues = []
    for detail in error.errors()[:20]:
        where = "QuestionnaireResponse" + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in detail["loc"]
        )
        message = INVALID_RESOURCE.format(error=f"{where}: {detail['msg']}")
        issues.append(Issue(code="structure", diagnostics=message, expression=where))
    return issues


def find_definition(data: dict[str, Any]) -> MeasureDefinition:
    canonical = data.get("questionnaire")
    if not canonical:
        example = codes.questionnaire_url("phq9")
        raise problem(
            422,
            "required",
            NO_QUESTIONNAIRE.format(example=example),
            "QuestionnaireResponse.questionnaire",
        )
    url, _, version = str(canonical).partition("|")
    prefix = codes.questionnaire_url("")
    definition = all_definitions().get(url.removeprefix(prefix)) if url.startswith(prefix) else None
    if definition is None:
        raise problem(
            422,
            "not-found",
            UNKNOWN_QUESTIONNAIRE.format(found=canonical, base=codes.CANONICAL_BASE),
            "QuestionnaireResponse.questionnaire",
        )
    if version and version != definition.version:
        raise problem(
            422,
            "not-found",
            WRONG_QUESTIONNAIRE_VERSION.format(
                sent=version, measure=definition.id, have=definition.version
            ),
            "QuestionnaireResponse.questionnaire",
        )
    return definition


def _referenced_id(reference: Any, resource_type: str) -> str | None:
    match = _REFERENCE.fullmatch(str(reference or ""))
    if match is None or match["type"] != resource_type or not _ID.fullmatch(match["id"]):
        return None
    return match["id"]


def client_code(value: Any) -> str:
    """The client code an identifier carries, as the pages, the import and the API's ?code=
    take it: outer spaces ignored, letter case ignored (by the caller's code__iexact). A
    control or invisible character (NUL, which PostgreSQL cannot compare, a newline, a
    zero-width space) is never part of a code, so it is refused here, before any query."""
    code = str(value)
    if any(unicodedata.category(ch) in INVISIBLE for ch in code):
        raise problem(
            422,
            "invalid",
            CONTROL_IN_CODE,
            "QuestionnaireResponse.subject.identifier.value",
        )
    if not code.strip():
        raise problem(422, "required", NO_SUBJECT, "QuestionnaireResponse.subject")
    return code.strip()


def find_session(data: dict[str, Any], clinic: Clinic) -> TherapySession:
    encounter = data.get("encounter") or {}
    if not encounter.get("reference"):
        raise problem(422, "required", NO_ENCOUNTER, "QuestionnaireResponse.encounter")
    session_id = _referenced_id(encounter["reference"], "Encounter")
    if session_id is None:
        found = str(encounter["reference"])[:100]
        raise problem(
            422,
            "invalid",
            BAD_ENCOUNTER.format(found=found),
            "QuestionnaireResponse.encounter.reference",
        )
    session = (
        TherapySession.objects.select_related("case")
        .filter(pk=int(session_id), case__clinic=clinic)
        .first()
    )
    if session is None:
        raise problem(
            404,
            "not-found",
            ENCOUNTER_NOT_FOUND.format(id=session_id),
            "QuestionnaireResponse.encounter",
        )
    return session


def find_client(data: dict[str, Any], clinic: Clinic) -> Client:
    """The client the subject names, by reference or by identifier (their code). When both
    are sent they must name the same client: which one was meant cannot be guessed."""
    subject = data.get("subject") or {}
    clients = Client.objects.filter(clinic=clinic).select_related("clinic")
    identifier = subject.get("identifier") or {}
    if subject.get("reference"):
        client_id = _referenced_id(subject["reference"], "Patient")
        if client_id is None:
            found = str(subject["reference"])[:100]
            raise problem(
                422,
                "invalid",
                BAD_SUBJECT.format(found=found),
                "QuestionnaireResponse.subject.reference",
            )
        client = clients.filter(pk=int(client_id)).first()
        if client is None:
            raise problem(
                404,
                "not-found",
                PATIENT_NOT_FOUND.format(id=client_id),
                "QuestionnaireResponse.subject",
            )
        if identifier.get("value"):
            named = _client_by_code(identifier, clinic, clients)
            if named is None or named.pk != client.pk:
                raise problem(
                    422,
                    "business-rule",
                    SUBJECT_MISMATCH.format(id=client.pk),
                    "QuestionnaireResponse.subject",
                )
        return client
    if not identifier.get("value"):
        raise problem(422, "required", NO_SUBJECT, "QuestionnaireResponse.subject")
    client = _client_by_code(identifier, clinic, clients)
    if client is None:
        code = client_code(identifier["value"])
        raise problem(
            404,
            "not-found",
            CODE_NOT_FOUND.format(code=code[:40]),
            "QuestionnaireResponse.subject.identifier",
        )
    return client


def _client_by_code(identifier: dict[str, Any], clinic: Clinic, clients: Any) -> Client | None:
    expected = codes.client_code_system(clinic.slug)
    if identifier.get("system") not in (None, expected):
        raise problem(
            422,
            "invalid",
            WRONG_CODE_SYSTEM.format(found=identifier["system"], expected=expected),
            "QuestionnaireResponse.subject.identifier.system",
        )
    code = client_code(identifier["value"])
    found: Client | None = clients.filter(code__iexact=code).first()
    return found


def find_participant(session: TherapySession, client: Client) -> Participant:
    participant = Participant.objects.filter(case_id=session.case_id, client=client).first()
    if participant is None:
        raise problem(
            422,
            "business-rule",
            NOT_A_PARTICIPANT.format(client=client.pk, session=session.pk),
            "QuestionnaireResponse.subject",
        )
    return participant


def submission_parse(*, clinic: Clinic, body: bytes, content_type: str) -> Submission:
    """Everything checked, nothing stored. The session and client are looked up inside the
    clinic before the answers are judged, so another clinic's ids are simply not found."""
    check_media_type(content_type)
    data = parse_resource(body)
    if data.get("status") != "completed":
        raise problem(
            422,
            "business-rule",
            NOT_COMPLETED.format(found=str(data.get("status"))[:40]),
            "QuestionnaireResponse.status",
        )
    session = find_session(data, clinic)
    participant = find_participant(session, find_client(data, clinic))
    definition = find_definition(data)
    return Submission(
        session=session,
        participant=participant,
        definition=definition,
        answers=map_answers(definition, data),
    )


def questionnaire_response_submit(*, clinic: Clinic, body: bytes, content_type: str) -> Response:
    """Check a submitted QuestionnaireResponse and store its answers (source: fhir), scored
    and judged like a check link's; FhirProblem with an OperationOutcome's issues otherwise.
    A second set for the same session, client and measure is refused and the first kept."""
    submission = submission_parse(clinic=clinic, body=body, content_type=content_type)
    try:
        [response] = responses_store(
            session=submission.session,
            participant=submission.participant,
            by_measure={submission.definition.id: submission.answers},
            source=ResponseSource.FHIR,
        )
    except CannotStoreAnswers as e:
        first = Response.objects.filter(
            session=submission.session,
            participant=submission.participant,
            measure_id=submission.definition.id,
        ).first()
        if first is not None:
            raise problem(409, "duplicate", ALREADY_STORED.format(id=first.pk)) from None
        raise problem(422, "business-rule", str(e), "QuestionnaireResponse.encounter") from None
    return response
