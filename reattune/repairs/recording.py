"""What every change to a repair record shares: the history line, text and date checks, and
the rule that a stale form saves nothing while a double submit returns what was saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from reattune.cases.models import Case, TherapySession
from reattune.clinics.models import User
from reattune.repairs.models import Repair, RepairEvent, Versioned

TEXT_LIMIT = 5000
FUTURE_DATE = "That date is in the future. Record what has already happened."
NEEDS_A_REASON = "Say why you're changing it."
OPEN_FOR_THIS_ALERT = "A repair is already open for this alert. Here it is."


class StaleRecord(Exception):
    """Someone else changed the record after this form was opened; nothing was saved.
    `current` is the version the record is at now."""

    def __init__(self, current: int) -> None:
        super().__init__(f"The record is at version {current}; nothing was saved.")
        self.current = current


class RepairExists(Exception):
    """The repair being opened is already open (from the same alert, or a double submit):
    `repair` is the one to go to, `message` says so."""

    def __init__(self, repair: Repair, message: str = OPEN_FOR_THIS_ALERT) -> None:
        super().__init__(f"{message} (repair {repair.pk})")
        self.repair = repair
        self.message = message


def record_event(repair: Repair, by: User | None, action: str, summary: str) -> RepairEvent:
    return RepairEvent.objects.create(
        clinic_id=repair.clinic_id, repair=repair, by=by, action=action, summary=summary
    )


def clean_text(value: str, field: str, *, required: bool, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: message or "This can't be empty."})
    if len(value) > TEXT_LIMIT:
        raise ValidationError(
            {field: f"Please keep this under {TEXT_LIMIT} characters (it has {len(value)})."}
        )
    return value


def not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: FUTURE_DATE})


def session_of(case: Case, session: TherapySession, field: str = "session") -> TherapySession:
    if session.case_id != case.pk:
        raise ValidationError({field: "That session belongs to another case."})
    not_future(session.date, field)
    return session


def same_content(row: Versioned, by: User, fields: dict[str, Any]) -> bool:
    return row.recorded_by_id == by.pk and all(getattr(row, k) == v for k, v in fields.items())


def check_current(
    current: Versioned | None, expected: int | None, by: User, fields: dict[str, Any]
) -> bool:
    """Whether to save. A form opened on an earlier version than the record's is stale and
    saves nothing (StaleRecord), except for a double submit: the version just after the one
    the form was opened on, by the same person with the same content, is already the save
    (False: save nothing, return it)."""
    number = current.number if current is not None else 0
    if expected is None or expected == number:
        return True
    if current is not None and number == expected + 1 and same_content(current, by, fields):
        return False
    raise StaleRecord(number)
