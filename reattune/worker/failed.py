"""Failed tasks as a clinic admin sees them: which job, when, how many attempts, the kind of
error. Never the arguments or the traceback (they can hold client data; the traceback is in
the server log). A task belongs to a clinic through its `clinic_id` argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from reattune.clinics.models import Clinic, User
from reattune.worker.attempts import FAILED, TaskRow, attempts_of
from reattune.worker.models import HandledFailure

TASK_WORDS = {
    "reattune.checks.tasks.email_check_link": "Emailing a check link to a client",
    "reattune.checks.tasks.email_link_reminder": "Reminding a client of their check",
    "reattune.checks.tasks.email_session_reminder": "Reminding a client of tomorrow's session",
    "reattune.alerts.tasks.email_urgent_alert": "Emailing clinicians about an urgent alert",
    "reattune.alerts.tasks.raise_alerts_for_session": "Checking a client's new answers for signals",
    "reattune.imports.tasks.run_import": "Importing a file of scores",
    "reattune.worker.tasks.recalibrate_clinic": "Recalibrating expected responses (nightly)",
    "reattune.worker.tasks.refresh_learning_figures": (
        "Computing the learning page's clinic figures (nightly)"
    ),
    "reattune.worker.tasks.raise_missing_alerts": "Raising any missing alerts (hourly)",
    "reattune.worker.tasks.clear_expired_links": "Clearing expired check links (daily)",
    "reattune.worker.tasks.send_link_reminders": "Finding check links to remind clients of",
    "reattune.worker.tasks.send_session_reminders": (
        "Finding tomorrow's sessions to remind clients of (daily)"
    ),
    "reattune.worker.tasks.escalate_overdue_obligations": "Escalating overdue obligations",
    "reattune.worker.tasks.sweep_uploads": "Deleting abandoned import uploads",
    "reattune.worker.tasks.prune_task_results": "Pruning old background task records",
}
ERROR_WORDS = {
    "reattune.worker.attempts.WorkerLost": "the worker stopped while running it",
    "smtplib.SMTPException": "the mail server refused the email",
    "ConnectionRefusedError": "the mail server could not be reached",
    "builtins.ConnectionRefusedError": "the mail server could not be reached",
    "builtins.TimeoutError": "it took too long and was stopped",
}
NO_TASK = "No failed task with that id in this clinic."
TASK_GONE = (
    "This task can't be retried: this version of Reattune no longer has it. Dismiss it, and "
    "tell your administrator if the work still needs doing."
)


class TaskGone(Exception):
    """The failed task's function is not in this version of Reattune (an upgrade removed or
    renamed it), so there is nothing to retry."""


@dataclass(frozen=True)
class FailedTask:
    id: UUID
    what: str
    enqueued_at: datetime
    failed_at: datetime | None
    attempts: int
    error: str  # the exception's class, e.g. SMTPServerDisconnected
    error_words: str  # what it means, when we know


def task_words(task_path: str) -> str:
    if task_path in TASK_WORDS:
        return TASK_WORDS[task_path]
    return task_path.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _described(row: TaskRow) -> FailedTask:
    path = row.exception_class_path
    return FailedTask(
        id=row.id,
        what=task_words(row.task_path),
        enqueued_at=row.enqueued_at,
        failed_at=row.finished_at,
        attempts=attempts_of(row),
        error=path.rsplit(".", 1)[-1] or "unknown",
        error_words=ERROR_WORDS.get(path, ""),
    )


def unhandled_failures() -> QuerySet[TaskRow]:
    return DBTaskResult.objects.filter(status=FAILED).exclude(
        id__in=HandledFailure.objects.values("task_id")
    )


def clinic_failures(clinic_id: int) -> QuerySet[TaskRow]:
    return unhandled_failures().filter(args_kwargs__kwargs__clinic_id=clinic_id)


def installation_failures() -> QuerySet[TaskRow]:
    """Failed jobs that concern no one clinic (pruning, the uploads sweep): the server's
    operator deals with them, from the log."""
    return unhandled_failures().exclude(args_kwargs__kwargs__has_key="clinic_id")


def failed_tasks_for_clinic(clinic: Clinic) -> list[FailedTask]:
    rows = clinic_failures(clinic.pk).order_by("-finished_at")[:200]
    return [_described(row) for row in rows]


def get_failed_task_for_admin(clinic: Clinic, task_id: UUID) -> TaskRow:
    row = clinic_failures(clinic.pk).filter(id=task_id).first()
    if row is None:
        raise Http404(NO_TASK)
    return row


@transaction.atomic
def failed_task_retry(*, row: TaskRow, by: User) -> str:
    """Enqueue the task afresh (a full set of attempts) and take the failed one off the list;
    return the new task's id. QueueFull if the queue is full; TaskGone, and the failed task
    stays listed, if this version of Reattune no longer has the task."""
    # The task as its module defines it, to run now: not `row.task`, which carries the failed
    # attempt's retry time (and the immediate backend refuses a task with one).
    task = _task_now(row.task_path).using(priority=row.priority, queue_name=row.queue_name)
    result = task.enqueue(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    HandledFailure.objects.create(
        task_id=row.id, clinic_id=by.clinic_id, handled_by=by, retried_as=_queued_id(result.id)
    )
    return str(result.id)


def _task_now(task_path: str) -> Task[..., Any]:
    try:
        found = import_string(task_path)
    except ImportError:  # the module or the function is gone
        raise TaskGone(TASK_GONE) from None
    if not isinstance(found, Task):  # the name now belongs to something else
        raise TaskGone(TASK_GONE)
    return found


def _queued_id(task_id: str) -> UUID | None:
    """The new task's row in the queue; none when the immediate backend ran it at once (its
    ids are not the queue's)."""
    try:
        return UUID(task_id)
    except ValueError:
        return None


def failed_task_dismiss(*, row: TaskRow, by: User) -> None:
    HandledFailure.objects.get_or_create(
        task_id=row.id, defaults={"clinic_id": by.clinic_id, "handled_by": by}
    )
