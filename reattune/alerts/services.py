"""Turning signals from the detection core into alerts, and telling the right people."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.checks.models import Response
from reattune.clinics.models import User
from reattune.detection.signals import answer_signals
from reattune.measures.registry import get_definition


def alerts_raise_for_response(*, response: Response) -> list[Alert]:
    """Create the alerts this response's answers raise (idempotent: the constraint on
    response and signal means a re-run creates nothing new) and email urgent ones."""
    definition = get_definition(response.measure_id)
    session = response.session
    created = []
    for signal in answer_signals(definition, response.answers, session.number):
        alert, was_created = Alert.objects.get_or_create(
            response=response,
            signal=signal.name,
            defaults={
                "clinic_id": response.clinic_id,
                "case_id": session.case_id,
                "client_id": response.client_id,
                "participant_id": response.participant_id,
                "session": session,
                "severity": signal.severity,
                "title": signal.title,
                "explanation": signal.explanation,
                "next_step": signal.next_step,
                "rule": signal.rule,
            },
        )
        if was_created:
            created.append(alert)
            if alert.severity == Severity.URGENT:
                from reattune.alerts.tasks import email_urgent_alert

                transaction.on_commit(partial(email_urgent_alert.enqueue, alert_id=alert.pk))
    return created


def alert_acknowledge(*, alert: Alert, by: User) -> Alert:
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = by
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return alert


def alert_recipients(alert: Alert) -> list[User]:
    """The case's clinicians and their current supervisors, active accounts only."""
    from reattune.clinics.models import Supervision

    clinicians = list(alert.case.clinicians.filter(is_active=True))
    supervisors = User.objects.filter(
        is_active=True,
        pk__in=Supervision.objects.active()
        .filter(supervisee__in=clinicians, clinic_id=alert.clinic_id)
        .values("supervisor_id"),
    )
    seen: dict[int, User] = {u.pk: u for u in clinicians}
    seen.update({u.pk: u for u in supervisors})
    return list(seen.values())
