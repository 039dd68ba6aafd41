from django.apps import AppConfig


class BreakGlassConfig(AppConfig):
    """Emergency access to a client outside one's caseload: a reason, a fresh sign-in, a time
    limit, a flagged audit row and a notice to the clinic admin."""

    name = "reattune.breakglass"
