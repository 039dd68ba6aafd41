"""Pruning the worker's own records, so the queue table does not grow for ever.

Kept: every task still waiting or running, and every failed task no admin has dealt with
(nothing fails out of sight). Deleted after TASK_RESULT_DAYS: successful tasks, failed ones an
admin dismissed or retried, scheduled-run rows, and session reminders (their session is long
past); after a day, heartbeats of workers gone."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.worker.attempts import FAILED, SUCCESSFUL
from reattune.worker.models import (
    HandledFailure,
    ScheduledRun,
    SessionReminder,
    WorkerHeartbeat,
)

GONE_WORKERS_AFTER = dt.timedelta(days=1)


@transaction.atomic
def records_prune(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.TASK_RESULT_DAYS)
    handled = HandledFailure.objects.filter(handled_at__lt=before)
    old = DBTaskResult.objects.filter(finished_at__lt=before)
    deleted, _ = (
        old.filter(status=SUCCESSFUL) | old.filter(status=FAILED, id__in=handled.values("task_id"))
    ).delete()
    handled.exclude(task_id__in=DBTaskResult.objects.values("id")).delete()
    ScheduledRun.objects.filter(enqueued_at__lt=before).delete()
    SessionReminder.objects.filter(enqueued_at__lt=before).delete()
    WorkerHeartbeat.objects.filter(last_seen_at__lt=now - GONE_WORKERS_AFTER).delete()
    return int(deleted)
