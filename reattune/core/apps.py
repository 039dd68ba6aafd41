from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installation-wide commands: serving, and re-running work that must never be lost."""

    name = "reattune.core"
