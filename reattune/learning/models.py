"""Competencies, reflections and learning goals: what a clinician's learning page is made of.

Ratings are records: a correction is a new rating that names the one it corrects, never an
edit. A competency is never deleted either (that would take its ratings with it); the clinic
admin deactivates it instead, and its ratings stay on every chart they were part of.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import ClinicFromParent
from reattune.vault.fields import EncryptedTextField

# Each record carries its clinic (the person's) so that every row belongs to exactly one clinic,
# and `reattune demo --reset` can remove a clinic's rows as it does every other app's.

USER = settings.AUTH_USER_MODEL
TITLE_LIMIT = 120
TEXT_LIMIT = 4000


class Level(models.IntegerChoices):
    """A stated 1-5 scale with an anchor at every point, so two supervisors mean the same."""

    BEGINNING = 1, "1 · Beginning: needs close guidance to do this"
    DEVELOPING = 2, "2 · Developing: does this with prompting in supervision"
    COMPETENT_WITH_SUPPORT = 3, "3 · Competent with support: does this reliably, with supervision"
    PROFICIENT = 4, "4 · Proficient: does this well and knows when to ask for help"
    INDEPENDENT = 5, "5 · Independent: does this unaided and could teach it"


LEVEL_MIN, LEVEL_MAX = Level.BEGINNING.value, Level.INDEPENDENT.value


class Competency(models.Model):
    """One line of a clinic's framework. `key` is stable; title and description may change."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="competencies")
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=TITLE_LIMIT)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="competency_key_once_per_clinic")
        ]
        ordering = ["position", "pk"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return self.title


class CompetencyRating(models.Model):
    """A supervisor's (or clinic admin's) judgement of one competency on one day, with the
    evidence for it. Never edited: `corrects` points at the rating a new one replaces."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="competency_ratings")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="ratings")
    rated_on = models.DateField(default=timezone.localdate)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    evidence = EncryptedTextField()
    rated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(rated_by=models.F("person")), name="no_self_rating"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=LEVEL_MIN, level__lte=LEVEL_MAX),
                name="rating_level_on_the_scale",
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="rating_has_evidence"),
        ]
        ordering = ["rated_on", "pk"]
        indexes = [
            models.Index(fields=["person", "rated_on"]),
            models.Index(fields=["clinic", "person", "rated_on"], name="rating_clinic_person_day"),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.level} on {self.rated_on}"


class Prompt(models.TextChoices):
    """The guided journal's questions: short, and about what the clinician can learn."""

    NOTICED = "noticed", "What did you notice first?"
    DIFFERENTLY = "differently", "What would you do differently?"
    HELPED = "helped", "What helped the repair?"
    FELT = "felt", "What did you feel, and what did you do with it?"
    TAKE = "take", "What will you take into your next session?"


class Reflection(models.Model):
    """A short journal entry, after a repair or a supervision meeting. Private to the
    clinician and their supervisors; never shown to clinic admins."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="reflections")
    created_at = models.DateTimeField(default=timezone.now)
    prompt = models.CharField(max_length=20, choices=Prompt.choices)
    text = EncryptedTextField()
    repair = models.ForeignKey(
        "repairs.Repair",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reflections",
    )
    meeting = models.ForeignKey(
        "supervision.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reflections",
    )
    # Anything else the reflection is about, in the clinician's words.
    about = EncryptedTextField(max_length=TITLE_LIMIT, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "person", "-created_at"], name="reflection_clinic_person"
            )
        ]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="reflection_has_text")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Reflection by {self.person} on {self.created_at:%d %b %Y}"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "Dropped"


class LearningGoalQuerySet(models.QuerySet["LearningGoal"]):
    def active(self) -> LearningGoalQuerySet:
        return self.filter(status=GoalStatus.ACTIVE)


class LearningGoal(models.Model):
    """A goal with a deliberate-practice plan: what to practise, how, and when to look again."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="learning_goals")
    title = EncryptedTextField(max_length=TITLE_LIMIT)
    why = EncryptedTextField()
    practice_plan = EncryptedTextField()
    review_on = models.DateField()
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LearningGoalQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "person", "status", "review_on"], name="goal_clinic_person_status"
            )
        ]
        ordering = ["review_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def is_due(self, today: Any = None) -> bool:
        return self.status == GoalStatus.ACTIVE and self.review_on <= (
            today or timezone.localdate()
        )


class GoalNote(ClinicFromParent, models.Model):
    """Progress on a goal, one row each: notes are added, never edited."""

    clinic_parent = "goal"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(LearningGoal, on_delete=models.CASCADE, related_name="notes")
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    text = EncryptedTextField()

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "goal", "written_at"], name="goalnote_clinic_goal")
        ]
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.goal} by {self.written_by}"


class ClinicFigures(models.Model):
    """The clinic-wide half of the learning page for one period, as of one day: the share of
    cases on track and the alliance by month, across every case of the clinic.

    Reading them live means averaging every alliance check of the period (a million rows in a
    clinic of 100,000 clients, seconds a page view); they change slowly, so the worker computes
    them nightly (`reattune.learning.figures`) and the page reads one row. Counts and means
    only: nothing here names a client."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    as_of = models.DateField()
    computed_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "period", "as_of"], name="clinic_figures_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Learning figures for clinic {self.clinic_id}, period {self.period}, {self.as_of}"
