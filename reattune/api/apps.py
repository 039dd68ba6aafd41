from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API for record systems and schedulers: per-clinic tokens with scopes, scoped
    and audited like the pages."""

    name = "reattune.api"
