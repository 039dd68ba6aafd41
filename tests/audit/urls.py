"""The real URLs plus two test-only views: a change that then fails with a server error, and a
page no one has classified for the audit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from reattune.cases.services import client_create
from reattune.clinics.http import clinic_of


def change_then_fail(request: HttpRequest) -> HttpResponse:
    client_create(clinic=clinic_of(request.user), code="HALF-DONE", created_by=request.user)  # type: ignore[arg-type]
    raise RuntimeError("the view broke after changing something")


def unclassified(request: HttpRequest) -> HttpResponse:
    return HttpResponse("nothing much")


urlpatterns = [
    path("", include("reattune.urls")),
    path("test/change-then-fail/", change_then_fail, name="test_change_then_fail"),
    path("test/unclassified/", unclassified, name="test_unclassified"),
]
