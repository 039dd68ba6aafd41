"""How often a task may run, and what happens when a run ends badly.

A task's attempts are its claims: django-tasks-db appends the worker's id to `worker_ids` each
time a worker takes it, so the list's length is how many times it has started.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, TypeAlias

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from reattune.lib.logs import traceback_without_messages

logger = logging.getLogger(__name__)

# One queued task: django-tasks-db's row, generic in the task's parameters and return value.
TaskRow: TypeAlias = "DBTaskResult[Any, Any]"

# Tasks that must run fewer times than TASK_MAX_ATTEMPTS. None now: the import, once here,
# takes its job over on a later attempt when an earlier one's worker was lost
# (reattune/imports/tasks.py), and its DONE commits with its rows, so it never imports twice.
MAX_ATTEMPTS_BY_TASK: dict[str, int] = {}

# What a task that has failed for good leaves to set right: task path → the dotted path of a
# function called with the task's own arguments, in the same transaction. An import's job would
# otherwise say "Importing" for ever, and block erasing the clients its file names.
ON_FAILED_FOR_GOOD = {"reattune.imports.tasks.run_import": "reattune.imports.tasks.import_lost"}

READY = "READY"
RUNNING = "RUNNING"
FAILED = "FAILED"
SUCCESSFUL = "SUCCESSFUL"
ERROR_FIELDS = ("exception_class_path", "traceback", "return_value")


class WorkerLost(Exception):
    """The worker running the task stopped (killed, or its machine went down) before the
    task finished. Recorded as the error of a task recovered from a dead worker."""


def max_attempts(task_path: str) -> int:
    return MAX_ATTEMPTS_BY_TASK.get(task_path, settings.TASK_MAX_ATTEMPTS)


def attempts_of(row: TaskRow) -> int:
    return len(row.worker_ids)


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s after the first failure, 60 s after the second, and so on (TASK_RETRY_SECONDS)."""
    return dt.timedelta(seconds=settings.TASK_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def error_class_path(error: BaseException) -> str:
    return f"{type(error).__module__}.{type(error).__qualname__}"


def attempt_failed(row: TaskRow, error: BaseException) -> bool:
    """Record that this run of `row` raised `error`: back in the queue after a pause if it has
    attempts left, failed for good otherwise. True if it will run again.

    The stored traceback keeps the lines of code but not the exception's message, which can
    quote client data; the full record goes to the server log."""
    attempts, allowed = attempts_of(row), max_attempts(row.task_path)
    row.exception_class_path = error_class_path(error)
    row.traceback = traceback_without_messages(error)
    row.return_value = None
    again = attempts < allowed
    if again:
        row.status = READY
        row.run_after = timezone.now() + retry_delay(attempts)
        row.save(
            update_fields=[
                "status",
                "run_after",
                "exception_class_path",
                "traceback",
                "return_value",
            ]
        )
        logger.warning(
            "Task %s (%s) failed on attempt %s of %s with %s; it runs again after %s",
            row.pk, row.task_path, attempts, allowed, row.exception_class_path, row.run_after,
        )  # fmt: skip
        return True
    row.status = FAILED
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "finished_at", *ERROR_FIELDS])
    logger.error(
        "Task %s (%s) failed for good after %s attempt(s)",
        row.pk, row.task_path, attempts, exc_info=error,
    )  # fmt: skip
    _failed_for_good(row)
    return False


def _failed_for_good(row: TaskRow) -> None:
    path = ON_FAILED_FOR_GOOD.get(row.task_path)
    if path is None:
        return
    try:
        with transaction.atomic():
            import_string(path)(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    except Exception:
        # The task stays failed and listed for the admin either way; the log says what else
        # could not be set right.
        logger.exception("Task %s failed for good, and %s failed too", row.pk, path)


def locked_if_ours(row: TaskRow, worker_id: str) -> TaskRow | None:
    """The row, locked, if this worker still holds it: a worker that was presumed dead (too
    slow to beat) must not overwrite the run another worker has since started."""
    assert transaction.get_connection().in_atomic_block
    current = DBTaskResult.objects.select_for_update().filter(pk=row.pk).first()
    if current is None or current.status != RUNNING or current.worker_ids[-1:] != [worker_id]:
        logger.warning(
            "Task %s was taken over by another worker; this run's end is dropped", row.pk
        )
        return None
    return current
