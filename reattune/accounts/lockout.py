"""django-axes hooks: whose failures count together, from which address, and what a locked-out
person sees.

Behind a reverse proxy every request arrives from the proxy's address, so counting by that
address would lock out the whole clinic at once. REATTUNE_TRUSTED_PROXIES says how many proxies
you run; the client's address is then read from X-Forwarded-For, that many entries from the
right (the entries further left were written by whoever sent the request and can be forged).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reattune.lib.addresses import client_address

__all__ = ["client_address", "lockout_message", "lockout_response", "username_of"]

LOCKED_OUT = (
    "Too many unsuccessful attempts to log in. For your safety, logging in is paused for "
    "{minutes} minutes. Try again after that, or ask your clinic admin if you have forgotten "
    "your password."
)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email as the account lookup sees it, so 'Sam@…' and 'sam@…' share one counter."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    # django-axes keeps it in a 255-character column; an email is at most 254, so anything
    # longer is no account's and is counted by its first 254 characters (PostgreSQL would
    # refuse the longer value outright, turning a typo into a server error).
    return str(raw).strip().lower()[:254]


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return LOCKED_OUT.format(minutes=minutes)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again, empty, with one neutral message: the same bytes whether or not
    the email belongs to an account (apart from the CSRF token)."""
    del original_response, credentials
    return render(
        request,
        "registration/login.html",
        {"form": AuthenticationForm(request), "locked_out": lockout_message()},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
