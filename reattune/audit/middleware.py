"""One audit row per request, written after the view, and fail-closed.

Reads (GET, HEAD): the view runs, then the row is written; if it cannot be, the page is thrown
away and a plain 503 goes back instead. Changes (POST and the rest): the view and the row share
one transaction, so if the row cannot be written nothing the view did is kept (not even its
on-commit emails). A change that ends in a server error is rolled back, and its "failed" row is
still written.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from reattune.audit import log
from reattune.audit.checkform import check_form_not_saved
from reattune.audit.models import Outcome
from reattune.audit.routes import PUBLIC_AUDITED, route_for
from reattune.audit.subjects import (
    NOBODY,
    Subject,
    ids_in,
    subject_after_create,
    subject_of,
    subject_of_link,
    under_break_glass,
)

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    "This page could not be shown because access to it could not be recorded. "
    "Nothing was changed. Try again in a moment; if it keeps happening tell your clinic admin."
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DENIED_STATUSES = frozenset({401, 403, 404, 405, 410})
# The JSON API (reattune/api/): its URL namespace, and the statuses that refuse a request
# (too many requests and too large a body too, beyond the pages' DENIED_STATUSES).
API_NAMESPACE = "api-v1"
API_REFUSALS = DENIED_STATUSES | {413, 429}
NO_API_TOKEN = "API request without a known token"  # noqa: S105 - a label
API_UNAVAILABLE = (
    "The request was refused because access could not be recorded in the audit log. Nothing "
    "was changed. Retry after a few seconds (Retry-After)."
)


class _Unrecorded(Exception):
    """The audit row could not be written: leave the transaction, undoing the view's work."""


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        token = log.current_request.set(request)
        try:
            if request.method in SAFE_METHODS:
                response = self._read(request)
            else:
                response = self._change(request)
        finally:
            log.current_request.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A row written during the view (a sign-in, a role change) failed: show nothing."""
        if isinstance(exception, log.AuditUnavailable):
            return unavailable(request)
        return None

    def _read(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "audit_unavailable", False):
            return response
        try:
            write_request_row(request, response)
        except (log.AuditUnavailable, DatabaseError):
            return unavailable(request)
        return response

    def _change(self, request: HttpRequest) -> HttpResponse:
        try:
            with transaction.atomic():
                with transaction.atomic():
                    response = self.get_response(request)
                    if response.status_code >= 500:
                        transaction.set_rollback(True)
                if getattr(response, "audit_unavailable", False):
                    raise _Unrecorded
                try:
                    write_request_row(request, response)
                except log.AuditUnavailable as error:
                    raise _Unrecorded from error
        except (_Unrecorded, DatabaseError):
            # DatabaseError here is the commit itself failing: nothing was kept either way.
            logger.error("Request %s rolled back: no audit row", request.request_id)  # type: ignore[attr-defined]
            return _not_saved(request)
        return response


def write_request_row(request: HttpRequest, response: HttpResponse) -> None:
    """The request's one row, if its route holds client data and someone may be told apart."""
    match = request.resolver_match
    if match is None:
        return  # no such page: nothing was shown
    if match.namespace == API_NAMESPACE:
        write_api_row(request, response)
        return
    route = route_for(match.url_name)
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    if route is None or not (signed_in or match.url_name in PUBLIC_AUDITED):
        return
    ids = ids_in(request, match.kwargs)
    subject = _subject(request, response, ids, user if signed_in else None)
    flagged = bool(getattr(request, "audit_flagged", False))
    if signed_in and (subject.client_id or subject.case_id) and not user.is_clinic_admin:  # type: ignore[union-attr]
        flagged = flagged or under_break_glass(user, subject)
    log.record(
        category=route.category,
        action=route.action_for(request.method or "GET"),
        outcome=Outcome.DENIED
        if getattr(request, "audit_refused", False)
        else outcome_of(response.status_code),
        user=user if signed_in else None,
        client_id=subject.client_id,
        case_id=subject.case_id,
        clinic_id=subject.clinic_id,
        target=target_of(match.url_name or match.view_name, ids, match.kwargs),
        request=request,
        flagged=flagged,
    )


def write_api_row(request: HttpRequest, response: HttpResponse) -> None:
    """An API request's row: no user, but the token by name (its label), the token's clinic,
    and the client or case the request was about, looked up inside that clinic only. A
    request without a valid token is recorded too, as denied, naming no clinic."""
    match = request.resolver_match
    assert match is not None
    route = route_for(match.url_name)
    if route is None:
        return  # the OpenAPI description: no client data
    from reattune.api.auth import token_named

    token = getattr(request, "api_token", None) or token_named(request)
    clinic_id = getattr(token, "clinic_id", None)
    label = NO_API_TOKEN
    if token is not None:
        label = token.label if token.is_live else f"{token.label} (revoked)"
    ids = {**ids_in(request, match.kwargs), **getattr(request, "audit_ids", {})}
    subject = subject_of(ids, clinic_id) if clinic_id is not None else NOBODY
    refused = response.status_code in API_REFUSALS
    log.record(
        category=route.category,
        action=route.action_for(request.method or "GET"),
        outcome=Outcome.DENIED if refused else outcome_of(response.status_code),
        user=None,
        user_label=label,
        client_id=subject.client_id,
        case_id=subject.case_id,
        clinic_id=clinic_id,
        target=target_of(match.url_name or match.view_name, ids, match.kwargs),
        request=request,
    )


def _subject(
    request: HttpRequest,
    response: HttpResponse,
    ids: dict[str, int],
    user: object,
) -> Subject:
    clinic_id = getattr(user, "clinic_id", None)
    token = (request.resolver_match.kwargs if request.resolver_match else {}).get("token")
    if isinstance(token, str):
        # The client's check link: its client, unless someone signed in to another clinic
        # opened it (their row then names no client of a clinic not theirs).
        link = getattr(request, "audit_link_subject", None) or subject_of_link(token)
        if user is None or link.clinic_id == clinic_id:
            return link
        return Subject(clinic_id=clinic_id)
    if user is None:
        return NOBODY
    subject = subject_of(ids, clinic_id)
    if not subject and request.method not in SAFE_METHODS:
        subject = subject_after_create(response, clinic_id)
    return subject if subject else Subject(clinic_id=clinic_id)


def outcome_of(status: int) -> str:
    if status >= 500:
        return Outcome.FAILED
    if status in DENIED_STATUSES:
        return Outcome.DENIED
    if status >= 400:
        return Outcome.FAILED  # refused as invalid (a form with errors): nothing was changed
    return Outcome.OK


def target_of(name: str, ids: dict[str, int], kwargs: dict[str, object]) -> str:
    """The route and the ids it was asked for; never a token or anything typed."""
    parts = [name]
    if isinstance(kwargs.get("target"), str) and "target_id" not in ids:
        parts.append(f"target={kwargs['target']}")
    parts += [f"{key}={value}" for key, value in ids.items()]
    return " ".join(parts)


def unavailable(request: HttpRequest) -> HttpResponse:
    """The plain page shown when the audit row cannot be written: no data at all (for the
    API, its JSON error shape)."""
    _drop_messages(request)
    if request.resolver_match is not None and request.resolver_match.namespace == API_NAMESPACE:
        error = {"code": "audit_unavailable", "message": API_UNAVAILABLE, "details": []}
        response: HttpResponse = JsonResponse({"error": error}, status=503)
    else:
        response = HttpResponse(
            render_to_string("audit/unavailable.html", {"message": UNAVAILABLE}),
            status=503,
        )
    response["Cache-Control"] = "no-store"
    response["Retry-After"] = "5"
    response.audit_unavailable = True  # type: ignore[attr-defined]
    return response


def _drop_messages(request: HttpRequest) -> None:
    """A rolled-back change must not leave "saved" for the next page to show."""
    if hasattr(request, "_messages"):
        for _ in messages.get_messages(request):
            pass


def _not_saved(request: HttpRequest) -> HttpResponse:
    """The client's check form keeps their answers on screen; everything else gets the plain
    503 page."""
    match = request.resolver_match
    if match is not None and match.url_name == "check_form":
        kept = check_form_not_saved(request, match.kwargs.get("token", ""))
        if kept is not None:
            return kept
    return unavailable(request)
