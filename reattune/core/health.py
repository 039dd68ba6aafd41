"""The health check: 'ok' only if the database answers.

Load balancers and process supervisors probe it by the machine's address over plain http, so
`HealthCheckMiddleware` answers it before Django's host check (ALLOWED_HOSTS), and production
settings exempt it from the https redirect: neither protects anything here (the answer names
nothing), and both would make the probe fail on a healthy server. It still gets every security
header the other responses get.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

HEALTH_PATH = "/health/"


def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    response = HttpResponse("ok", content_type="text/plain")
    add_never_cache_headers(response)  # a status, true only now: never kept by a proxy
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)
