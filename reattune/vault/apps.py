from django.apps import AppConfig
from django.core.signals import setting_changed


class VaultConfig(AppConfig):
    """Free text at rest: authenticated encryption under keys that are not SECRET_KEY."""

    name = "reattune.vault"

    def ready(self) -> None:
        from reattune.vault.keys import reset_ring

        setting_changed.connect(_keys_changed, dispatch_uid="reattune.vault.keys_changed")
        reset_ring()


def _keys_changed(*, setting: str, **_: object) -> None:
    from reattune.vault.keys import reset_ring

    if setting in ("ENCRYPTION_KEYS", "ENCRYPTION_KEY_FILE"):
        reset_ring()
