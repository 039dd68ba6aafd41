"""A full queue: past TASK_QUEUE_LIMIT waiting tasks, enqueueing is refused at once with words
to act on, except for urgent tasks, which are never refused and run first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.checks.services import check_link_create
from reattune.worker.backend import QueueFull
from reattune.worker.runner import ReattuneWorker
from reattune.worker.stats import queue_depth, running_count
from tests.worker.sample_tasks import record_run, urgent_record_run

pytestmark = pytest.mark.django_db
BACKLOG = 300


def test_a_full_queue_refuses_a_task_with_a_clear_error(settings):
    settings.TASK_QUEUE_LIMIT = 5
    for n in range(5):
        record_run.enqueue(key=str(n))
    with pytest.raises(QueueFull, match="reattune worker"):
        record_run.enqueue(key="one too many")
    assert DBTaskResult.objects.count() == 5
    urgent_record_run.enqueue(key="urgent")
    assert DBTaskResult.objects.count() == 6, "an urgent task is never refused"


def test_the_clinician_is_told_when_the_queue_is_full(login, world, settings):
    settings.TASK_QUEUE_LIMIT = 1
    record_run.enqueue(key="waiting")
    participant = world.case.participants.get()
    participant.client.email = "client@example.org"
    participant.client.save()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    http = login(world.clinician)
    body = http.post(reverse("link_email", args=[link.pk]), follow=True).content.decode()
    assert "The background queue is full" in body
    assert "being emailed" not in body


def test_under_a_large_backlog_urgent_work_jumps_the_queue_and_the_rest_runs_in_order():
    for n in range(BACKLOG):
        record_run.enqueue(key=f"{n:04d}")
    urgent_record_run.enqueue(key="urgent")
    depth = queue_depth(now=timezone.now() + dt.timedelta(seconds=30))
    assert depth.ready == BACKLOG + 1
    assert depth.oldest_ready_age is not None and depth.oldest_ready_age >= dt.timedelta(seconds=30)

    ReattuneWorker(max_tasks=3, schedule=False, interval=0).run()
    done = DBTaskResult.objects.filter(status="SUCCESSFUL").order_by("finished_at")
    assert [row.return_value for row in done] == ["urgent", "0000", "0001"]
    assert queue_depth().ready == BACKLOG - 2 and running_count() == 0

    ReattuneWorker(batch=True, schedule=False, interval=0).run()
    assert queue_depth() == type(depth)(ready=0, oldest_ready_age=None)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == BACKLOG + 1
