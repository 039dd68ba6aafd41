"""Knowing which workers are alive, and taking back the tasks of those that are not.

Each worker keeps a WorkerHeartbeat row fresh: between tasks from its main loop, and during a
task from a small thread (a task may run for minutes). A task left RUNNING by a worker whose
heartbeat is older than WORKER_LEASE_SECONDS goes back in the queue for another attempt, or,
with no attempts left, is failed with WorkerLost for the admin to see.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from reattune.worker.attempts import RUNNING, WorkerLost, attempt_failed
from reattune.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)


SAME_NAME = (
    "A worker named {worker_id} is already running (pid {pid} on {host}, seen {seconds:.0f} s "
    "ago). Give each worker its own --worker-id, or leave it out to get a unique one."
)


class WorkerNameTaken(Exception):
    """Another live worker already uses this --worker-id."""


def heartbeat_start(worker_id: str) -> None:
    """Record this worker as alive; WorkerNameTaken if a live one already has its name (two
    workers under one name would each take the other's tasks for its own)."""
    other = WorkerHeartbeat.objects.filter(
        worker_id=worker_id, last_seen_at__gte=timezone.now() - lease()
    ).first()
    if other is not None and (other.pid, other.host) != (os.getpid(), socket.gethostname()):
        seconds = (timezone.now() - other.last_seen_at).total_seconds()
        raise WorkerNameTaken(
            SAME_NAME.format(worker_id=worker_id, pid=other.pid, host=other.host, seconds=seconds)
        )
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": timezone.now(),
            "last_seen_at": timezone.now(),
        },
    )


def heartbeat(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen_at=timezone.now())


def heartbeat_stop(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class HeartbeatThread(threading.Thread):
    """Beats every quarter lease while the main thread runs a task."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.every = settings.WORKER_LEASE_SECONDS / 4
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(self.every):
                try:
                    heartbeat(self.worker_id)
                except DatabaseError:
                    # A busy SQLite file: the next beat tries again, well within the lease.
                    logger.warning("Worker %s could not record its heartbeat", self.worker_id)
        finally:
            connections.close_all()  # this thread's own connection

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=10)


def abandoned_tasks_recover(*, now: dt.datetime | None = None) -> int:
    """Put back (or fail, if out of attempts) every task whose worker is gone; return how many.

    A task younger than the lease is never touched, whoever holds it: a worker that has just
    started may not have been seen yet."""
    now = now or timezone.now()
    cutoff = now - lease()
    recovered = 0
    with exclusive_transaction(DBTaskResult.objects.db):
        stale = list(
            DBTaskResult.objects.filter(status=RUNNING, started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .order_by("started_at")
        )
        alive = set(
            WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).values_list(
                "worker_id", flat=True
            )
        )
        for row in stale:
            owner = row.worker_ids[-1] if row.worker_ids else ""
            if owner in alive:
                continue
            logger.warning("Task %s was left running by worker %s, which has gone", row.pk, owner)
            attempt_failed(row, WorkerLost(f"worker {owner} stopped during the task"))
            recovered += 1
    return recovered
