"""The periodic jobs' tasks, and how each job enqueues them (reattune/worker/schedule.py).

A job that concerns clinics enqueues one task per clinic, each with its `clinic_id`: one
clinic's failure is retried and shown to that clinic's admin alone, and never holds up the
others. Each task is safe to run twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from reattune.checks.models import CheckLink
from reattune.clinics.models import Clinic

RAISE_ALERTS_DAYS = 2


def _clinic_ids() -> list[int]:
    return list(Clinic.objects.order_by("pk").values_list("pk", flat=True))


def _each_clinic(one: Task[..., Any]) -> int:
    ids = _clinic_ids()
    for clinic_id in ids:
        one.enqueue(clinic_id=clinic_id)
    return len(ids)


@task()
def recalibrate_clinic(*, clinic_id: int) -> str:
    """Recompute the clinic's expected-response bands from its closed cases."""
    from reattune.alerts.calibration import calibration_refresh

    row = calibration_refresh(clinic=Clinic.objects.get(pk=clinic_id))
    return str(row.source)


def recalibrate_enqueue() -> int:
    return _each_clinic(recalibrate_clinic)


@task()
def refresh_learning_figures(*, clinic_id: int) -> int:
    """The learning page's clinic-wide figures as of today, for every period."""
    from reattune.learning.figures import figures_refresh

    return figures_refresh(clinic_id, timezone.localdate())


def learning_figures_enqueue() -> int:
    return _each_clinic(refresh_learning_figures)


@task()
def escalate_overdue_obligations(*, clinic_id: int | None = None) -> int:
    """Send the clinic's overdue repair obligations to supervisors, each once. One task per
    clinic, so that a failure is shown to that clinic's admin; without a clinic (a task
    queued by an earlier version), every clinic's."""
    from reattune.repairs.escalation import obligations_escalate

    return len(obligations_escalate(clinic_id=clinic_id))


def escalate_enqueue() -> int:
    return _each_clinic(escalate_overdue_obligations)


@task()
def raise_missing_alerts(*, clinic_id: int, days: int = RAISE_ALERTS_DAYS) -> int:
    """Raise any alerts missing for the clinic's sessions of the last `days` days (the step
    after a client's answers, should it ever have failed). Idempotent."""
    from reattune.alerts.services import alerts_raise_for_session
    from reattune.cases.models import TherapySession

    since = timezone.now() - dt.timedelta(days=days)
    sessions = (
        TherapySession.objects.filter(clinic_id=clinic_id)
        .filter(Q(date__gte=since.date()) | Q(responses__submitted_at__gte=since))
        .distinct()
        .select_related("case")
        .order_by("case_id", "number")
    )
    created = 0
    for session in sessions.iterator():
        with transaction.atomic():
            created += len(alerts_raise_for_session(session=session))
    return created


def raise_alerts_enqueue() -> int:
    return _each_clinic(raise_missing_alerts)


@task()
def clear_expired_links(*, clinic_id: int) -> int:
    """Clear what an expired, unanswered check link no longer needs: the client's email
    address on it, and its reminder record. The link itself stays, so that opening it still
    tells the client it has expired, and no answers or audit entry ever lose their link."""
    from reattune.worker.models import LinkReminder

    now = timezone.now()
    expired = CheckLink.objects.filter(clinic_id=clinic_id, expires_at__lte=now)
    cleared = expired.exclude(emailed_to="").update(emailed_to="")
    LinkReminder.objects.filter(clinic_id=clinic_id, link_id__in=expired.values("pk")).delete()
    return cleared


def clear_links_enqueue() -> int:
    return _each_clinic(clear_expired_links)


@task()
def send_link_reminders(*, clinic_id: int) -> int:
    """Enqueue one reminder for each of the clinic's links emailed LINK_REMINDER_HOURS ago or
    more and still unanswered and open. The LinkReminder row, unique per link, is written in
    the same transaction as the reminder's task: no link is reminded twice."""
    from reattune.checks.tasks import email_link_reminder
    from reattune.worker.models import LinkReminder

    now = timezone.now()
    due = (
        CheckLink.objects.filter(
            clinic_id=clinic_id,
            emailed_at__lte=now - dt.timedelta(hours=settings.LINK_REMINDER_HOURS),
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .exclude(pk__in=LinkReminder.objects.filter(clinic_id=clinic_id).values("link_id"))
        .values_list("pk", flat=True)
    )
    return sum(
        _once(
            LinkReminder(link_id=link_id, clinic_id=clinic_id),
            email_link_reminder,
            link_id=link_id,
            clinic_id=clinic_id,
        )
        for link_id in list(due)
    )


def _once(record: Model, reminder: Task[..., Any], **kwargs: int) -> bool:
    """Enqueue `reminder` with its record, unique per thing reminded of, in one transaction:
    False, and nothing enqueued, if another run made the record first."""
    try:
        with transaction.atomic():
            record.save(force_insert=True)
            reminder.enqueue(**kwargs)
    except IntegrityError:
        return False
    return True


def reminders_enqueue() -> int:
    if not settings.LINK_REMINDER_HOURS:
        return 0
    return _each_clinic(send_link_reminders)


@task()
def send_session_reminders(*, clinic_id: int) -> int:
    """Enqueue one reminder for each participant, with an email address, of each of the
    clinic's open cases that has a session scheduled for tomorrow. The SessionReminder row,
    unique per (session, participant), is written in the same transaction as the reminder's
    task: nobody is reminded of a session twice."""
    from reattune.checks.tasks import email_session_reminder
    from reattune.worker.models import SessionReminder

    if settings.SESSION_REMINDER_AT is None:
        return 0
    return sum(
        _once(
            SessionReminder(
                session_id=session_id, participant_id=participant_id, clinic_id=clinic_id
            ),
            email_session_reminder,
            session_id=session_id,
            participant_id=participant_id,
            clinic_id=clinic_id,
        )
        for session_id, participant_id in _sessions_to_remind(clinic_id)
    )


def _sessions_to_remind(clinic_id: int) -> list[tuple[int, int]]:
    """(session id, participant id) of each reminder due and not yet enqueued."""
    from reattune.cases.models import Attendance, Participant, TherapySession
    from reattune.worker.models import SessionReminder

    sessions = dict(
        TherapySession.objects.filter(
            clinic_id=clinic_id,
            date=timezone.localdate() + dt.timedelta(days=1),
            attendance=Attendance.SCHEDULED,
            case__closed_on__isnull=True,
        ).values_list("pk", "case_id")
    )
    people: dict[int, list[int]] = {}
    with_email = (
        Participant.objects.filter(clinic_id=clinic_id, case_id__in=set(sessions.values()))
        .exclude(client__email="")
        .values_list("case_id", "pk")
    )
    for case_id, participant_id in with_email:
        people.setdefault(case_id, []).append(participant_id)
    reminded = set(
        SessionReminder.objects.filter(
            clinic_id=clinic_id, session_id__in=list(sessions)
        ).values_list("session_id", "participant_id")
    )
    return [
        (session_id, participant_id)
        for session_id, case_id in sessions.items()
        for participant_id in people.get(case_id, [])
        if (session_id, participant_id) not in reminded
    ]


def session_reminders_enqueue() -> int:
    # With SESSION_REMINDER_AT "off" the job is never due (schedule.py), so never gets here.
    return _each_clinic(send_session_reminders)


@task()
def sweep_uploads() -> int:
    """Expire import uploads that were checked and never confirmed (every clinic)."""
    from reattune.imports.sweep import uploads_sweep

    return uploads_sweep()


def sweep_uploads_enqueue() -> int:
    sweep_uploads.enqueue()
    return 1


@task()
def prune_task_results() -> int:
    """Delete the worker's old records; return how many task results went."""
    from reattune.worker.housekeeping import records_prune

    return records_prune()


def prune_enqueue() -> int:
    prune_task_results.enqueue()
    return 1
