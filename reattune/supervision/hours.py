"""Trainee hours: entries of direct client contact and supervision, totalled against a target.

The rules on a value (`clean_hours`, `clean_day`) are plain functions, so that the form, the
service and the property tests share them. A person's hours are seen by the person, their
current supervisors and the clinic admins; entered by the person or a current supervisor;
targets are set by a current supervisor or an admin.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from reattune.clinics.http import clinic_of
from reattune.clinics.models import Supervision, User
from reattune.lib.validation import without_nul
from reattune.supervision.models import (
    MAX_HOURS_PER_DAY,
    MAX_HOURS_PER_ENTRY,
    MIN_HOURS,
    HoursEntry,
    HoursKind,
    HoursTarget,
)

EARLIEST_DAY = dt.date(1990, 1, 1)
QUARTER = Decimal("0.25")
MAX_TARGET = Decimal("9999")

HOURS_NOT_A_NUMBER = "Please give the hours as a number, such as 1 or 1.5."
HOURS_TOO_FEW = "Please give at least a quarter of an hour (0.25)."
HOURS_TOO_MANY = "One entry can hold at most 12 hours. Split a longer stretch over its days."
HOURS_NOT_QUARTERS = "Please give hours in quarters of an hour: 0.25, 0.5, 0.75, 1, 1.25…"
DAY_OVER_24 = "That would make more than 24 hours on {day}: {total} hours are already recorded."
DAY_IN_FUTURE = "Hours can only be recorded for a day that has happened."
DAY_TOO_EARLY = "Please give a date after 1 January 1990."
TARGET_RANGE = "Please give a target between 1 and 9,999 hours."


def clean_hours(value: object) -> Decimal:
    """Hours for one entry: a positive number of quarter hours, from 0.25 to 12."""
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(HOURS_NOT_A_NUMBER) from None
    if not hours.is_finite():
        raise ValidationError(HOURS_NOT_A_NUMBER)
    if hours < MIN_HOURS:
        raise ValidationError(HOURS_TOO_FEW)
    if hours > MAX_HOURS_PER_ENTRY:
        raise ValidationError(HOURS_TOO_MANY)
    if hours % QUARTER != 0:
        raise ValidationError(HOURS_NOT_QUARTERS)
    return hours.quantize(Decimal("0.01"))


def clean_day(value: dt.date, *, today: dt.date | None = None) -> dt.date:
    if value > (today or timezone.localdate()):
        raise ValidationError(DAY_IN_FUTURE)
    if value < EARLIEST_DAY:
        raise ValidationError(DAY_TOO_EARLY)
    return value


def clean_target(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(1) <= value <= MAX_TARGET:
        raise ValidationError(TARGET_RANGE)
    return value


def supervisor_ids_of(person: User) -> set[int]:
    return set(
        Supervision.objects.active()
        .filter(supervisee=person, clinic=person.clinic)
        .values_list("supervisor_id", flat=True)
    )


def can_see_hours(viewer: User, person: User) -> bool:
    if viewer.clinic_id is None or viewer.clinic_id != person.clinic_id:
        return False
    return (
        viewer.pk == person.pk or viewer.is_clinic_admin or viewer.pk in supervisor_ids_of(person)
    )


def can_record_hours(viewer: User, person: User) -> bool:
    same_clinic = viewer.clinic_id is not None and viewer.clinic_id == person.clinic_id
    return same_clinic and (viewer.pk == person.pk or viewer.pk in supervisor_ids_of(person))


def can_set_target(viewer: User, person: User) -> bool:
    if viewer.clinic_id is None or viewer.clinic_id != person.clinic_id:
        return False
    return viewer.is_clinic_admin or viewer.pk in supervisor_ids_of(person)


def hours_add(
    *,
    person: User,
    by: User,
    on: dt.date,
    kind: str,
    hours: Decimal,
    note: str,
    form_key: uuid.UUID,
) -> tuple[HoursEntry, bool]:
    """Record hours. A second submit of the same form returns the first entry."""
    existing = HoursEntry.objects.filter(clinic=clinic_of(person), form_key=form_key).first()
    if existing:
        return existing, False
    hours, on = clean_hours(hours), clean_day(on)
    try:
        with transaction.atomic():
            # Locking the person serialises their entries, so two at once can't pass 24 h.
            User.objects.select_for_update().get(pk=person.pk)
            day = HoursEntry.objects.filter(person=person, on=on).aggregate(t=Sum("hours"))
            already = day["t"] or Decimal(0)
            if already + hours > MAX_HOURS_PER_DAY:
                raise ValidationError(DAY_OVER_24.format(day=f"{on:%-d %b %Y}", total=already))
            entry = HoursEntry(
                clinic=clinic_of(person),
                person=person,
                on=on,
                kind=HoursKind(kind),
                hours=hours,
                note=without_nul(note),
                recorded_by=by,
                form_key=form_key,
            )
            entry.full_clean(validate_unique=False)
            entry.save()
    except IntegrityError:
        return HoursEntry.objects.get(clinic=clinic_of(person), form_key=form_key), False
    return entry, True


@transaction.atomic
def target_set(*, person: User, by: User, kind: str, hours: Decimal) -> HoursTarget:
    target, _ = HoursTarget.objects.update_or_create(
        person=person,
        kind=HoursKind(kind),
        defaults={
            "clinic_id": person.clinic_id,
            "hours": clean_target(hours),
            "set_by": by,
            "set_at": timezone.now(),
        },
    )
    return target


def hours_text(value: Decimal | None) -> str:
    """2.50 → "2.5", 40.00 → "40": hours as a person writes them."""
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


@dataclass(frozen=True)
class Progress:
    kind: str
    label: str
    total: Decimal
    target: Decimal | None

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, int(self.total * 100 / self.target))

    @property
    def remaining(self) -> Decimal | None:
        return None if self.target is None else max(Decimal(0), self.target - self.total)

    def as_text(self) -> dict[str, str]:
        return {
            "total": hours_text(self.total),
            "target": hours_text(self.target),
            "remaining": hours_text(self.remaining),
        }


def progress_of(person: User) -> list[Progress]:
    totals = dict(
        HoursEntry.objects.filter(person=person)
        .values_list("kind")
        .annotate(t=Sum("hours"))
        .values_list("kind", "t")
    )
    targets = dict(HoursTarget.objects.filter(person=person).values_list("kind", "hours"))
    return [
        Progress(kind, str(label), totals.get(kind) or Decimal(0), targets.get(kind))
        for kind, label in HoursKind.choices
    ]
