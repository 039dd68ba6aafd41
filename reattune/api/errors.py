"""The API's one error shape, for every endpoint outside FHIR:

    {"error": {"code": "not_found", "message": "No such case in this clinic.", "details": []}}

`code` is stable, for programs; `message` is for the developer reading the response; `details`
lists what was wrong item by item (a field's location and what was wrong with it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

logger = logging.getLogger(__name__)

NOT_FOUND = "No such {thing} in this token's clinic."
NO_SUCH_PATH = "There is no API endpoint at this address and method."
UNAUTHENTICATED = (
    "This endpoint needs an API token: send the header 'Authorization: Bearer <token>'. "
    "The token may be missing, mistyped or revoked; a clinic admin can make a new one."
)
MISSING_SCOPE = (
    "This token does not have the '{scope}' scope. A clinic admin can make one that has."
)
INVALID = "The request was not valid: see details for each problem."
MALFORMED_JSON = "The request body is not valid JSON."
TOO_LARGE = "The request body is larger than the limit of {limit} bytes."
RATE_LIMITED = "This token has made more than {limit} requests this minute. Retry after {wait} s."
SERVER_ERROR = (
    "Something went wrong on the server and nothing was changed. If it happens again, give "
    "the X-Request-ID header of this response to whoever runs Reattune."
)
UNSUPPORTED_MEDIA_TYPE = (
    "Send the request body as JSON with the header 'Content-Type: application/json' (got {found})."
)
METHOD_NOT_ALLOWED = "This endpoint does not take that method. Allowed: {allowed}."


class ApiError(Exception):
    """Raise anywhere under the API to answer with the error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def not_found(thing: str) -> ApiError:
    return ApiError(404, "not_found", NOT_FOUND.format(thing=thing))


def is_json(content_type: str) -> bool:
    """application/json or any +json type (application/merge-patch+json…), any parameters."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class JsonBodies(Parser):
    """Reads a body only when it says it is JSON: a form post or text sent to a JSON endpoint
    is a 415, not parsed as if it were JSON. ninja calls this only for a non-empty body."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.headers.get("Content-Type", "")
        if not is_json(content_type):
            found = f"'{content_type[:100]}'" if content_type else "no Content-Type"
            raise ApiError(
                415, "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE.format(found=found)
            )
        return super().parse_body(request)


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def respond(api: NinjaAPI, request: HttpRequest, error: ApiError) -> HttpResponse:
    response = api.create_response(
        request, error_body(error.code, error.message, error.details), status=error.status
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors, kept to what a developer needs: where, what, and a type code."""
    return [
        {
            "loc": _location(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def install(api: NinjaAPI) -> None:
    """Every error the API can produce, in the one shape."""

    def on_api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
        return respond(api, request, error)

    def on_validation(request: HttpRequest, error: ValidationError) -> HttpResponse:
        errors = list(error.errors)
        if any(e.get("type") == "json_invalid" for e in errors) or _is_parse_error(errors):
            return respond(api, request, ApiError(400, "malformed_json", MALFORMED_JSON))
        return respond(api, request, ApiError(422, "invalid", INVALID, validation_details(errors)))

    def on_unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return respond(
            api,
            request,
            ApiError(
                401, "unauthenticated", UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"}
            ),
        )

    def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        if isinstance(error.__cause__, ApiError):  # raised by JsonBodies, wrapped by ninja
            return respond(api, request, error.__cause__)
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, "error"
        )
        if error.status_code == 400 and str(error).startswith("Cannot parse request body"):
            return respond(api, request, ApiError(400, "malformed_json", MALFORMED_JSON))
        return respond(api, request, ApiError(error.status_code, code, str(error)))

    def on_404(request: HttpRequest, error: Http404) -> HttpResponse:
        return respond(api, request, ApiError(404, "not_found", NOT_FOUND.format(thing="record")))

    def on_server_error(request: HttpRequest, error: Exception) -> HttpResponse:
        from reattune.audit.log import AuditUnavailable

        if isinstance(error, AuditUnavailable):
            raise error  # the audit middleware answers: 503, nothing kept
        logger.exception("API request %s failed", getattr(request, "request_id", ""))
        return respond(api, request, ApiError(500, "server_error", SERVER_ERROR))

    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        Exception: on_server_error,
        ApiError: on_api_error,
        ValidationError: on_validation,
        AuthenticationError: on_unauthenticated,
        HttpError: on_http_error,
        Http404: on_404,
    }
    for exception, handler in handlers.items():
        api.add_exception_handler(exception, handler)


def _location(loc: Any) -> list[str]:
    """ninja puts the body parameter's own name after "body" (body.body.code); drop it, so a
    location reads body.code."""
    parts = [str(part) for part in loc]
    if parts[:2] == ["body", "body"]:
        del parts[1]
    return parts


def _is_parse_error(errors: list[dict[str, Any]]) -> bool:
    return any(
        "json" in str(e.get("msg", "")).lower() and e.get("loc") == ("body",) for e in errors
    )


def invalid(error: DjangoValidationError) -> ApiError:
    """A model's or service's ValidationError, as a 422 with one detail per message."""
    details: list[dict[str, Any]]
    if hasattr(error, "error_dict"):
        details = [
            {
                "loc": ["body", field] if field != "__all__" else ["body"],
                "msg": msg,
                "type": "invalid",
            }
            for field, messages in error.message_dict.items()
            for msg in messages
        ]
    else:
        details = [{"loc": ["body"], "msg": msg, "type": "invalid"} for msg in error.messages]
    message = details[0]["msg"] if len(details) == 1 else INVALID
    return ApiError(422, "invalid", message, details)
