from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """A clinic's data out as CSV and FHIR, one client's data on request, and erasing one
    client's data."""

    name = "reattune.exports"
