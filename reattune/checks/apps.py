from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "reattune.checks"
