from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: the second factor, lockout, session lifetimes and break-glass access."""

    name = "reattune.accounts"

    def ready(self) -> None:
        from reattune.accounts import signals  # noqa: F401  (connects the receivers)
