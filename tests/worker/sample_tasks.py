"""Tasks the worker tests enqueue. Each run of `record_run` and `wait_for_file` writes a
WorkerTestRun-like row: a ScheduledRun with job "test-run" and the task's own key as its
slot, which the (job, slot) unique constraint allows once only. A second run of the same task
would fail on it, so "ran exactly once" is "one row, and the task SUCCESSFUL"."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task

from reattune.worker.models import ScheduledRun

TEST_JOB = "test-run"
CLIENT_DATA = "Ann Example, 12 High Street"  # must never reach the page or the stored traceback


class MailServerDown(ConnectionError):
    """Stands in for smtplib's errors."""


@task()
def always_fails(*, clinic_id: int) -> None:
    raise MailServerDown(f"could not send to {CLIENT_DATA}")


@task()
def record_run(*, key: str, seconds: float = 0.0) -> str:
    time.sleep(seconds)
    ScheduledRun.objects.create(job=TEST_JOB, slot=key)
    return key


@task()
def wait_for_file(*, key: str, folder: str) -> str:
    """Say it started (a file per start), then wait until `release` appears."""
    here = Path(folder)
    starts = len(list(here.glob("started-*")))
    (here / f"started-{starts + 1}").touch()
    while not (here / "release").exists():
        time.sleep(0.05)
    ScheduledRun.objects.create(job=TEST_JOB, slot=key)
    return key


@task(priority=60)
def urgent_record_run(*, key: str) -> str:
    ScheduledRun.objects.create(job=TEST_JOB, slot=key)
    return key
