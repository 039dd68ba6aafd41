"""The clinic admin's failed tasks page: their clinic's failures only, in plain words, with
retry and dismiss buttons; never the task's arguments or its traceback."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from reattune.worker.attempts import TaskRow
from reattune.worker.failed import TASK_GONE
from reattune.worker.models import HandledFailure
from reattune.worker.runner import ReattuneWorker
from reattune.worker.views import ADMINS_ONLY
from tests.worker.sample_tasks import CLIENT_DATA, always_fails

pytestmark = pytest.mark.django_db


def failed_task(clinic_id: int) -> TaskRow:
    result = always_fails.enqueue(clinic_id=clinic_id)
    ReattuneWorker(batch=True, schedule=False, interval=0).run()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED"
    return row


def test_the_admin_sees_their_clinics_failed_task_in_plain_words(login, world, other_world):
    failed_task(world.clinic.pk)
    theirs = failed_task(other_world.clinic.pk)
    body = login(world.admin).get(reverse("failed_task_list")).content.decode()
    assert "Always fails" in body
    assert "<td>3</td>" in body, "the attempts"
    assert "MailServerDown" in body
    assert CLIENT_DATA not in body and "Traceback" not in body
    assert str(theirs.pk) not in body, "another clinic's failure is not listed"
    assert body.count('type="submit">Retry</button>') == 1


def test_nobody_but_a_clinic_admin_may_open_the_page(client, login, world):
    url = reverse("failed_task_list")
    assert client.get(url)["Location"].startswith(reverse("login"))
    row = failed_task(world.clinic.pk)
    for who in ("clinician", "supervisor", "trainee"):
        http = login(getattr(world, who))
        response = http.get(url)
        assert response.status_code == 403 and escape(ADMINS_ONLY) in response.content.decode()
        assert http.post(reverse("failed_task_retry", args=[row.pk])).status_code == 403
        assert http.post(reverse("failed_task_dismiss", args=[row.pk])).status_code == 403


def test_another_clinics_task_is_a_404_to_retry_or_dismiss(login, world, other_world):
    theirs = failed_task(other_world.clinic.pk)
    http = login(world.admin)
    for name in ("failed_task_retry", "failed_task_dismiss"):
        response = http.post(reverse(name, args=[theirs.pk]))
        assert response.status_code == 404, name
    assert DBTaskResult.objects.count() == 1, "nothing was re-enqueued"
    body = login(other_world.admin).get(reverse("failed_task_list")).content.decode()
    assert "Always fails" in body, "still there for its own admin"


def test_retry_enqueues_the_task_afresh_and_takes_it_off_the_list(login, world):
    row = failed_task(world.clinic.pk)
    http = login(world.admin)
    body = http.post(reverse("failed_task_retry", args=[row.pk]), follow=True).content.decode()
    assert "queued to run again" in body
    fresh = DBTaskResult.objects.exclude(pk=row.pk).get()
    assert fresh.status == "READY" and fresh.worker_ids == []
    assert fresh.args_kwargs == row.args_kwargs
    assert "MailServerDown" not in body, "off the list until it fails again"


def test_dismiss_takes_it_off_the_list_and_runs_nothing(login, world):
    row = failed_task(world.clinic.pk)
    http = login(world.admin)
    body = http.post(reverse("failed_task_dismiss", args=[row.pk]), follow=True).content.decode()
    assert "dismissed" in body and "No background task of this clinic has failed" in body
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [row.pk]


def test_retry_and_dismiss_need_the_pages_csrf_token(login, world):
    row = failed_task(world.clinic.pk)
    http = login(world.admin)
    http.handler.enforce_csrf_checks = True
    for name in ("failed_task_retry", "failed_task_dismiss"):
        assert http.post(reverse(name, args=[row.pk])).status_code == 403, name
    assert http.get(reverse("failed_task_retry", args=[row.pk])).status_code == 405
    body = http.get(reverse("failed_task_list")).content.decode()
    assert "MailServerDown" in body, "still listed"


@pytest.mark.parametrize(
    "gone",
    [
        "reattune.worker.tasks.removed_in_an_upgrade",  # the function is gone
        "reattune.retired.tasks.old_job",  # its whole module is gone
        "reattune.worker.tasks.reminders_enqueue",  # the name is now a plain function
    ],
)
def test_a_task_this_version_no_longer_has_is_refused_a_retry_and_stays_listed(login, world, gone):
    row = failed_task(world.clinic.pk)
    DBTaskResult.objects.filter(pk=row.pk).update(task_path=gone)
    http = login(world.admin)
    response = http.post(reverse("failed_task_retry", args=[row.pk]), follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert escape(TASK_GONE) in body
    assert "queued to run again" not in body
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [row.pk], "nothing queued"
    assert not HandledFailure.objects.exists()
    assert 'type="submit">Dismiss</button>' in body, "still listed, to dismiss"
    http.post(reverse("failed_task_dismiss", args=[row.pk]))
    assert HandledFailure.objects.get().task_id == row.pk
