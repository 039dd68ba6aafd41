"""Sessions: a scheduler records a session and gets back each participant's check link."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Status

from reattune.api.auth import read_auth, token_of, write_auth
from reattune.api.common import ERRORS, about
from reattune.api.errors import ApiError, invalid
from reattune.api.models import ApiToken
from reattune.api.pagination import paginate
from reattune.api.schemas import Id, Page, PageQuery, SessionCreatedOut, SessionIn, SessionOut
from reattune.api.scope import for_token, get_for_token
from reattune.cases.models import Attendance, Case, TherapySession
from reattune.cases.services import session_record
from reattune.checks.services import CannotIssueLink, check_link_create

router = Router(tags=["Sessions"])

CASE_CLOSED = "This case is closed; reopen it in Reattune before recording sessions."
NOT_ATTENDED = "No check link: the session is not recorded as attended."


def session_out(session: TherapySession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "case_id": session.case_id,
        "number": session.number,
        "date": session.date,
        "attendance": session.attendance,
        "created_at": session.created_at,
    }


@router.get(
    "/sessions",
    response={200: Page[SessionOut], **ERRORS},
    auth=read_auth,
    url_name="api_sessions",
    summary="List sessions",
)
def session_list(
    request: HttpRequest,
    page: Query[PageQuery],
    case_id: Id | None = None,
) -> dict[str, Any]:
    """Newest first; `case_id` for one case's log."""
    sessions = for_token(TherapySession, token_of(request)).order_by("-date", "-pk")
    if case_id is not None:
        sessions = sessions.filter(case_id=case_id)
        about(request, case_id=case_id)
    return paginate(request, sessions, page, session_out)


@router.post(
    "/sessions",
    response={201: SessionCreatedOut, **ERRORS},
    auth=write_auth,
    url_name="api_sessions",
    summary="Record a session and get each participant's check link",
)
def session_add(request: HttpRequest, body: SessionIn) -> Status[dict[str, Any]]:
    """For an attended session, one check link per participant asking for the measures the
    clinic's schedule has due at this session number; `problem` says why a link was not
    made (nothing due, already answered). The links are made by the token's creator."""
    token = token_of(request)
    case = get_for_token(Case.objects.all(), body.case_id, "case", token)
    about(request, case_id=case.pk)
    if not case.is_open:
        raise ApiError(409, "conflict", CASE_CLOSED)
    try:
        session = session_record(
            case=case, date=body.date, attendance=body.attendance, number=body.number
        )
    except ValidationError as error:
        problem = invalid(error)
        if "number" in getattr(error, "error_dict", {}):
            raise ApiError(409, "conflict", problem.message, problem.details) from error
        raise problem from error
    return Status(201, {**session_out(session), "check_links": _links(request, session, token)})


def _links(request: HttpRequest, session: TherapySession, token: ApiToken) -> list[dict[str, Any]]:
    links = []
    for participant in session.case.participants.all():
        entry: dict[str, Any] = {
            "participant_id": participant.pk,
            "client_id": participant.client_id,
            "url": None,
            "expires_at": None,
            "measure_ids": [],
            "problem": "",
        }
        if session.attendance != Attendance.ATTENDED:
            entry["problem"] = NOT_ATTENDED
        else:
            try:
                link = check_link_create(
                    session=session, participant=participant, created_by=token.created_by
                )
            except CannotIssueLink as error:
                entry["problem"] = str(error)
            else:
                entry["url"] = request.build_absolute_uri(reverse("check_form", args=[link.token]))
                entry["expires_at"] = link.expires_at
                entry["measure_ids"] = list(link.measure_ids)
        links.append(entry)
    return links


@router.get(
    "/sessions/{int:session_id}",
    response={200: SessionOut, **ERRORS},
    auth=read_auth,
    url_name="api_session",
    summary="Read one session",
)
def session_read(request: HttpRequest, session_id: Id) -> dict[str, Any]:
    session = get_for_token(TherapySession.objects.all(), session_id, "session", token_of(request))
    return session_out(session)
