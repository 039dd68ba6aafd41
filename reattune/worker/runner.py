"""The worker loop: django-tasks-db's Worker, with heartbeats, retries, recovery of tasks
left by dead workers, and the periodic jobs' scheduler.

Claiming is django-tasks-db's own (an exclusive transaction, SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL), so two workers never take the same task.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from reattune.worker.attempts import READY, TaskRow, attempt_failed, locked_if_ours
from reattune.worker.liveness import (
    HeartbeatThread,
    abandoned_tasks_recover,
    heartbeat,
    heartbeat_start,
    heartbeat_stop,
)
from reattune.worker.schedule import due_jobs_enqueue

logger = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


def _connections_checked() -> None:
    """Drop a database connection that has gone bad or old, as Django does between requests.
    Never inside a transaction: a test runs the worker inside its own."""
    if not connection.in_atomic_block:
        close_old_connections()


class ReattuneWorker(Worker):
    def __init__(
        self,
        *,
        backend_name: str = "default",
        interval: float = 1.0,
        batch: bool = False,
        max_tasks: int | None = None,
        worker_id: str | None = None,
        schedule: bool = True,
        housekeeping_seconds: float = 15.0,
        parent_pid: int | None = None,
    ) -> None:
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or new_worker_id(),
            excluded_queue_names=[],
        )
        self.schedule = schedule
        self.housekeeping_seconds = housekeeping_seconds
        self.parent_pid = parent_pid
        self._last_housekeeping = float("-inf")

    def run(self) -> None:
        heartbeat_start(self.worker_id)
        logger.info("Worker %s started (pid %s)", self.worker_id, os.getpid())
        try:
            self._loop()
        finally:
            try:
                heartbeat_stop(self.worker_id)
            except Exception:  # the database may be what stopped us
                logger.warning("Worker %s could not remove its heartbeat", self.worker_id)
            logger.info("Worker %s stopped", self.worker_id)

    def _loop(self) -> None:
        while self.running:
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                logger.warning("Worker %s: its parent process has gone; stopping", self.worker_id)
                return
            _connections_checked()
            # Marked busy, so that SIGTERM here lets the round finish (a task claimed is run)
            # instead of exiting between the claim and the run.
            self.running_task = True
            self.housekeeping()
            row, looked = self.claim_next()
            if row is not None:
                self.run_task(row)
            self.running_task = False
            if self.batch and looked and row is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and row is None:
                time.sleep(self.interval)

    def housekeeping(self) -> None:
        """Beat, take back dead workers' tasks and enqueue due periodic jobs: every
        housekeeping_seconds, not on every poll."""
        now = time.monotonic()
        if now - self._last_housekeeping < self.housekeeping_seconds:
            return
        self._last_housekeeping = now
        try:
            heartbeat(self.worker_id)
            abandoned_tasks_recover()
            if self.schedule:
                due_jobs_enqueue(now=timezone.now())
        except OperationalError as e:
            if not is_locked_database_exception(e):
                raise
            logger.info("The database was busy; housekeeping waits for the next round")

    def claim_next(self) -> tuple[TaskRow | None, bool]:
        """The next ready task, claimed for this worker; and whether the queue could be read."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(tasks.db):
                row = tasks.get_locked()
                if row is not None:
                    row.claim(self.worker_id)
        except OperationalError as e:
            if is_locked_database_exception(e):
                return None, False
            raise
        return row, True

    def run_task(self, db_task_result: TaskRow) -> None:
        row = db_task_result
        self.running_task = True
        beat = HeartbeatThread(self.worker_id)
        beat.start()
        try:
            self._run(row)
        except (KeyboardInterrupt, SystemExit):
            # Stopped by force mid-task (a second Ctrl+C): the run does not count against it.
            self._release(row)
            raise
        finally:
            beat.stop()
            self.running_task = False
            self._run_tasks += 1

    def _run(self, row: TaskRow) -> None:
        try:
            task = row.task
            backend_type = type(task.get_backend())
            result = row.task_result
            task_started.send(sender=backend_type, task_result=result)
            args, kwargs = result.args, result.kwargs
            if task.takes_context:
                value = task.call(TaskContext(task_result=result), *args, **kwargs)
            else:
                value = task.call(*args, **kwargs)
        except Exception as error:
            with transaction.atomic():
                if (current := locked_if_ours(row, self.worker_id)) is not None:
                    attempt_failed(current, error)
            return
        with transaction.atomic():
            if (current := locked_if_ours(row, self.worker_id)) is None:
                return
            try:
                with transaction.atomic():
                    current.set_successful(value)
            except Exception as error:  # a return value that cannot be stored as JSON
                attempt_failed(current, error)
                return
        task_finished.send(sender=backend_type, task_result=current.task_result)

    def _release(self, row: TaskRow) -> None:
        with transaction.atomic():
            if (current := locked_if_ours(row, self.worker_id)) is not None:
                current.status = READY
                current.worker_ids = current.worker_ids[:-1]
                current.save(update_fields=["status", "worker_ids"])
