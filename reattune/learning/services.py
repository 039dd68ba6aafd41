"""Everything that writes to the learning tables. Views and the demo call these; each one
checks who is writing, validates with `full_clean()` and saves in one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from reattune.clinics.http import clinic_of
from reattune.clinics.models import Clinic, User
from reattune.learning.access import OTHER_CLINIC, may_rate
from reattune.learning.models import (
    Competency,
    CompetencyRating,
    GoalNote,
    GoalStatus,
    LearningGoal,
    Reflection,
)
from reattune.repairs.models import Repair
from reattune.supervision.models import Meeting

ADMIN_ONLY = "Only a clinic admin can change the clinic's competency framework."
EVIDENCE_REQUIRED = "Say what you saw that supports this rating: the evidence is the record."
LEVEL_OFF_SCALE = "Choose a level from 1 (beginning) to 5 (independent)."
RATED_IN_FUTURE = "A rating can't be dated in the future."
INACTIVE_COMPETENCY = "That competency is no longer in use; choose an active one."
CORRECTS_OTHER = "A correction must replace an earlier rating of the same person and competency."
ALREADY_CORRECTED = "That rating has already been corrected; correct the newer one instead."
NOT_YOUR_REPAIR = "That repair isn't one you can see."
NOT_YOUR_MEETING = "You can reflect only on a supervision meeting you were part of."
NOT_YOUR_GOAL = "Only the person whose goal this is can change its status."
REVIEW_IN_PAST = "Choose a review date from today on."


def _admin(by: User, clinic: Clinic) -> None:
    if not by.is_clinic_admin or by.clinic_id != clinic.pk:
        raise PermissionDenied(ADMIN_ONLY)


def _unique_key(clinic: Clinic, title: str) -> str:
    base = slugify(title)[:50].replace("-", "_") or "competency"
    taken = set(Competency.objects.filter(clinic=clinic).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


@transaction.atomic
def competency_create(*, clinic: Clinic, by: User, title: str, description: str) -> Competency:
    _admin(by, clinic)
    last = Competency.objects.filter(clinic=clinic).order_by("-position").first()
    competency = Competency(
        clinic=clinic,
        key=_unique_key(clinic, title),
        title=title,
        description=description,
        position=(last.position + 1) if last else 1,
    )
    competency.full_clean()
    competency.save()
    return competency


@transaction.atomic
def competency_update(
    *, competency: Competency, by: User, title: str, description: str, active: bool
) -> Competency:
    """Retitle, redescribe or (de)activate. The key stays, and so do all its ratings."""
    _admin(by, competency.clinic)
    competency.title, competency.description, competency.active = title, description, active
    competency.full_clean()
    competency.save(update_fields=["title", "description", "active"])
    return competency


@transaction.atomic
def rating_record(
    *,
    person: User,
    competency: Competency,
    level: int,
    evidence: str,
    rated_by: User,
    rated_on: dt.date | None = None,
    corrects: CompetencyRating | None = None,
) -> CompetencyRating:
    """A new rating. A correction is another rating naming the one it replaces."""
    reason = may_rate(rated_by, person)
    if reason:
        raise PermissionDenied(reason)
    if competency.clinic_id != person.clinic_id:
        raise PermissionDenied(OTHER_CLINIC)
    if not competency.active:
        raise ValidationError({"competency": INACTIVE_COMPETENCY})
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": EVIDENCE_REQUIRED})
    if not isinstance(level, int) or not 1 <= level <= 5:
        raise ValidationError({"level": LEVEL_OFF_SCALE})
    rated_on = rated_on or timezone.localdate()
    if rated_on > timezone.localdate():
        raise ValidationError({"rated_on": RATED_IN_FUTURE})
    if corrects is not None:
        corrects = CompetencyRating.objects.select_for_update().get(pk=corrects.pk)
        if corrects.person_id != person.pk or corrects.competency_id != competency.pk:
            raise ValidationError(CORRECTS_OTHER)
        if CompetencyRating.objects.filter(corrects=corrects).exists():
            raise ValidationError(ALREADY_CORRECTED)
    rating = CompetencyRating(
        clinic=competency.clinic,
        person=person,
        competency=competency,
        level=level,
        evidence=evidence,
        rated_by=rated_by,
        rated_on=rated_on,
        corrects=corrects,
    )
    rating.full_clean()
    rating.save()
    return rating


@transaction.atomic
def reflection_create(
    *,
    person: User,
    prompt: str,
    text: str,
    repair: Repair | None = None,
    meeting: Meeting | None = None,
    about: str = "",
) -> Reflection:
    if repair is not None and not Repair.objects.for_user(person).filter(pk=repair.pk).exists():
        raise ValidationError({"repair": NOT_YOUR_REPAIR})
    if meeting is not None and person.pk not in (meeting.supervisor_id, meeting.supervisee_id):
        raise ValidationError({"meeting": NOT_YOUR_MEETING})
    reflection = Reflection(
        clinic=clinic_of(person),
        person=person,
        prompt=prompt,
        text=(text or "").strip(),
        repair=repair,
        meeting=meeting,
        about=about,
    )
    reflection.full_clean()
    reflection.save()
    return reflection


@transaction.atomic
def goal_create(
    *, person: User, title: str, why: str, practice_plan: str, review_on: dt.date
) -> LearningGoal:
    if review_on < timezone.localdate():
        raise ValidationError({"review_on": REVIEW_IN_PAST})
    goal = LearningGoal(
        clinic=clinic_of(person),
        person=person,
        title=title,
        why=why,
        practice_plan=practice_plan,
        review_on=review_on,
    )
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_note_add(*, goal: LearningGoal, by: User, text: str) -> GoalNote:
    note = GoalNote(clinic_id=goal.clinic_id, goal=goal, written_by=by, text=(text or "").strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def goal_status_set(*, goal: LearningGoal, by: User, status: str, note: str = "") -> LearningGoal:
    """Achieved, dropped or back to work on; the change itself is kept as a progress note."""
    if by.pk != goal.person_id:
        raise PermissionDenied(NOT_YOUR_GOAL)
    if status not in GoalStatus.values:
        raise ValidationError({"status": "Choose working on it, achieved or dropped."})
    goal = LearningGoal.objects.select_for_update().get(pk=goal.pk)
    if goal.status != status:
        goal.status = status
        goal.save(update_fields=["status"])
        label = GoalStatus(status).label
        goal_note_add(goal=goal, by=by, text=f"Status: {label}. {note}".strip())
    elif note:
        goal_note_add(goal=goal, by=by, text=note)
    return goal
