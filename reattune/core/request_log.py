"""One JSON line per request on the logger `reattune.requests` (docs/security.md, "Logging").

The line holds when the request came, its request id (the audit's, so a line and its audit row
can be matched), the method, the URL's route pattern (`/clients/<int:client_id>/`, never the
path itself, which can hold ids or a check link's token, and never a query string), the status,
how long it took, and who asked: the signed-in user's id or, on the JSON API, the token's id.
Nothing typed, posted or shown is read, so no name, code, email or address can reach the line.

It is the outermost middleware, so its time covers every other middleware, the view and the
audit row. The audit middleware, further in, sets the request id; the line reads it once the
response is back. A request refused before it gets that far (a bad Host header) is given an id
here, and the response carries it as X-Request-ID like every other.

REATTUNE_REQUEST_LOG=false (settings.REQUEST_LOG) leaves the middleware out altogether.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("reattune.requests")

# Any other method is logged as OTHER: the method is the one field the sender writes freely.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.REQUEST_LOG:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = dt.datetime.now(dt.UTC)
        clock = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - clock) * 1000
        request_id = getattr(request, "request_id", None)
        if not request_id:
            request_id = uuid.uuid4().hex
            request.request_id = request_id  # type: ignore[attr-defined]
        if not response.has_header("X-Request-ID"):
            response["X-Request-ID"] = request_id
        line = request_line(request, response, started=started, duration_ms=duration_ms)
        logger.info(json.dumps(line), extra={"route": line["route"] or "-"})
        return response


def request_line(
    request: HttpRequest, response: HttpResponse, *, started: dt.datetime, duration_ms: float
) -> dict[str, Any]:
    """The line's fields, in the order they are written."""
    method = request.method or ""
    return {
        "time": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "request_id": str(getattr(request, "request_id", "")),
        "method": method if method in METHODS else "OTHER",
        "route": route_pattern(request),
        "status": response.status_code,
        "duration_ms": round(duration_ms, 1),
        "user_id": user_id(request),
        "token_id": token_id(request),
    }


def route_pattern(request: HttpRequest) -> str | None:
    """The pattern the URL matched, or None when it matched none (a 404 for a made-up URL)."""
    match = request.resolver_match
    if match is None or not match.route:
        return None if match is None else "/"
    return "/" + str(match.route).removeprefix("^")


def user_id(request: HttpRequest) -> int | None:
    # Read after the view, so a log-in's line names who signed in and a log-out's no one. A
    # request refused before the authentication middleware has no user at all.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)


def token_id(request: HttpRequest) -> int | None:
    # Set by the API's authentication (reattune/api/auth.py) once a live token is found.
    token = getattr(request, "api_token", None)
    return None if token is None else int(token.pk)
