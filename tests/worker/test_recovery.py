"""Tasks left RUNNING by a worker that stopped beating are taken back after the lease."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.worker.attempts import TaskRow
from reattune.worker.liveness import abandoned_tasks_recover
from reattune.worker.models import WorkerHeartbeat
from tests.worker.sample_tasks import record_run

pytestmark = pytest.mark.django_db


def running(*, worker_ids: list[str], started_ago: dt.timedelta) -> TaskRow:
    row = DBTaskResult.objects.get(pk=record_run.enqueue(key="k").id)
    row.status = "RUNNING"
    row.worker_ids = worker_ids
    row.started_at = timezone.now() - started_ago
    row.save()
    return row


def beat(worker_id: str, ago: dt.timedelta) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="test", pid=1, last_seen_at=timezone.now() - ago
    )


def test_a_dead_workers_task_goes_back_in_the_queue():
    row = running(worker_ids=["gone"], started_ago=dt.timedelta(minutes=5))
    beat("gone", dt.timedelta(minutes=4))
    assert abandoned_tasks_recover() == 1
    row.refresh_from_db()
    assert row.status == "READY" and row.worker_ids == ["gone"], "one attempt counted"
    assert row.exception_class_path == "reattune.worker.attempts.WorkerLost"


def test_a_live_workers_long_task_is_left_alone():
    row = running(worker_ids=["alive"], started_ago=dt.timedelta(minutes=30))
    beat("alive", dt.timedelta(seconds=5))
    assert abandoned_tasks_recover() == 0
    row.refresh_from_db()
    assert row.status == "RUNNING"


def test_a_task_younger_than_the_lease_is_left_alone_even_without_a_heartbeat():
    row = running(worker_ids=["just-started"], started_ago=dt.timedelta(seconds=10))
    assert abandoned_tasks_recover() == 0
    row.refresh_from_db()
    assert row.status == "RUNNING"


def test_a_task_out_of_attempts_fails_with_worker_lost(settings):
    settings.TASK_MAX_ATTEMPTS = 2
    row = running(worker_ids=["a", "b"], started_ago=dt.timedelta(minutes=5))
    assert abandoned_tasks_recover() == 1
    row.refresh_from_db()
    assert row.status == "FAILED" and row.finished_at is not None


def test_a_second_worker_under_a_live_workers_name_refuses_to_start():
    from reattune.worker.liveness import WorkerNameTaken
    from reattune.worker.runner import ReattuneWorker

    WorkerHeartbeat.objects.create(worker_id="night", host="elsewhere", pid=4242)
    with pytest.raises(WorkerNameTaken, match="A worker named night is already running"):
        ReattuneWorker(worker_id="night", batch=True, schedule=False).run()
    assert WorkerHeartbeat.objects.get(worker_id="night").pid == 4242, "the live one is untouched"
