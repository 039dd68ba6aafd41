from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Online backups and a restore that is checked before it is trusted."""

    name = "reattune.backups"
