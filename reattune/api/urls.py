"""The JSON API at api/v1/ (with the FHIR router at api/v1/fhir/), and the clinic admin's
token pages at api/tokens/."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from ninja import NinjaAPI

from reattune.api import errors, views
from reattune.api.endpoints import alerts, cases, clients, repairs, responses, sessions
from reattune.fhir.api import router as fhir_router

API_NAMESPACE = "api-v1"

api = NinjaAPI(
    title="Reattune API",
    version="1",
    description=(
        "A clinic's clients, cases, sessions, client checks, alerts and repairs, for record "
        "systems and schedulers. Authenticate with 'Authorization: Bearer <token>'; a clinic "
        "admin makes tokens (read, write) under API tokens. Every error is "
        '{"error": {"code": ..., "message": ..., "details": [...]}}. Lists take limit '
        "(at most 100) and offset, and return count, next, previous and items. Unknown body "
        "fields and unknown query parameters are refused (422), never ignored."
    ),
    urls_namespace=API_NAMESPACE,
    openapi_url="/openapi.json",
    # Swagger UI, served from ninja's own static files (no CDN) with no inline script, so it
    # runs under the site's Content-Security-Policy (tests/api/test_docs_page.py).
    docs_url="/docs",
    parser=errors.JsonBodies(),
)
errors.install(api)
for module in (clients, cases, sessions, responses, alerts, repairs):
    api.add_router("/", module.router)
api.add_router("/fhir/", fhir_router)


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with plain text; give it the error shape."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            body = errors.error_body(
                "method_not_allowed", errors.METHOD_NOT_ALLOWED.format(allowed=allowed)
            )
            response = JsonResponse(body, status=405)
            response["Allow"] = allowed
        return response

    return wrapped


def _api_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name == "api-root":
            # ninja's root raises a 404 pointing at the docs page, which is off.
            pattern.callback = views.api_root
        elif isinstance(pattern, URLPattern):
            pattern.callback = _json_405(pattern.callback)
        wrapped.append(pattern)
    # Anything else under api/v1/ is the API's 404, not the site's HTML page.
    # [\s\S], not ".": a path may hold an encoded newline, which "." does not match.
    wrapped.append(re_path(r"^[\s\S]*$", views.api_not_found, name="api_not_found"))
    return wrapped


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include((_api_patterns(), "ninja"), namespace=API_NAMESPACE)),
    path("api/tokens/", views.token_list, name="api_token_list"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="api_token_revoke"),
]
