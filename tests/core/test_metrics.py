"""The clinic admin's metrics page: background work, signals raised and answers received per
day, for their clinic only, at a query cost that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.alerts.models import Alert
from reattune.checks.models import ResponseSource
from reattune.checks.services import responses_store
from reattune.core.metrics import DAYS_SHOWN, clinic_metrics
from reattune.measures.registry import get_definition
from tests.factories import make_case, make_session
from tests.supervision.helpers import alert

pytestmark = pytest.mark.django_db

PHQ9 = {f"q{n}": "1" for n in range(1, 10)} | {"q10": "0"}


def answered(case, number):
    session = make_session(case, number)
    responses_store(
        session=session,
        participant=case.participants.get(),
        by_measure={"phq9": get_definition("phq9").clean_answers(PHQ9)},
        source=ResponseSource.API,
    )
    return session


def days_ago(a: Alert, days: int) -> None:
    Alert.objects.filter(pk=a.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def failed_task(clinic_id: int) -> DBTaskResult[..., object]:
    now = timezone.now()
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status="FAILED",
        task_path="reattune.checks.tasks.email_check_link",
        args_kwargs={"args": [], "kwargs": {"clinic_id": clinic_id, "link_id": 1}},
        backend_name="default",
        run_after=now,
        finished_at=now,
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="synthetic",
        worker_ids=["a", "b", "c"],
    )


def test_it_counts_this_clinics_signals_answers_and_failed_tasks_only(world, other_world):
    answered(world.case, 2)
    today_urgent = alert(world.case, "safety", severity="urgent")
    alert(world.case, "rupture")
    days_ago(alert(world.case, "deterioration"), 3)
    days_ago(alert(world.case, "no_change"), DAYS_SHOWN + 5)  # outside the window
    alert(other_world.case, "safety", severity="urgent")
    answered(other_world.case, 2)
    failed_task(world.clinic.pk)
    failed_task(other_world.clinic.pk)

    m = clinic_metrics(world.clinic)

    assert len(m.days) == DAYS_SHOWN
    today = m.days[0]
    assert today.day == timezone.localdate(today_urgent.created_at)
    assert (today.signals, today.urgent, today.answers) == (2, 1, 1)
    assert m.days[3].signals == 1
    assert m.signals_total == 3
    assert m.work.failed_here == 1


def waiting_task(clinic_id: int | None, status: str = "READY") -> None:
    kwargs = {"clinic_id": clinic_id, "link_id": 1} if clinic_id else {}
    DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=status,
        task_path="reattune.checks.tasks.email_check_link",
        args_kwargs={"args": [], "kwargs": kwargs},
        backend_name="default",
        run_after=timezone.now() - dt.timedelta(minutes=1),
    )


def test_waiting_and_running_tasks_are_this_clinics_only(world, other_world):
    """A clinic admin sees how much of their own clinic's work waits, not how busy the
    installation's other clinics are."""
    waiting_task(world.clinic.pk)
    waiting_task(world.clinic.pk, status="RUNNING")
    for _ in range(3):
        waiting_task(other_world.clinic.pk)
    waiting_task(other_world.clinic.pk, status="RUNNING")
    waiting_task(None)  # an installation-wide job

    m = clinic_metrics(world.clinic)

    assert (m.work.queue.ready, m.work.running) == (1, 1)
    assert m.work.queue.oldest_ready_age is not None
    assert (clinic_metrics(other_world.clinic).work.queue.ready) == 3


def test_the_page_is_the_admins_and_names_no_client(world, login):
    alert(world.case, "safety", severity="urgent")
    failed_task(world.clinic.pk)
    page = login(world.admin).get(reverse("metrics"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 signal raised" in text
    assert "Failed for this clinic" in text
    assert reverse("failed_task_list") in text
    assert "no worker is running" in text
    client_code = world.case.participants.get().client.code
    assert client_code not in text
    for person in (world.clinician, world.supervisor, world.trainee):
        assert login(person).get(reverse("metrics")).status_code == 403


def test_the_query_count_does_not_grow_with_the_data(world, login):
    admin = login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(reverse("metrics")).status_code == 200
        return len(captured)

    small = queries()
    for _ in range(4):
        case = make_case(world.clinician)
        for number in (2, 3):
            answered(case, number)
        days_ago(alert(case, "rupture"), 2)
        failed_task(world.clinic.pk)
    assert queries() == small
