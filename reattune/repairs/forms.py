"""Forms for the repair record. They check shape and words at the boundary; the services
check what only the record can know (sessions in this case, dates in order, stale versions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from reattune.cases.models import Case, Participant, TherapySession
from reattune.clinics.models import User
from reattune.ethics.vocabulary import HARMS, KINDS
from reattune.lib.validation import past_date, without_nul
from reattune.repairs.models import Marker, Method, Obligation
from reattune.repairs.recording import TEXT_LIMIT
from reattune.repairs.services import STEP_LIMIT, STEP_TOO_LONG
from reattune.repairs.steps import STEPS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Please enter a real date, for example 2026-03-14."}
TOO_LONG = f"Please keep this under {TEXT_LIMIT} characters."


def _text(label: str, *, required: str = "", rows: int = 4, help_text: str = "") -> forms.CharField:
    """A free-text box; `required` is the message when it is left empty ("" = optional)."""
    return forms.CharField(
        label=label,
        required=bool(required),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"max_length": TOO_LONG, "required": required or "This can't be empty."},
    )


class FreeTextMixin:
    """Free text may hold newlines, never NUL or other control characters."""

    cleaned_data: dict[str, Any]

    def _post_clean(self) -> None:
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str):
                self.cleaned_data[name] = without_nul(value).strip()
        super()._post_clean()  # type: ignore[misc]


class VersionField(forms.IntegerField):
    """The version the person was looking at, so a stale form saves nothing."""

    def __init__(self) -> None:
        super().__init__(widget=forms.HiddenInput, required=False, min_value=0, max_value=10**6)


def _sessions(case: Case) -> Any:
    return case.sessions.filter(date__lte=timezone.localdate()).order_by("-number")


class SessionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: TherapySession) -> str:  # type: ignore[override]
        return f"Session {obj.number}, {obj.date:%d %b %Y}"


class NarrativeForm(FreeTextMixin, forms.Form):
    session = SessionChoiceField(
        queryset=TherapySession.objects.none(),
        label="The session it happened in",
        error_messages={
            "required": "Choose the session it happened in.",
            "invalid_choice": "Choose one of this case's sessions.",
        },
    )
    kind = forms.ChoiceField(
        label="What kind of mistake",
        choices=list(KINDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of mistake this was."},
    )
    marker = forms.ChoiceField(
        label="For an alliance rupture: how did it show?",
        choices=Marker.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="After the Rupture Resolution Rating System (3RS): withdrawal moves away "
        "from you or the work, confrontation moves against it.",
    )
    harm = forms.ChoiceField(
        label="Harm",
        choices=list(HARMS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how much harm it did, if any."},
    )
    what_happened = _text(
        "What happened, in your words",
        help_text="What you did or didn't do, and what you noticed. Facts, not verdicts.",
        required="Say what happened, in a sentence or two. The record needs it.",
    )
    contribution = _text(
        "Your part in it, as you see it",
        rows=3,
        help_text="Not blame: what you would do differently, and what made it likely "
        "(tiredness, pressure, a gap in training). Human errors happen to everyone.",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = _sessions(case)  # type: ignore[attr-defined]


class RepairOpenForm(NarrativeForm):
    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        label="Who the repair is with",
        error_messages={"invalid_choice": "Choose someone in this case."},
    )
    discovered_on = forms.DateField(
        label="When it came to light",
        widget=DATE,
        error_messages=DATE_ERRORS,
        help_text="Deadlines for the clinic's obligations count from this day.",
    )
    field_order = ["participant", "session", "discovered_on", "kind", "marker", "harm"]

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        participants = case.participants.select_related("client")
        self.fields["participant"].queryset = participants  # type: ignore[attr-defined]
        if participants.count() == 1:
            self.fields["participant"].widget = forms.HiddenInput()

    def clean_discovered_on(self) -> Any:
        return past_date(self.cleaned_data["discovered_on"])


class AmendForm(NarrativeForm):
    version = VersionField()
    amendment_reason = forms.CharField(
        label="Why are you changing it?",
        max_length=500,
        help_text="Kept with the new version. The earlier version stays in the history.",
        error_messages={"required": "Say why you're changing it."},
    )


class PlanForm(FreeTextMixin, forms.Form):
    """One checkbox and one text box per step of the guided repair."""

    version = VersionField()

    def __init__(self, *args: Any, current: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = {s["key"]: s["text"] for s in current}
        for step in STEPS:
            self.fields[f"use_{step.key}"] = forms.BooleanField(
                label=step.title, required=False, initial=step.key in chosen
            )
            self.fields[f"text_{step.key}"] = forms.CharField(
                label=f"What you might say: {step.title.lower()}",
                required=False,
                max_length=STEP_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=chosen.get(step.key, step.example),
                error_messages={"max_length": STEP_TOO_LONG},
            )

    def steps(self) -> list[dict[str, str]]:
        return [
            {"key": s.key, "text": self.cleaned_data[f"text_{s.key}"]}
            for s in STEPS
            if self.cleaned_data.get(f"use_{s.key}")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"use_{s.key}") for s in STEPS):
            raise ValidationError("Choose at least one step.")
        return data

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(s, self[f"use_{s.key}"], self[f"text_{s.key}"]) for s in STEPS]


class ConversationForm(FreeTextMixin, forms.Form):
    version = VersionField()
    session = SessionChoiceField(
        queryset=TherapySession.objects.none(),
        label="The session you had the conversation in",
        error_messages={
            "required": "Choose the session.",
            "invalid_choice": "Choose one of this case's sessions.",
        },
    )
    steps_taken = forms.MultipleChoiceField(
        label="What you did",
        choices=[(s.key, s.title) for s in STEPS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose steps from the list."},
    )
    how_it_went = _text(
        "How it went",
        required="Say how the conversation went.",
        help_text="What you said, what the client said and did. Short is fine.",
    )
    client_response = _text("What the client said they needed", rows=2)
    next_step = _text("The next step you agreed", rows=2)
    amendment_reason = forms.CharField(
        label="Why are you changing it?",
        max_length=500,
        required=False,
        help_text="Only when changing a conversation already recorded.",
    )

    def __init__(self, *args: Any, case: Case, amending: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = _sessions(case)  # type: ignore[attr-defined]
        if not amending:
            del self.fields["amendment_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A reason is asked of a change to a recorded conversation: a form opened before there
        # was one (a double submit, say) is the service's to judge.
        asked = "amendment_reason" in self.fields
        if asked and data.get("version") and not data.get("amendment_reason"):
            self.add_error("amendment_reason", "Say why you're changing it.")
        return data


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.full_name or obj.email


class DisclosureForm(FreeTextMixin, forms.Form):
    version = VersionField()
    told_on = forms.DateField(
        label="When the client was told", widget=DATE, error_messages=DATE_ERRORS
    )
    told_by = PersonChoiceField(
        queryset=User.objects.none(),
        label="Who told them",
        error_messages={"invalid_choice": "Choose someone in this clinic."},
    )
    method = forms.ChoiceField(
        label="How",
        choices=Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the client was told."},
    )
    what_was_said = _text(
        "What the client was told",
        required="Say what the client was told.",
        help_text="A true account of what happened, in the words you used.",
    )
    apology_given = forms.BooleanField(label="An apology was given", required=False)
    follow_up_due_on = forms.DateField(
        label="Written follow-up due",
        required=False,
        widget=DATE,
        error_messages=DATE_ERRORS,
        help_text="Where one is due (the UK duty of candour asks for one, for example).",
    )
    followed_up_on = forms.DateField(
        label="Written follow-up sent", required=False, widget=DATE, error_messages=DATE_ERRORS
    )
    amendment_reason = forms.CharField(
        label="Why are you changing it?", max_length=500, required=False
    )
    field_order = ["told_on", "told_by", "method", "what_was_said", "apology_given"]

    def __init__(self, *args: Any, clinic_id: int, amending: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["told_by"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            clinic_id=clinic_id, is_active=True
        ).order_by("full_name")
        if not amending:
            del self.fields["amendment_reason"]
        else:
            self.fields["amendment_reason"].required = True
            self.fields["amendment_reason"].error_messages["required"] = (
                "Say why you're changing it."
            )


class CloseForm(FreeTextMixin, forms.Form):
    reason = _text(
        "Why you are closing it",
        rows=3,
        required="Say why you are closing it.",
        help_text="For example: the client ended therapy, or you and your supervisor agreed "
        "the repair is complete though the checks have not recovered.",
    )
    outstanding_understood = forms.BooleanField(
        label="I understand the obligations not yet done stay on the record, and stay due",
        required=False,
    )

    def __init__(self, *args: Any, outstanding: list[Obligation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outstanding = outstanding
        if not outstanding:
            del self.fields["outstanding_understood"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.outstanding and not data.get("outstanding_understood"):
            self.add_error(
                "outstanding_understood",
                f"{len(self.outstanding)} obligation(s) are not done. "
                "Tick the box to close the repair anyway.",
            )
        return data


class ObligationDoneForm(FreeTextMixin, forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        error_messages={"max_length": "Please keep the note under 1,000 characters."},
    )


class DismissForm(FreeTextMixin, forms.Form):
    reason = forms.CharField(
        label="Why this needs no repair",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say why this alert needs no repair.",
            "max_length": "Please keep the reason under 2,000 characters.",
        },
    )
