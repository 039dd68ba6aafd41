"""The periodic jobs: enqueued when due, once per slot, one task per clinic for the jobs that
concern a clinic."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.worker.attempts import TaskRow
from reattune.worker.models import ScheduledRun
from reattune.worker.runner import ReattuneWorker
from reattune.worker.schedule import due_jobs_enqueue, jobs

pytestmark = pytest.mark.django_db
PER_CLINIC = {
    "recalibrate": "reattune.worker.tasks.recalibrate_clinic",
    "raise_alerts": "reattune.worker.tasks.raise_missing_alerts",
    "clear_expired_links": "reattune.worker.tasks.clear_expired_links",
    "link_reminders": "reattune.worker.tasks.send_link_reminders",
    "session_reminders": "reattune.worker.tasks.send_session_reminders",
}


def at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, 27, hour, minute))


def test_every_job_is_enqueued_once_for_its_slot(world, other_world, settings):
    settings.SESSION_REMINDER_AT = dt.time(10, 0)  # off unless an installation turns it on
    made = {run.job for run in due_jobs_enqueue(now=at(12))}
    assert made == {job.name for job in jobs()}, "at noon every daily job is past its time"
    for job, path in PER_CLINIC.items():
        clinics = [t.args_kwargs["kwargs"]["clinic_id"] for t in tasks_of(path)]
        assert sorted(clinics) == sorted([world.clinic.pk, other_world.clinic.pk]), job
    before = DBTaskResult.objects.count()
    assert due_jobs_enqueue(now=at(12, 10)) == [], "same day, same hour, same quarter"
    assert DBTaskResult.objects.count() == before


def test_a_daily_job_waits_for_its_time_and_an_hourly_one_runs_each_hour(world, settings):
    settings.RECALIBRATE_AT = dt.time(2, 30)
    assert "recalibrate" not in {run.job for run in due_jobs_enqueue(now=at(2, 0))}
    assert "recalibrate" in {run.job for run in due_jobs_enqueue(now=at(2, 31))}
    assert "raise_alerts" in {run.job for run in due_jobs_enqueue(now=at(3, 1))}
    assert ScheduledRun.objects.filter(job="raise_alerts").count() == 2, "02:00 and 03:00"


def test_a_worker_that_loses_the_race_for_a_slot_enqueues_nothing(world):
    due_jobs_enqueue(now=at(12))
    before = DBTaskResult.objects.count()
    # As if another worker inserted each slot just after this one looked.
    with mock.patch("django.db.models.query.QuerySet.exists", return_value=False):
        assert due_jobs_enqueue(now=at(12)) == []
    assert DBTaskResult.objects.count() == before


def test_the_periodic_tasks_run_cleanly(world):
    due_jobs_enqueue(now=timezone.now().replace(hour=12))
    ReattuneWorker(batch=True, schedule=False, interval=0).run()
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}, list(
        DBTaskResult.objects.exclude(status="SUCCESSFUL").values_list(
            "task_path", "exception_class_path"
        )
    )


def test_prune_keeps_unhandled_failures_and_removes_old_successes(world, settings):
    from reattune.worker.housekeeping import records_prune
    from tests.worker.sample_tasks import always_fails, record_run

    old_ok = record_run.enqueue(key="old")
    failed = always_fails.enqueue(clinic_id=world.clinic.pk)
    ReattuneWorker(batch=True, schedule=False, interval=0).run()
    DBTaskResult.objects.update(finished_at=timezone.now() - dt.timedelta(days=60))
    assert records_prune() == 1
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [failed.id]
    assert DBTaskResult.objects.filter(pk=old_ok.id).count() == 0


def tasks_of(path: str) -> list[TaskRow]:
    return list(DBTaskResult.objects.filter(task_path=path))
