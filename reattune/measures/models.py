"""Which measures a clinic runs, and how often. The measures themselves are files."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from reattune.clinics.models import Clinic
from reattune.measures.registry import all_definitions


class MeasureScheduleQuerySet(models.QuerySet["MeasureSchedule"]):
    def due_at(self, clinic: Clinic, session_number: int) -> list[str]:
        """Measure ids due at this session number, in the clinic's order. Session 1 (intake)
        gets every active measure; after that, each measure every Nth session."""
        loaded = all_definitions()
        return [
            s.measure_id
            for s in self.filter(clinic=clinic, active=True).order_by("position", "pk")
            # A measure whose file was removed is skipped rather than breaking the check.
            if s.measure_id in loaded and (session_number - 1) % s.every_n_sessions == 0
        ]


class MeasureSchedule(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="measure_schedule")
    measure_id = models.CharField(max_length=40)
    every_n_sessions = models.PositiveSmallIntegerField(
        default=1, help_text="1 means after every session; 4 means sessions 1, 5, 9 and so on."
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = MeasureScheduleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "measure_id"], name="measure_once_per_clinic"
            ),
            models.CheckConstraint(
                condition=Q(every_n_sessions__gte=1), name="measure_every_n_at_least_one"
            ),
        ]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.measure_id} every {self.every_n_sessions} session(s)"

    def clean(self) -> None:
        if self.measure_id not in all_definitions():
            raise ValidationError(
                {"measure_id": f"There is no measure called {self.measure_id!r}."}
            )
