from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who read or changed what, when: one append-only, hash-chained row per access."""

    name = "reattune.audit"

    def ready(self) -> None:
        from reattune.audit import signals

        signals.connect()
