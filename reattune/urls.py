from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", include("reattune.cases.urls")),
    path("", include("reattune.clinics.urls")),
    path("c/", include("reattune.checks.public_urls")),
    path("checks/", include("reattune.checks.urls")),
    path("alerts/", include("reattune.alerts.urls")),
    path("measures/", include("reattune.measures.urls")),
    path("health/", health, name="health"),
]
