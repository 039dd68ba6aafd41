"""The review's form: a title, the four sections with their prompts, and the version the person
was looking at. Words are checked again by the services; the identifier check runs there."""

from __future__ import annotations

from typing import Any

from django import forms

from reattune.lib.validation import without_nul
from reattune.reviews.services import SECTION_LIMIT, TITLE_LIMIT

FACTOR_PROMPTS = (
    "Communication: what was said, heard, or not said, between whom?",
    "Workload and pressure: time, caseload, tiredness, deadlines.",
    "Training and supervision: what the clinician had been taught, and the support around them.",
    "Systems and process: records, forms, rooms, software, handovers.",
    "The therapeutic frame: pace, boundaries, the agreed task, who set the agenda.",
)
JUST_CULTURE = (
    "Write about what happened and why it was likely, never about who is to blame. In a Just "
    "Culture a human error is met with support, an at-risk choice with coaching; nobody is "
    "named, the client least of all."
)


def _section(label: str, help_text: str, rows: int = 6) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=SECTION_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"Please keep this under {SECTION_LIMIT:,} characters."},
    )


class ReviewForm(forms.Form):
    revision = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )
    title = forms.CharField(
        label="Title",
        max_length=TITLE_LIMIT,
        help_text="A few words on the kind of event, naming no one.",
        error_messages={
            "required": "Give the review a short title that names no one.",
            "max_length": f"Please keep the title under {TITLE_LIMIT} characters.",
        },
    )
    what_happened = _section(
        "What happened",
        "The sequence of events, as facts. Say “the client” and “the clinician”.",
        rows=8,
    )
    contributing_factors = _section("Contributing factors", "Consider: " + " ".join(FACTOR_PROMPTS))
    what_we_learned = _section(
        "What we learned", "What the team can take from it, beyond this one case."
    )
    what_we_change = _section(
        "What we change", "Concrete changes to practice, systems or training, and who owns them."
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                # Never NUL or control characters; newlines stay.
                cleaned[name] = without_nul(value).strip()
        return cleaned

    def content(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("revision", "version")}


class AmendForm(ReviewForm):
    revision = None  # type: ignore[assignment]  # a shared review counts versions instead
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**6
    )
    amendment_reason = forms.CharField(
        label="Why are you amending it?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why you're amending it."},
    )

    def content(self) -> dict[str, str]:
        content = super().content()
        content.pop("amendment_reason", None)
        return content
