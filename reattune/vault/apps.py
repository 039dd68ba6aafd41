from django.apps import AppConfig


class VaultConfig(AppConfig):
    """Free text at rest: authenticated encryption under keys that are not SECRET_KEY."""

    name = "reattune.vault"
