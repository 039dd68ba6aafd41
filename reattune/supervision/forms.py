"""Forms at the boundary: lengths, dates and numbers a clinician could mean."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from reattune.clinics.models import User
from reattune.lib.validation import without_nul, working_date
from reattune.supervision.hours import clean_day, clean_hours, clean_target
from reattune.supervision.models import HoursKind, Meeting

NOTE_MAX = 2000
TEXT_MAX = 10_000
ACTION_DUE_PAST = "An action's due date can't be before the meeting."
EMPTY_NOTE = "Please say in a few words what you'd like to discuss."

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FormKey(forms.Form):
    """A one-off key in every "create" form: a second submit of the same form is recognised."""

    form_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class RequestForm(forms.Form):
    note = forms.CharField(
        label="What would you like to discuss?",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": EMPTY_NOTE},
    )

    def clean_note(self) -> str:
        # A note of control characters alone is empty once they are dropped: say so here,
        # before the model's own check refuses it with a server error.
        note = without_nul(self.cleaned_data["note"]).strip()
        if not note:
            raise ValidationError(EMPTY_NOTE)
        return note


class QueueItemsField(forms.MultipleChoiceField):
    """The ticked queue items. Whether each is still in the queue is the service's question
    (it may have left since the page was drawn), answered with a message a person can use."""

    def valid_value(self, value: str) -> bool:
        return True


class MeetingNewForm(FormKey):
    supervisee = forms.ModelChoiceField(queryset=User.objects.none(), label="With")
    held_on = forms.DateField(label="Date of the meeting", widget=DateInput)
    items = QueueItemsField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Agenda from the queue"
    )

    def __init__(self, *args: Any, supervisees: Any, item_choices: list, **kwargs: Any) -> None:  # type: ignore[type-arg]
        super().__init__(*args, **kwargs)
        self.fields["supervisee"].queryset = supervisees  # type: ignore[attr-defined]
        self.fields["items"].choices = item_choices  # type: ignore[attr-defined]
        self.fields["held_on"].initial = timezone.localdate()

    def clean_held_on(self) -> dt.date | None:
        return working_date(self.cleaned_data["held_on"], years_ahead=1)


class AgendaNotesForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    notes = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    guidance = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you advised: what to try, read or watch for.",
    )


class AmendForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    notes = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    guidance = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label="Why this amendment",
        max_length=NOTE_MAX,
        error_messages={"required": "Please say why the signed record is being amended."},
    )


class TopicForm(forms.Form):
    title = forms.CharField(label="Another topic", max_length=300)


class ActionForm(forms.Form):
    text = forms.CharField(label="Action", max_length=NOTE_MAX)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Whose")
    due_on = forms.DateField(label="Due", widget=DateInput)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        owners = User.objects.filter(pk__in=[meeting.supervisor_id, meeting.supervisee_id])
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["owner"].initial = meeting.supervisee_id

    def clean_due_on(self) -> dt.date | None:
        due = working_date(self.cleaned_data["due_on"], years_ahead=1)
        if due is not None and due < self.meeting.held_on:
            raise ValidationError(ACTION_DUE_PAST)
        return due


class HoursForm(FormKey):
    on = forms.DateField(label="Day", widget=DateInput)
    kind = forms.ChoiceField(choices=HoursKind.choices, widget=forms.RadioSelect, label="Kind")
    hours = forms.CharField(
        label="Hours",
        max_length=10,
        help_text="In quarters of an hour: 0.25 to 12 in one entry.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)

    def clean_on(self) -> dt.date:
        return clean_day(self.cleaned_data["on"])

    def clean_hours(self) -> Decimal:
        return clean_hours(self.cleaned_data["hours"])


class TargetForm(forms.Form):
    kind = forms.ChoiceField(choices=HoursKind.choices, label="Kind")
    hours = forms.DecimalField(label="Target hours", max_digits=6, decimal_places=2)

    def clean_hours(self) -> Decimal:
        return clean_target(self.cleaned_data["hours"])
