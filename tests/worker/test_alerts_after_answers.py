"""With the database queue, a client's answers and the job that judges them are committed
together, and the client's request does not wait for detection."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reattune.alerts.models import Alert
from reattune.checks.models import Response
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from reattune.worker.backend import URGENT_PRIORITY
from reattune.worker.runner import ReattuneWorker
from tests.checks.helpers import full_check
from tests.factories import make_session

pytestmark = pytest.mark.django_db(transaction=True)

JUDGE = "reattune.alerts.tasks.raise_alerts_for_session"


def run_worker() -> None:
    ReattuneWorker(batch=True, schedule=False, interval=0).run()


def test_answers_are_judged_by_the_worker_and_the_safety_alert_follows(world):
    link = check_link_create(
        session=world.session,
        participant=world.case.participants.get(),
        created_by=world.clinician,
    )
    world.clinician.email = "clinician@example.org"
    world.clinician.save()
    sent = Client().post(
        reverse("check_form", args=[link.token]), full_check(phq9__q9="2"), follow=True
    )
    assert sent.status_code == 200
    assert Response.objects.filter(link=link).count() == 3
    assert not Alert.objects.exists(), "detection did not run inside the client's request"
    job = DBTaskResult.objects.get(task_path=JUDGE)
    assert (job.status, job.priority) == ("READY", URGENT_PRIORITY)
    expected = {"session_id": world.session.pk, "clinic_id": world.clinic.pk}
    assert job.args_kwargs["kwargs"] == expected

    run_worker()

    safety = Alert.objects.get(signal="safety")
    assert safety.severity == "urgent"
    assert DBTaskResult.objects.get(task_path=JUDGE).status == "SUCCESSFUL"
    assert any("Urgent alert" in m.subject for m in mail.outbox)


def test_no_job_without_the_answers(world):
    link = check_link_create(
        session=world.session,
        participant=world.case.participants.get(),
        created_by=world.clinician,
    )
    # The same link twice: the second submission stores nothing, so queues nothing.
    for _ in range(2):
        Client().post(reverse("check_form", args=[link.token]), full_check(), follow=True)
    assert DBTaskResult.objects.filter(task_path=JUDGE).count() == 1

    # Answers rolled back take their job with them: the queue is in the same database.
    second = check_link_create(
        session=make_session(world.case, 2),
        participant=world.case.participants.get(),
        created_by=world.clinician,
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        check_response_submit(link=second, cleaned=check_answers_clean(second, full_check()))
        assert DBTaskResult.objects.filter(task_path=JUDGE).count() == 2
        raise RuntimeError("the request failed after the answers were stored")
    assert not Response.objects.filter(link=second).exists()
    assert DBTaskResult.objects.filter(task_path=JUDGE).count() == 1
