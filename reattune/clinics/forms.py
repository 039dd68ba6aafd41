"""The clinic admin's forms for people and supervision. Rules that need the database (a taken
email, the last admin, duplicate links) live in the services; these only check the input's shape."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from reattune.clinics.http import clinic_id_of
from reattune.clinics.models import Role, User
from reattune.clinics.services import NOT_A_SUPERVISOR
from reattune.lib.validation import visible_text, working_date

EMAIL_REQUIRED = "Please give the person's email address."
EMAIL_INVALID = "Please enter an email address like name@example.org."
NAME_REQUIRED = "Please give the person's full name."
NAME_MAX = 200
NAME_TOO_LONG = f"Please keep the name to {NAME_MAX} characters or fewer."
ROLE_INVALID = "Please choose one of the roles listed."
STARTS_ON_INVALID = "Please enter a real date, for example 2026-01-05."

_ROLE_FIELD_ERRORS = {"required": ROLE_INVALID, "invalid_choice": ROLE_INVALID}


class PersonForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        help_text="They log in with it, and the invitation goes to it.",
        error_messages={"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
    )
    full_name = forms.CharField(
        max_length=NAME_MAX,
        error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG},
    )
    role = forms.ChoiceField(
        choices=Role.choices, initial=Role.CLINICIAN, error_messages=_ROLE_FIELD_ERRORS
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_full_name(self) -> str:
        return visible_text(self.cleaned_data["full_name"])


class PersonChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, error_messages=_ROLE_FIELD_ERRORS)
    is_active = forms.BooleanField(
        required=False,
        label="Active",
        help_text="Untick to stop them logging in. Their records stay; you can reactivate them.",
    )


class SupervisionForm(forms.Form):
    supervisor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        error_messages={"required": NOT_A_SUPERVISOR, "invalid_choice": NOT_A_SUPERVISOR},
    )
    starts_on = forms.DateField(
        required=False,
        initial=timezone.localdate,
        label="Starts on",
        # A date input only understands ISO dates, whatever the locale's format.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for today.",
        error_messages={"invalid": STARTS_ON_INVALID},
    )

    def clean_starts_on(self) -> Any:
        return working_date(self.cleaned_data["starts_on"], years_ahead=1)

    def __init__(self, *args: Any, supervisee: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this clinic's active supervisors can be chosen, so a posted id from elsewhere
        # is simply not one of the choices.
        self.fields["supervisor"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                clinic_id=clinic_id_of(supervisee), role=Role.SUPERVISOR, is_active=True
            )
            .exclude(pk=supervisee.pk)
            .order_by("full_name")
        )
