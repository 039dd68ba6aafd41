"""Check-link emails sent by the worker, the one reminder, and clearing expired links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.checks.models import CheckLink
from reattune.checks.services import LINK_EXPIRED, check_link_create
from reattune.worker.models import LinkReminder
from reattune.worker.runner import ReattuneWorker
from reattune.worker.tasks import clear_expired_links, send_link_reminders

pytestmark = pytest.mark.django_db
ADDRESS = "client@example.org"


def run_worker() -> None:
    ReattuneWorker(batch=True, schedule=False, interval=0).run()


@pytest.fixture
def link(world) -> CheckLink:
    participant = world.case.participants.get()
    participant.client.email = ADDRESS
    participant.client.save()
    return check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )


def emailed(link: CheckLink, hours_ago: float) -> None:
    link.emailed_to = ADDRESS
    link.emailed_at = timezone.now() - dt.timedelta(hours=hours_ago)
    link.save()


def test_the_link_is_emailed_by_the_worker_not_the_request(login, world, link):
    http = login(world.clinician)
    body = http.post(reverse("link_email", args=[link.pk]), follow=True).content.decode()
    assert f"The check link is being emailed to {link.participant.client.code}" in body
    assert mail.outbox == [], "nothing sent inside the clinician's request"
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["kwargs"]["clinic_id"] == world.clinic.pk
    assert link.token not in str(task.args_kwargs), "the link's key is not stored in the queue"

    run_worker()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert f"/c/{link.token}/" in mail.outbox[0].body
    link.refresh_from_db()
    assert link.emailed_at is not None and link.emailed_to == ADDRESS
    body = http.get(reverse("session_checks", args=[world.session.pk])).content.decode()
    assert "Emailed " in body


def test_a_link_answered_before_the_worker_got_to_it_is_not_emailed(login, world, link):
    login(world.clinician).post(reverse("link_email", args=[link.pk]))
    CheckLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    run_worker()
    assert mail.outbox == []
    assert DBTaskResult.objects.get().return_value is False


def test_a_queued_email_or_reminder_whose_link_is_gone_sends_nothing_and_does_not_fail(
    login, world, link, settings
):
    """The link went (its client was erased, or its reminder record was cleared once it
    expired) after its task was queued: the task has nothing to do, and is not a failure for
    the admin to deal with."""
    settings.LINK_REMINDER_HOURS = 24
    emailed(link, hours_ago=25)
    send_link_reminders.call(clinic_id=world.clinic.pk)
    login(world.clinician).post(reverse("link_email", args=[link.pk]))
    LinkReminder.objects.all().delete()
    CheckLink.objects.filter(pk=link.pk).delete()

    run_worker()

    assert mail.outbox == []
    assert sorted(DBTaskResult.objects.values_list("status", "return_value")) == [
        ("SUCCESSFUL", False),
        ("SUCCESSFUL", False),
    ]


def test_an_unanswered_emailed_link_gets_one_reminder_only(world, link, settings):
    settings.LINK_REMINDER_HOURS = 24
    emailed(link, hours_ago=25)
    assert send_link_reminders.call(clinic_id=world.clinic.pk) == 1
    assert send_link_reminders.call(clinic_id=world.clinic.pk) == 0, "already reminded"
    run_worker()
    assert len(mail.outbox) == 1 and "reminder" in mail.outbox[0].subject
    assert f"/c/{link.token}/" in mail.outbox[0].body
    assert LinkReminder.objects.get(link_id=link.pk).sent_at is not None
    # Neither a second scan nor running the reminder's task again sends another.
    assert send_link_reminders.call(clinic_id=world.clinic.pk) == 0
    from reattune.checks.tasks import email_link_reminder

    assert email_link_reminder.call(link_id=link.pk, clinic_id=world.clinic.pk) is False
    run_worker()
    assert len(mail.outbox) == 1


def test_no_reminder_too_soon_or_for_an_answered_expired_or_other_clinics_link(
    world, other_world, link, settings
):
    settings.LINK_REMINDER_HOURS = 24
    emailed(link, hours_ago=2)
    assert send_link_reminders.call(clinic_id=world.clinic.pk) == 0, "too soon"
    emailed(link, hours_ago=30)
    assert send_link_reminders.call(clinic_id=other_world.clinic.pk) == 0, "not their link"
    CheckLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    assert send_link_reminders.call(clinic_id=world.clinic.pk) == 0, "answered"
    CheckLink.objects.filter(pk=link.pk).update(
        used_at=None, expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert send_link_reminders.call(clinic_id=world.clinic.pk) == 0, "expired"
    assert LinkReminder.objects.count() == 0


def test_clearing_an_expired_link_keeps_it_and_its_clear_message(client, world, link):
    emailed(link, hours_ago=80)
    LinkReminder.objects.create(link_id=link.pk, clinic_id=world.clinic.pk)
    CheckLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    links_before = CheckLink.objects.count()

    assert clear_expired_links.call(clinic_id=world.clinic.pk) == 1
    link.refresh_from_db()
    assert link.emailed_to == "", "the address is no longer needed"
    assert link.emailed_at is not None, "the page still says when it was emailed"
    assert CheckLink.objects.count() == links_before, "no link is ever deleted"
    assert not LinkReminder.objects.exists()
    response = client.get(reverse("check_form", args=[link.token]))
    assert response.status_code == 410
    assert LINK_EXPIRED.split(",")[0] in response.content.decode()


def test_clearing_leaves_open_links_and_other_clinics_alone(world, other_world, link):
    emailed(link, hours_ago=1)
    assert clear_expired_links.call(clinic_id=world.clinic.pk) == 0
    CheckLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert clear_expired_links.call(clinic_id=other_world.clinic.pk) == 0
    link.refresh_from_db()
    assert link.emailed_to == ADDRESS


def test_with_the_immediate_backend_the_email_goes_within_the_request(login, world, link, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    http = login(world.clinician)
    body = http.post(reverse("link_email", args=[link.pk]), follow=True).content.decode()
    assert "is being emailed" in body
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert f"http://testserver/c/{link.token}/" in mail.outbox[0].body
    assert not DBTaskResult.objects.exists()
