"""The form a clinic admin fills in to make an API token."""

from __future__ import annotations

from django import forms

from reattune.api.models import Scope
from reattune.lib.validation import visible_text

NAME_REQUIRED = "Give the token a name that says what uses it, e.g. 'EHR sync'."
NAME_TOO_LONG = "A token's name is at most 100 characters."
SCOPES_REQUIRED = "Choose at least one scope: read, write, or both."


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What uses this token, so you know which to revoke: e.g. 'EHR sync'.",
        error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG},
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=[
            (Scope.READ, "Read: clients, cases, sessions, answers, alerts and repairs"),
            (
                Scope.WRITE,
                "Write: add clients, cases and sessions, submit answers, acknowledge alerts",
            ),
        ],
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        error_messages={"required": SCOPES_REQUIRED},
    )

    def clean_name(self) -> str:
        return visible_text(self.cleaned_data["name"])
