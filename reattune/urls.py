from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def health(request: HttpRequest) -> HttpResponse:
    """For a load balancer or process supervisor: 'ok' only if the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", include("reattune.cases.urls")),
    path("", include("reattune.clinics.urls")),
    path("c/", include("reattune.checks.public_urls")),
    path("checks/", include("reattune.checks.urls")),
    path("alerts/", include("reattune.alerts.urls")),
    path("measures/", include("reattune.measures.urls")),
    path("repairs/", include("reattune.repairs.urls")),
    path("ethics/", include("reattune.ethics.urls")),
    path("supervision/", include("reattune.supervision.urls")),
    path("learning/", include("reattune.learning.urls")),
    path("reviews/", include("reattune.reviews.urls")),
    path("reports/", include("reattune.reports.urls")),
    path("account/", include("reattune.accounts.urls")),
    path("audit/", include("reattune.audit.urls")),
    path("break-glass/", include("reattune.breakglass.urls")),
    path("imports/", include("reattune.imports.urls")),
    path("exports/", include("reattune.exports.urls")),
    # The JSON API (api/v1/) and the clinic admin's token pages.
    path("", include("reattune.api.urls")),
    path("health/", health, name="health"),
]
