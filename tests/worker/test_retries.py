"""A task that raises is tried again, up to TASK_MAX_ATTEMPTS, then stays FAILED, with its
error's class kept and its message (which can quote client data) withheld."""

from __future__ import annotations

import logging

import pytest
from django_tasks_db.models import DBTaskResult

from reattune.worker.attempts import retry_delay
from reattune.worker.runner import ReattuneWorker
from tests.worker.sample_tasks import CLIENT_DATA, always_fails, record_run

pytestmark = pytest.mark.django_db


def run_worker(**options: object) -> ReattuneWorker:
    worker = ReattuneWorker(batch=True, schedule=False, interval=0, **options)  # type: ignore[arg-type]
    worker.run()
    return worker


def test_a_failing_task_is_retried_then_stays_failed(world, caplog):
    result = always_fails.enqueue(clinic_id=world.clinic.pk)
    with caplog.at_level(logging.WARNING, logger="reattune.worker"):
        run_worker()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED"
    assert len(row.worker_ids) == 3, "the default: three attempts"
    assert row.exception_class_path == "tests.worker.sample_tasks.MailServerDown"
    assert "MailServerDown" in row.traceback and CLIENT_DATA not in row.traceback
    assert "failed for good after 3 attempt(s)" in caplog.text
    assert CLIENT_DATA not in caplog.text


def test_the_number_of_attempts_is_a_setting(world, settings):
    settings.TASK_MAX_ATTEMPTS = 5
    result = always_fails.enqueue(clinic_id=world.clinic.pk)
    run_worker()
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 5


def test_a_retry_waits_longer_each_time(settings):
    settings.TASK_RETRY_SECONDS = 30
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


def test_a_retry_is_not_run_before_its_time(world, settings):
    settings.TASK_RETRY_SECONDS = 600
    result = always_fails.enqueue(clinic_id=world.clinic.pk)
    run_worker()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY" and len(row.worker_ids) == 1, "waiting ten minutes to retry"


def test_a_task_that_succeeds_runs_once(db):
    result = record_run.enqueue(key="once")
    run_worker()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL" and row.return_value == "once"
    assert len(row.worker_ids) == 1
