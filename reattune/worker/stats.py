"""Numbers about the task queue, for the metrics page and for tests.

queue_depth(clinic_id)   tasks waiting to run now, and how long the oldest has waited
running_count(clinic_id) tasks being run by a worker
                         (both: with a clinic id, that clinic's tasks only; without, all)
failed_count(clinic_id)  failed tasks no admin has dealt with, for one clinic; with
                         clinic_id=None, those that concern no one clinic
workers_alive()          workers heard from within the lease
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.worker.attempts import RUNNING, TaskRow
from reattune.worker.failed import clinic_failures, installation_failures
from reattune.worker.liveness import lease
from reattune.worker.models import WorkerHeartbeat


@dataclass(frozen=True)
class QueueDepth:
    ready: int
    oldest_ready_age: dt.timedelta | None  # None when nothing is waiting


def queue_depth(*, now: dt.datetime | None = None, clinic_id: int | None = None) -> QueueDepth:
    now = now or timezone.now()
    ready = _of_clinic(DBTaskResult.objects.ready(), clinic_id)
    found = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return QueueDepth(ready=ready.count(), oldest_ready_age=now - found if found else None)


def running_count(*, clinic_id: int | None = None) -> int:
    return _of_clinic(DBTaskResult.objects.filter(status=RUNNING), clinic_id).count()


def _of_clinic(tasks: QuerySet[TaskRow], clinic_id: int | None) -> QuerySet[TaskRow]:
    """A clinic's tasks are those with its `clinic_id` argument (as for failed tasks): a clinic
    admin sees their own clinic's work, never how busy other clinics are."""
    if clinic_id is None:
        return tasks
    return tasks.filter(args_kwargs__kwargs__clinic_id=clinic_id)


def failed_count(clinic_id: int | None) -> int:
    if clinic_id is None:
        return installation_failures().count()
    return clinic_failures(clinic_id).count()


def workers_alive(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(last_seen_at__gte=now - lease()).count()
