"""Emailing check links and session reminders, run by the worker (docs/worker.md).

Each task re-reads what it is about when it runs: by then the client may have answered, the
link may have expired, the session may have been cancelled or moved, or the address may have
gone, and then nothing is sent."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from reattune.cases.models import Attendance, Participant, TherapySession
from reattune.checks.emails import (
    check_link_email,
    check_link_reminder_email,
    check_link_url,
    session_reminder_email,
)
from reattune.checks.models import CheckLink
from reattune.checks.services import link_definitions

logger = logging.getLogger(__name__)


def _link(link_id: int, clinic_id: int) -> CheckLink | None:
    """The link, or None if it is gone (its client was erased since the task was queued)."""
    return (
        CheckLink.objects.select_related("participant__client", "session", "clinic")
        .filter(pk=link_id, clinic_id=clinic_id)
        .first()
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
    if link is None or not still_open(link):
        logger.info("Check link %s was not emailed: it can no longer be used", link_id)
        return False
    check_link_email(link=link, url=check_link_url(link, site=site))
    return True


@task()
def email_link_reminder(*, link_id: int, clinic_id: int) -> bool:
    """Send the one reminder for an unanswered emailed link; True if it was sent."""
    from reattune.worker.models import LinkReminder

    with transaction.atomic():
        # No row: the link expired and its record was cleared (worker/tasks.py).
        reminder = LinkReminder.objects.select_for_update().filter(link_id=link_id).first()
        link = _link(link_id, clinic_id)
        if reminder is None or reminder.sent_at is not None or link is None or not still_open(link):
            return False
        # Marked and sent in one transaction: an email that fails leaves it unmarked for the
        # task's next attempt, and a sent one is never sent again.
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
        check_link_reminder_email(link=link, url=check_link_url(link))
    return True


@task()
def email_session_reminder(*, session_id: int, participant_id: int, clinic_id: int) -> bool:
    """Send one participant the one reminder of their session tomorrow, with their check link
    from an earlier session if it is still open; True if it was sent."""
    from reattune.worker.models import SessionReminder

    with transaction.atomic():
        reminder = (
            SessionReminder.objects.select_for_update()
            .filter(session_id=session_id, participant_id=participant_id)
            .first()
        )
        if reminder is None or reminder.sent_at is not None:
            return False
        session = (
            TherapySession.objects.select_related("case", "clinic")
            .filter(pk=session_id, clinic_id=clinic_id)
            .first()
        )
        participant = (
            Participant.objects.select_related("client")
            .filter(pk=participant_id, clinic_id=clinic_id)
            .first()
        )
        if session is None or participant is None or not _may_remind(session, participant):
            logger.info("Session %s reminder not sent: it no longer applies", session_id)
            return False
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        if session.date > tomorrow:
            # Moved to a later day: the day before that one, the job reminds them afresh.
            reminder.delete()
            return False
        if session.date < tomorrow:
            return False  # moved earlier, or the reminder ran too late to be one
        # Marked and sent in one transaction, as for the link reminder.
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
        link = earlier_open_link(session, participant)
        session_reminder_email(
            session=session,
            participant=participant,
            link=link,
            url=check_link_url(link) if link else "",
        )
    return True


def _may_remind(session: TherapySession, participant: Participant) -> bool:
    return (
        settings.SESSION_REMINDER_AT is not None
        and session.attendance == Attendance.SCHEDULED
        and session.case.closed_on is None
        and participant.case_id == session.case_id
        and bool(participant.client.email)
    )


def earlier_open_link(session: TherapySession, participant: Participant) -> CheckLink | None:
    """The participant's newest check link from an earlier session of the case that can still
    take answers: what they say then reaches the therapist before they meet again. Only a link
    already emailed to them: one their clinician gave another way (on paper, as a QR code) was
    kept out of their inbox on purpose."""
    links = (
        CheckLink.objects.select_related("participant__client", "session")
        .filter(
            clinic_id=session.clinic_id,
            participant=participant,
            emailed_at__isnull=False,
            session__case_id=session.case_id,
            session__number__lt=session.number,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-session__number", "-created_at")
    )
    return next((link for link in links[:5] if still_open(link) and link_definitions(link)), None)
