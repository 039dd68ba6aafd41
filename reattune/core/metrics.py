"""The numbers on the clinic admin's metrics page: is background work keeping up, and what has
Reattune noticed lately. Counts only; nothing here names a client.

Each figure is one aggregate query, so the page costs the same for a clinic of ten clients or a
hundred thousand (tests/core/test_metrics.py counts them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from reattune.alerts.models import Alert, Severity
from reattune.checks.models import CheckLink, Response
from reattune.clinics.models import Clinic
from reattune.worker.stats import (
    QueueDepth,
    failed_count,
    queue_depth,
    running_count,
    workers_alive,
)

DAYS_SHOWN = 30


@dataclass(frozen=True)
class Day:
    day: dt.date
    signals: int
    urgent: int
    answers: int


@dataclass(frozen=True)
class BackgroundWork:
    queue: QueueDepth
    running: int
    failed_here: int
    workers_alive: int

    @property
    def oldest_wait(self) -> str:
        """How long the oldest waiting task has waited, in words; empty when none waits."""
        age = self.queue.oldest_ready_age
        if age is None:
            return ""
        minutes = int(age.total_seconds() // 60)
        if minutes < 1:
            return "less than a minute"
        if minutes < 120:
            return f"{minutes} minute{'s' if minutes != 1 else ''}"
        return f"{minutes // 60} hours"


@dataclass(frozen=True)
class Metrics:
    work: BackgroundWork
    days: list[Day]
    links_sent: int
    links_answered: int

    @property
    def signals_total(self) -> int:
        return sum(d.signals for d in self.days)

    @property
    def answer_rate(self) -> int | None:
        """Per cent of the period's check links that were answered."""
        if not self.links_sent:
            return None
        return round(100 * self.links_answered / self.links_sent)


def clinic_metrics(clinic: Clinic, *, today: dt.date | None = None) -> Metrics:
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=DAYS_SHOWN - 1)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    signals = {
        row["day"]: row
        for row in Alert.objects.filter(clinic=clinic, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"), urgent=Count("id", filter=Q(severity=Severity.URGENT)))
    }
    answers = {
        row["day"]: row["n"]
        for row in Response.objects.filter(clinic=clinic, submitted_at__gte=since)
        .annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("id"))
    }
    links = CheckLink.objects.filter(clinic=clinic, created_at__gte=since).aggregate(
        sent=Count("id"), answered=Count("id", filter=Q(used_at__isnull=False))
    )
    days = []
    for offset in range(DAYS_SHOWN):
        day = today - dt.timedelta(days=offset)
        row = signals.get(day, {})
        days.append(
            Day(
                day=day,
                signals=row.get("n", 0),
                urgent=row.get("urgent", 0),
                answers=answers.get(day, 0),
            )
        )
    return Metrics(
        work=BackgroundWork(
            queue=queue_depth(clinic_id=clinic.pk),
            running=running_count(clinic_id=clinic.pk),
            failed_here=failed_count(clinic.pk),
            workers_alive=workers_alive(),
        ),
        days=days,
        links_sent=links["sent"],
        links_answered=links["answered"],
    )
