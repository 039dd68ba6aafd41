"""Forms for the learning pages: shape and words at the boundary, with messages a clinician
understands. Who may write, and what only the records know, is checked in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from reattune.learning.models import (
    TEXT_LIMIT,
    TITLE_LIMIT,
    Competency,
    GoalStatus,
    Level,
    Prompt,
)
from reattune.learning.services import EVIDENCE_REQUIRED, LEVEL_OFF_SCALE, REVIEW_IN_PAST
from reattune.lib.validation import past_date, visible_text, without_nul, working_date

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Please enter a real date, for example 2026-03-14."}
TOO_LONG = f"Please keep this under {TEXT_LIMIT:,} characters."
TITLE_TOO_LONG = f"Please keep this under {TITLE_LIMIT} characters."


def _text(label: str, *, required: str = "", rows: int = 4, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=bool(required),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"max_length": TOO_LONG, "required": required or "This can't be empty."},
    )


def _title(label: str, *, required: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TITLE_LIMIT,
        required=bool(required),
        help_text=help_text,
        error_messages={"max_length": TITLE_TOO_LONG, "required": required},
    )


class CleanText(forms.Form):
    """Free text may hold newlines, never NUL or other control characters; one-line titles
    hold no invisible characters at all."""

    one_line: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if not isinstance(value, str):
                continue
            if name in self.one_line:
                try:
                    cleaned[name] = visible_text(value)
                except ValidationError as error:
                    self.add_error(name, error)
            else:
                cleaned[name] = without_nul(value).strip()
        return cleaned


class CompetencyForm(CleanText):
    one_line = ("title",)
    title = _title("Title", required="Give the competency a short title.")
    description = _text("What it looks like in practice", rows=3)
    active = forms.BooleanField(
        label="In use",
        required=False,
        initial=True,
        help_text="A competency no longer in use keeps its ratings; nobody can add new ones.",
    )


class RatingForm(CleanText):
    competency = forms.ModelChoiceField(
        label="Competency",
        queryset=Competency.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the clinic's competencies in use."},
    )
    level = forms.TypedChoiceField(
        label="Level",
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": LEVEL_OFF_SCALE, "required": LEVEL_OFF_SCALE},
    )
    evidence = _text(
        "Evidence",
        required=EVIDENCE_REQUIRED,
        help_text="What you saw or heard: a session, a recording, a repair, their reflection.",
    )
    rated_on = forms.DateField(label="Date of the rating", widget=DATE, error_messages=DATE_ERRORS)

    def __init__(self, *args: Any, competencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = competencies
        self.fields["rated_on"].initial = timezone.localdate()

    def clean_rated_on(self) -> Any:
        return past_date(self.cleaned_data["rated_on"])


class ReflectionForm(CleanText):
    one_line = ("about",)
    prompt = forms.ChoiceField(
        label="Which question are you answering?",
        choices=Prompt.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the questions."},
    )
    text = _text(
        "Your reflection",
        required="Write a few words: this is your own journal.",
        rows=6,
        help_text="Seen only by you and your current supervisors.",
    )
    about = _title(
        "What it is about (optional)",
        required="",
        help_text="For example a supervision meeting, a session, a training day.",
    )


class GoalForm(CleanText):
    one_line = ("title",)
    title = _title("Goal", required="Name the goal in a few words.")
    why = _text("Why this goal", required="Say why it matters to your work.", rows=3)
    practice_plan = _text(
        "Deliberate-practice plan",
        required="Say what you will practise, how and how often.",
        rows=5,
        help_text="Small, specific and repeated: for example 'after each session, note one "
        "moment the client pulled back and what I did next'.",
    )
    review_on = forms.DateField(
        label="Review on",
        widget=DATE,
        error_messages=DATE_ERRORS,
        help_text="When you and your supervisor look at it again.",
    )

    def clean_review_on(self) -> Any:
        day = working_date(self.cleaned_data["review_on"])
        if day is None or day < timezone.localdate():
            raise ValidationError(REVIEW_IN_PAST)
        return day


class GoalNoteForm(CleanText):
    text = _text("Progress note", required="Write the note first.", rows=3)


class GoalStatusForm(CleanText):
    status = forms.ChoiceField(
        label="Status",
        choices=GoalStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose working on it, achieved or dropped."},
    )
    note = _text("A word on why (optional)", rows=2)
