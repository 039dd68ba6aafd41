"""The one password rule Django does not ship: an upper bound, generous enough for a passphrase."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

PASSWORD_TOO_LONG = "Please use at most {max_length} characters for your password."  # noqa: S105


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                PASSWORD_TOO_LONG.format(max_length=self.max_length),
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."
