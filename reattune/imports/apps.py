from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Historic scores from CSV into a clinic: a dry run, errors by line, all or nothing."""

    name = "reattune.imports"
