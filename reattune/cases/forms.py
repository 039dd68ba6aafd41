from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from reattune.cases.models import Attendance, CaseKind, Client, TherapySession
from reattune.clinics.http import clinic_id_of
from reattune.clinics.models import Role, User
from reattune.lib.validation import past_date, visible_text, working_date


def _fits_a_database_key(text: str) -> bool:
    """False for a whole number no database integer holds, negative ones included (SQLite
    raises OverflowError on them, a 500); anything else is the database lookup's to refuse."""
    try:
        number = int(text)
    except ValueError:
        return True
    return -(2**63) <= number < 2**63


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Refuses ids no database could hold before asking the database about them."""

    def _check_values(self, value: Any) -> Any:
        for pk in value or ():
            if not _fits_a_database_key(str(pk)):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


class ClientForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        help_text="A code or pseudonym, not the client's full name (for example HS-0142).",
        error_messages={
            "required": "Please give the client a code.",
            "max_length": "Please keep the code to 40 characters or fewer.",
        },
    )
    name = forms.CharField(max_length=200, required=False, help_text="Optional.")
    date_of_birth = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional.",
        error_messages={"invalid": "Please enter a real date, for example 1990-04-21."},
    )

    def clean_code(self) -> str:
        return visible_text(self.cleaned_data["code"])

    def clean_name(self) -> str:
        return visible_text(self.cleaned_data["name"])

    def clean_date_of_birth(self) -> Any:
        return past_date(self.cleaned_data["date_of_birth"])

    email = forms.EmailField(
        required=False,
        help_text=(
            "Optional. Only used to email the client their check link, and a reminder the day "
            "before a session."
        ),
        error_messages={"invalid": "Please enter an email address like name@example.org."},
    )


class CaseForm(forms.Form):
    kind = forms.ChoiceField(choices=CaseKind.choices, initial=CaseKind.INDIVIDUAL)
    title = forms.CharField(
        max_length=200, required=False, help_text="Optional, e.g. 'Couple work'."
    )
    clients = BoundedModelMultipleChoiceField(
        queryset=Client.objects.none(),
        help_text=(
            "Everyone who takes part. In a couple or family case each person rates separately."
        ),
        error_messages={
            "required": "Please choose at least one client.",
            "invalid_choice": "One of the chosen clients isn't in your caseload.",
        },
    )
    clinicians = BoundedModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text="Leave empty to assign the case to yourself.",
    )

    def clean_title(self) -> str:
        return visible_text(self.cleaned_data["title"])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinic_id = clinic_id_of(user)
        # Only clients in this person's reach: a case must not open a colleague's client.
        self.fields["clients"].queryset = Client.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["clinicians"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            clinic_id=clinic_id, is_active=True
        ).exclude(role=Role.ADMIN)


class SessionForm(forms.ModelForm[TherapySession]):
    number = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Leave empty for the next number.",
        error_messages={
            "invalid": "The session number must be a whole number.",
            "min_value": "Session numbers start at 1 (the intake).",
        },
    )

    class Meta:
        model = TherapySession
        fields = ["number", "date", "attendance"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {"date": {"invalid": "Please enter a real date, for example 2026-03-02."}}

    def clean_date(self) -> Any:
        return working_date(self.cleaned_data["date"])


class CaseCloseForm(forms.Form):
    closed_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Please give the date the case closed, for example 2026-03-02.",
            "invalid": "Please give the date the case closed, for example 2026-03-02.",
        },
    )


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(choices=Attendance.choices)
