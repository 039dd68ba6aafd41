"""Session policy and the second factor, checked on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from reattune.accounts.second_factor import enrolment_due, has_second_factor
from reattune.accounts.sessions import (
    SIGNED_OUT_REASON,
    expiry_reason,
    is_background,
    session_forget,
    session_mark_activity,
)

# What a signed-in person who has not yet passed the second factor may still reach.
UNVERIFIED_ALLOWED = frozenset(
    {
        "logout",
        "second_factor_verify",
        "second_factor_enrol",
        "check_form",
        "health",
    }
)


def _redirect(request: HttpRequest, to: str, *, keep_next: bool = True) -> HttpResponse:
    """A redirect the browser follows, or for an htmx request one htmx performs as a whole-page
    navigation (never a login page swapped into part of another page)."""
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(to)
    if keep_next and request.method == "GET":
        to = f"{to}?{urlencode({'next': request.get_full_path()})}"
    return HttpResponseRedirect(to)


class SessionPolicyMiddleware:
    """Ends a signed-in session that has been idle too long or has reached its absolute
    lifetime, and otherwise counts the request as activity unless it is background work."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = expiry_reason(request.session)
            if reason is not None:
                return self._end(request, reason)
            if not is_background(request):
                session_mark_activity(request.session)
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        session_forget(request.session.session_key)
        request.session.flush()
        request.session[SIGNED_OUT_REASON] = reason
        return _redirect(request, reverse(settings.LOGIN_URL))


class SecondFactorMiddleware:
    """No page but the few in UNVERIFIED_ALLOWED for a signed-in person who has not passed the
    second factor: they go to the code page if they have one, or to set one up once their
    enrolment is due (User.second_factor_due)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr, attr-defined]
            return None
        match = request.resolver_match
        if match is not None and match.url_name in UNVERIFIED_ALLOWED:
            return None
        if has_second_factor(user):
            return _refused(request, reverse("second_factor_verify"))
        if enrolment_due(user):
            return _refused(request, reverse("second_factor_enrol"))
        return None


def _refused(request: HttpRequest, to: str) -> HttpResponse:
    """Sent to the second factor: the audit records the request as denied, not as a read of
    whatever page was asked for (the person knew a password, and saw nothing)."""
    request.audit_refused = True  # type: ignore[attr-defined]
    return _redirect(request, to)
