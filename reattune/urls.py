from django.conf import settings
from django.urls import include, path

from reattune.core import views as core_views
from reattune.core.health import health

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
    path("tasks/", include("reattune.worker.urls")),
    # The JSON API (api/v1/) and the clinic admin's token pages.
    path("", include("reattune.api.urls")),
    path("health/", health, name="health"),
    path("metrics/", core_views.metrics, name="metrics"),
]

if settings.BENCHMARK_VIEWS:
    from reattune.core.benchmark_views import bare

    urlpatterns.append(path("benchmark/bare/", bare, name="benchmark_bare"))
