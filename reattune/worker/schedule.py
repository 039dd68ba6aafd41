"""The periodic jobs, run by the worker itself: no cron, no second service.

Every housekeeping round, each worker asks which jobs have a slot due (today's, for a daily job
past its time; the current hour, for an hourly one) and tries to insert a ScheduledRun row for
it in the same transaction as the job's tasks. The row is unique per (job, slot): a second
worker's insert fails, its transaction rolls back, and the job is enqueued exactly once. A
worker that was stopped over a job's time runs it when it comes back, the same day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from reattune.worker.backend import QueueFull
from reattune.worker.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    what: str  # in an admin's words, for the docs and the failed tasks page
    enqueue: Callable[[], int]  # enqueues the job's tasks; returns how many
    daily_at: str = ""  # the name of a setting holding a datetime.time (None: never runs)
    every: dt.timedelta | None = None

    def slot(self, now: dt.datetime) -> str | None:
        """The slot due at `now`, or None if none is (a daily job before its time)."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            start = int(now.timestamp()) // seconds * seconds
            return dt.datetime.fromtimestamp(start, tz=dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
        local, at = timezone.localtime(now), getattr(settings, self.daily_at)
        if at is None or local.time() < at:  # None: the job is turned off ("off")
            return None
        return local.date().isoformat()


def jobs() -> list[Job]:
    from reattune.worker import tasks

    return [
        Job("recalibrate", "Recalibrate expected responses", tasks.recalibrate_enqueue,
            daily_at="RECALIBRATE_AT"),
        Job("learning_figures", "Compute the learning page's clinic figures",
            tasks.learning_figures_enqueue, daily_at="RECALIBRATE_AT"),
        Job("escalate_obligations", "Escalate overdue obligations", tasks.escalate_enqueue,
            daily_at="ESCALATE_AT"),
        Job("raise_alerts", "Raise missing alerts", tasks.raise_alerts_enqueue,
            every=dt.timedelta(hours=1)),
        Job("clear_expired_links", "Clear expired check links", tasks.clear_links_enqueue,
            daily_at="CLEAR_LINKS_AT"),
        Job("link_reminders", "Remind clients of unanswered checks", tasks.reminders_enqueue,
            every=dt.timedelta(minutes=15)),
        Job("session_reminders", "Remind clients of tomorrow's sessions",
            tasks.session_reminders_enqueue, daily_at="SESSION_REMINDER_AT"),
        Job("sweep_uploads", "Delete abandoned uploads", tasks.sweep_uploads_enqueue,
            every=dt.timedelta(hours=1)),
        Job("prune_tasks", "Prune old task records", tasks.prune_enqueue,
            daily_at="PRUNE_TASKS_AT"),
    ]  # fmt: skip


def due_jobs_enqueue(*, now: dt.datetime) -> list[ScheduledRun]:
    """Enqueue every job whose current slot no worker has enqueued yet; return the runs
    this call made."""
    made = []
    for job in jobs():
        slot = job.slot(now)
        if slot is None or ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot, enqueued_at=now)
                run.tasks = job.enqueue()
                run.save(update_fields=["tasks"])
        except IntegrityError:
            continue  # another worker took this slot a moment ago
        except QueueFull:
            logger.error("Job %s for %s not enqueued: the task queue is full", job.name, slot)
            continue
        logger.info("Enqueued %s for %s (%s tasks)", job.name, slot, run.tasks)
        made.append(run)
    return made
