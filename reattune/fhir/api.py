"""The FHIR endpoints under the JSON API (api/v1/fhir/); mounted by reattune/api/urls.py.

Bodies are FHIR R4 JSON (application/fhir+json), built and read by the modules beside this
one; problems found here are OperationOutcomes. A request without a valid token, or with one
lacking the scope, is refused by the API's token check before any of this runs, in the API's
own error shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from reattune.api.auth import read_auth, token_of, write_auth
from reattune.api.common import about
from reattune.api.schemas import ErrorOut
from reattune.checks.models import Response
from reattune.fhir import codes, openapi
from reattune.fhir.capability import capability_statement
from reattune.fhir.outcome import FhirProblem, operation_outcome, problem
from reattune.fhir.resources import observation, questionnaire, questionnaire_response
from reattune.fhir.submit import questionnaire_response_submit
from reattune.measures.registry import all_definitions

router = Router(tags=["FHIR"])

NO_SUCH_RESOURCE = "There is no {type}/{id} in this token's clinic."
NO_SUCH_QUESTIONNAIRE = (
    "There is no Questionnaire/{id} on this server; GET Questionnaire lists them."
)

# Refused by the token check, in the API's error shape.
TOKEN_ERRORS = {frozenset({401, 403, 413, 429}): ErrorOut}

JSON = dict[str, Any]


def fhir_response(
    data: JSON, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=codes.FHIR_MIME
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def answers_problems(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A FhirProblem raised by the view becomes its OperationOutcome."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(*args, **kwargs)
        except FhirProblem as e:
            return fhir_response(operation_outcome(e.issues), status=e.status)

    return wrapper


def _response_in_clinic(request: HttpRequest, resource_type: str, resource_id: str) -> Response:
    """The stored response behind a QuestionnaireResponse or Observation id, in the token's
    clinic only: another clinic's id is not found, exactly like an id that does not exist."""
    found = None
    if resource_id.isascii() and resource_id.isdigit() and len(resource_id) <= 18:
        found = (
            Response.objects.filter(clinic_id=token_of(request).clinic_id, pk=int(resource_id))
            .select_related("client__clinic", "session")
            .first()
        )
    if found is None:
        raise problem(
            404, "not-found", NO_SUCH_RESOURCE.format(type=resource_type, id=resource_id[:64])
        )
    about(request, response_id=found.pk)
    return found


@router.get(
    "/metadata",
    response=TOKEN_ERRORS,
    auth=read_auth,
    url_name="fhir_metadata",
    summary="FHIR CapabilityStatement",
    openapi_extra=openapi.operation(
        {200: ("CapabilityStatement", "What this FHIR endpoint supports.")}
    ),
)
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: FHIR R4, JSON, and the interactions below."""
    return fhir_response(capability_statement(request))


@router.get(
    "/Questionnaire",
    response=TOKEN_ERRORS,
    auth=read_auth,
    url_name="fhir_questionnaires",
    summary="Search Questionnaires",
    openapi_extra=openapi.operation(
        {200: ("Bundle", "A searchset Bundle of the measures, as Questionnaires.")},
        parameters=[openapi.QUESTIONNAIRE_URL_PARAMETER],
    ),
)
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    """Every measure this installation knows; `?url=` narrows to one canonical URL (with or
    without `|version`)."""
    wanted = request.GET.get("url", "")
    found = [
        questionnaire(definition)
        for _, definition in sorted(all_definitions().items())
        if not wanted or wanted in (codes.questionnaire_url(definition.id), _versioned(definition))
    ]
    base = request.build_absolute_uri(request.path).rsplit("/Questionnaire", 1)[0]
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"{base}/Questionnaire/{q['id']}",
                    "resource": q,
                    "search": {"mode": "match"},
                }
                for q in found
            ],
        }
    )


def _versioned(definition: Any) -> str:
    return f"{codes.questionnaire_url(definition.id)}|{definition.version}"


@router.get(
    "/Questionnaire/{questionnaire_id}",
    response=TOKEN_ERRORS,
    auth=read_auth,
    url_name="fhir_questionnaire",
    summary="Read a Questionnaire",
    openapi_extra=openapi.operation(
        {200: ("Questionnaire", "One measure as a Questionnaire."), 404: None}
    ),
)
@answers_problems
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    definition = all_definitions().get(questionnaire_id)
    if definition is None:
        message = NO_SUCH_QUESTIONNAIRE.format(id=questionnaire_id[:64])
        raise problem(404, "not-found", message)
    return fhir_response(questionnaire(definition))


@router.post(
    "/QuestionnaireResponse",
    response=TOKEN_ERRORS,
    auth=write_auth,
    url_name="fhir_questionnaire_responses",
    summary="Submit a QuestionnaireResponse",
    openapi_extra=openapi.operation(
        {
            201: ("QuestionnaireResponse", "Stored; the body is the response as stored."),
            400: None,
            404: None,
            409: None,
            415: None,
            422: None,
        },
        request_body=openapi.SUBMISSION_BODY,
    ),
)
@answers_problems
def questionnaire_response_create(request: HttpRequest) -> HttpResponse:
    """Store a client's answers that a record system collected. See docs/fhir.md for how the
    resource names the session (encounter) and the client (subject)."""
    stored = questionnaire_response_submit(
        clinic=token_of(request).clinic,
        body=request.body,
        content_type=request.headers.get("Content-Type", ""),
    )
    about(request, response_id=stored.pk)
    stored = Response.objects.select_related("client__clinic", "session").get(pk=stored.pk)
    location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{stored.pk}")
    return fhir_response(questionnaire_response(stored), status=201, headers={"Location": location})


@router.get(
    "/QuestionnaireResponse/{response_id}",
    response=TOKEN_ERRORS,
    auth=read_auth,
    url_name="fhir_questionnaire_response",
    summary="Read a QuestionnaireResponse",
    openapi_extra=openapi.operation(
        {200: ("QuestionnaireResponse", "One stored response."), 404: None}
    ),
)
@answers_problems
def questionnaire_response_read(request: HttpRequest, response_id: str) -> HttpResponse:
    found = _response_in_clinic(request, "QuestionnaireResponse", response_id)
    return fhir_response(questionnaire_response(found))


@router.get(
    "/Observation/{observation_id}",
    response=TOKEN_ERRORS,
    auth=read_auth,
    url_name="fhir_observation",
    summary="Read an Observation (a response's total)",
    openapi_extra=openapi.operation(
        {200: ("Observation", "The total score of one stored response."), 404: None}
    ),
)
@answers_problems
def observation_read(request: HttpRequest, observation_id: str) -> HttpResponse:
    found = _response_in_clinic(request, "Observation", observation_id)
    return fhir_response(observation(found))
