"""Emailing check links, run by the worker (docs/worker.md).

Each task re-reads the link when it runs: by then the client may have answered, the link may
have expired, or the address may have gone, and then nothing is sent."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from reattune.cases.models import Attendance
from reattune.checks.emails import check_link_email, check_link_reminder_email, check_link_url
from reattune.checks.models import CheckLink

logger = logging.getLogger(__name__)


def _link(link_id: int, clinic_id: int) -> CheckLink:
    return CheckLink.objects.select_related("participant__client", "session", "clinic").get(
        pk=link_id, clinic_id=clinic_id
    )


def still_open(link: CheckLink) -> bool:
    return (
        not link.is_used
        and not link.is_expired
        and link.session.attendance == Attendance.ATTENDED
        and bool(link.participant.client.email)
    )


@task()
def email_check_link(*, link_id: int, clinic_id: int, site: str = "") -> bool:
    """Email the client their check link; True if it was sent."""
    link = _link(link_id, clinic_id)
    if not still_open(link):
        logger.info("Check link %s was not emailed: it can no longer be used", link_id)
        return False
    check_link_email(link=link, url=check_link_url(link, site=site))
    return True


@task()
def email_link_reminder(*, link_id: int, clinic_id: int) -> bool:
    """Send the one reminder for an unanswered emailed link; True if it was sent."""
    from reattune.worker.models import LinkReminder

    with transaction.atomic():
        reminder = LinkReminder.objects.select_for_update().get(link_id=link_id)
        link = _link(link_id, clinic_id)
        if reminder.sent_at is not None or not still_open(link):
            return False
        # Marked and sent in one transaction: an email that fails leaves it unmarked for the
        # task's next attempt, and a sent one is never sent again.
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
        check_link_reminder_email(link=link, url=check_link_url(link))
    return True
