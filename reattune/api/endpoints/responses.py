"""Responses: answers a record system collected, submitted per measure; and reading them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from reattune.api.auth import read_auth, token_of, write_auth
from reattune.api.common import ERRORS, about
from reattune.api.errors import ApiError
from reattune.api.pagination import paginate
from reattune.api.schemas import Id, Page, PageQuery, ResponseIn, ResponseOut
from reattune.api.scope import for_token, get_for_token
from reattune.cases.models import Participant, TherapySession
from reattune.checks.models import Response, ResponseSource
from reattune.checks.services import CannotStoreAnswers, responses_store
from reattune.measures.definitions import AnswerError
from reattune.measures.registry import all_definitions

router = Router(tags=["Responses"])

NOT_IN_SESSION = "Participant {participant} is not part of session {session}'s case."
UNKNOWN_MEASURE = "No measure '{measure}' on this installation. Known: {known}."
UNKNOWN_ITEM = "Measure '{measure}' has no item '{item}'."
ANSWERS_INVALID = "Some answers are missing or out of range: see details."


def response_out(response: Response) -> dict[str, Any]:
    return {
        "id": response.pk,
        "session_id": response.session_id,
        "participant_id": response.participant_id,
        "client_id": response.client_id,
        "measure_id": response.measure_id,
        "measure_version": response.measure_version,
        "source": response.source,
        "answers": response.answers,
        "total": response.total,
        "subscales": response.subscales,
        "submitted_at": response.submitted_at,
    }


@router.get(
    "/responses",
    response={200: Page[ResponseOut], **ERRORS},
    auth=read_auth,
    url_name="api_responses",
    summary="List responses",
)
def response_list(
    request: HttpRequest,
    page: Query[PageQuery],
    session_id: Id | None = None,
    client_id: Id | None = None,
) -> dict[str, Any]:
    """Newest first; filter by `session_id` or `client_id`."""
    responses = for_token(Response, token_of(request)).order_by("-submitted_at", "-pk")
    if session_id is not None:
        responses = responses.filter(session_id=session_id)
        about(request, session_id=session_id)
    if client_id is not None:
        responses = responses.filter(client_id=client_id)
        about(request, client_id=client_id)
    return paginate(request, responses, page, response_out)


@router.post(
    "/responses",
    response={201: list[ResponseOut], **ERRORS},
    auth=write_auth,
    url_name="api_responses",
    summary="Submit a participant's answers after a session",
)
def response_submit(request: HttpRequest, body: ResponseIn) -> Status[list[dict[str, Any]]]:
    """Scored and judged exactly like answers through the check link (alerts are raised when
    it is stored), and the participant's open check link for the session is used up. One set
    per measure per session: a second is a 409 and the first is kept."""
    token = token_of(request)
    session = get_for_token(
        TherapySession.objects.select_related("case"), body.session_id, "session", token
    )
    participant = get_for_token(
        Participant.objects.all(), body.participant_id, "participant", token
    )
    about(request, participant_id=participant.pk, case_id=session.case_id)
    if participant.case_id != session.case_id:
        raise ApiError(
            422,
            "invalid",
            NOT_IN_SESSION.format(participant=participant.pk, session=session.pk),
        )
    cleaned = clean(body.answers)
    try:
        stored = responses_store(
            session=session, participant=participant, by_measure=cleaned, source=ResponseSource.API
        )
    except CannotStoreAnswers as error:
        raise ApiError(409, "conflict", str(error)) from error
    return Status(201, [response_out(r) for r in stored])


def clean(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each measure's answers cleaned by its definition; every problem named in details."""
    definitions = all_definitions()
    cleaned: dict[str, dict[str, Any]] = {}
    details: list[dict[str, Any]] = []
    for measure, raw in answers.items():
        definition = definitions.get(measure)
        if definition is None:
            known = ", ".join(sorted(definitions))
            raise ApiError(
                422,
                "unknown_measure",
                UNKNOWN_MEASURE.format(measure=measure, known=known),
                [
                    {
                        "loc": ["body", "answers", measure],
                        "msg": "unknown measure",
                        "type": "unknown_measure",
                    }
                ],
            )
        items = {item.id for item in definition.items}
        details += [
            {
                "loc": ["body", "answers", measure, key],
                "msg": UNKNOWN_ITEM.format(measure=measure, item=key),
                "type": "unknown_item",
            }
            for key in raw
            if key not in items
        ]
        try:
            cleaned[measure] = definition.clean_answers(raw)
        except AnswerError as error:
            details += [
                {"loc": ["body", "answers", measure, item], "msg": msg, "type": "answer"}
                for item, msg in error.errors.items()
            ]
    if details:
        raise ApiError(422, "invalid_answers", ANSWERS_INVALID, details)
    return cleaned


@router.get(
    "/responses/{int:response_id}",
    response={200: ResponseOut, **ERRORS},
    auth=read_auth,
    url_name="api_response",
    summary="Read one response",
)
def response_read(request: HttpRequest, response_id: Id) -> dict[str, Any]:
    response = get_for_token(Response.objects.all(), response_id, "response", token_of(request))
    return response_out(response)
