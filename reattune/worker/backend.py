"""The database task backend, with a cap on how many tasks may wait.

A queue that only grows (the worker stopped, or something enqueues in a loop) would otherwise
turn every request that enqueues into a slower one and hide the problem for hours. Past
TASK_QUEUE_LIMIT waiting tasks, enqueueing raises QueueFull at once, with words a person can
act on. Urgent tasks (priority URGENT_PRIORITY and above: an urgent alert's email) are never
refused, and run first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.backend import DatabaseBackend, TaskResult
from django_tasks_db.models import DBTaskResult

URGENT_PRIORITY = 50
QUEUE_FULL = (
    "The background queue is full ({waiting} tasks are waiting), so this was not queued. "
    "Check that `reattune worker` is running (docs/worker.md), then try again."
)


class QueueFull(Exception):
    """Too many tasks are waiting to run."""


class QueueBackend(DatabaseBackend):
    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult[Any, Any]:
        if task.priority < URGENT_PRIORITY:
            limit = settings.TASK_QUEUE_LIMIT
            # Counting stops at the limit: a long queue costs no more to check than a full one.
            waiting = DBTaskResult.objects.filter(status="READY")[:limit].count()
            if waiting >= limit:
                raise QueueFull(QUEUE_FULL.format(waiting=waiting))
        return super().enqueue(task, args, kwargs)
