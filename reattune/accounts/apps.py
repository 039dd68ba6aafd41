from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: the second factor, lockout, session lifetimes and break-glass access."""

    name = "reattune.accounts"
