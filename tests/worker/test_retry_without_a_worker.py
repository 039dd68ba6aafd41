"""Retrying a failed task from the admin's page works on the immediate backend too (an
installation run without a worker), even when the failed attempt had a retry time set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.checks.services import check_link_create
from tests.conftest import IMMEDIATE_TASKS

pytestmark = pytest.mark.django_db


def test_retry_runs_the_task_now_on_the_immediate_backend(settings, login, world):
    participant = world.case.participants.get()
    participant.client.email = "client@example.org"
    participant.client.save()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    failed = DBTaskResult.objects.create(
        status="FAILED",
        task_path="reattune.checks.tasks.email_check_link",
        args_kwargs={"args": [], "kwargs": {"clinic_id": world.clinic.pk, "link_id": link.pk}},
        backend_name="default",
        # The failed attempt's retry time: a task carrying it cannot go to the immediate backend.
        run_after=timezone.now() + dt.timedelta(minutes=5),
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="synthetic",
        worker_ids=["a", "b", "c"],
    )
    settings.TASKS = IMMEDIATE_TASKS
    page = login(world.admin).post(reverse("failed_task_retry", args=[failed.pk]), follow=True)
    assert page.status_code == 200
    assert [m.to for m in mail.outbox] == [["client@example.org"]]
