"""Run background tasks and the periodic jobs (docs/worker.md).

    reattune worker                 run until stopped (SIGTERM finishes the current task first)
    reattune worker --batch         run every task that is ready, then exit
    reattune worker --no-schedule   run tasks only; leave the periodic jobs to other workers

Start as many as you like: each task runs once, and each periodic job is enqueued once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from reattune.worker.liveness import WorkerNameTaken
from reattune.worker.runner import ReattuneWorker

NOT_DATABASE = (
    "`reattune worker` runs tasks queued in the database, but REATTUNE_TASK_BACKEND is "
    "{name!r}, so tasks are not queued there. Set REATTUNE_TASK_BACKEND=database for the web "
    "server and the worker alike (docs/worker.md)."
)


class Command(BaseCommand):
    help = "Run queued background tasks and the periodic jobs, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at an empty queue."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is ready, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many.")
        parser.add_argument("--worker-id", default=None, help="Unique name (default: generated).")
        parser.add_argument(
            "--no-schedule",
            dest="schedule",
            action="store_false",
            help="Do not enqueue the periodic jobs from this worker.",
        )
        parser.add_argument(
            "--parent-pid",
            type=int,
            default=None,
            help="Stop when this process is gone (the demo's server starts its worker so).",
        )
        parser.add_argument(
            "--housekeeping-seconds",
            type=float,
            default=15.0,
            help="Seconds between heartbeats, recovery of dead workers' tasks and schedule checks.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = task_backends["default"]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(NOT_DATABASE.format(name=type(backend).__name__))
        self._log_to_console(options["verbosity"])
        worker = ReattuneWorker(
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            schedule=options["schedule"],
            housekeeping_seconds=options["housekeeping_seconds"],
            parent_pid=options["parent_pid"],
        )
        worker.configure_signals()
        try:
            worker.run()
        except WorkerNameTaken as e:
            raise CommandError(str(e)) from None

    def _log_to_console(self, verbosity: int) -> None:
        level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("reattune.worker", "django_tasks", "django_tasks_db"):
            logging.getLogger(name).setLevel(level)
