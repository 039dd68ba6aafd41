"""Turning the detection core's signals into alerts, and telling the right people."""

from __future__ import annotations

from functools import partial
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reattune.alerts.detection import case_measurements, clinic_context, session_signals
from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.cases.models import Case, Participant, TherapySession
from reattune.checks.models import Response
from reattune.clinics.models import User
from reattune.detection.catalogue import info_for
from reattune.detection.engine import detect
from reattune.measures.registry import all_definitions

SEVERITIES = {s.value for s in Severity}


def alerts_raise_for_session(*, session: TherapySession) -> list[Alert]:
    """Run detection over the case up to this session and store each new signal as an alert.
    Idempotent: one alert per session, participant, signal and measure, so re-running (after
    a second partner answers, or from `reattune raise_alerts`) creates nothing twice. Urgent
    alerts are emailed once the alert is committed."""
    return _store_signals(session.case, [session], session_signals(session))


def alerts_raise_for_case(*, case: Case) -> list[Alert]:
    """Detection over a whole case's history at once, storing what it says at every session.
    Because every rule is prospective, this gives the same alerts as running it after each
    session in turn (the demo and `reattune raise_alerts` use it: one engine run per case)."""
    sessions = list(case.sessions.all())
    if not sessions:
        return []
    frame = case_measurements(case, up_to=max(s.number for s in sessions))
    return _store_signals(case, sessions, detect(frame, clinic_context(case.clinic_id)))


def _store_signals(
    case: Case, sessions: list[TherapySession], signals: pl.DataFrame
) -> list[Alert]:
    participants = {str(p.pk): p for p in case.participants.select_related("client")}
    only = next(iter(participants.values())) if len(participants) == 1 else None
    # The core knows participants by id; a clinician knows them as Partner A or by code.
    names = {pk: p.label or p.client.code for pk, p in participants.items()}
    by_number = {s.number: s for s in sessions}
    responses = {
        (r.session_id, r.participant_id, r.measure_id): r
        for r in Response.objects.filter(session__in=sessions)
    }
    created = []
    for signal in signals.iter_rows(named=True):
        session = by_number.get(signal["session"])
        participant = participants.get(signal["participant_id"]) or only
        if session is None or participant is None:
            continue
        response = responses.get((session.pk, participant.pk, signal["measure"]))
        alert, was_created = _store(session, participant, signal, response, names)
        if was_created:
            created.append(alert)
            if alert.severity == Severity.URGENT:
                from reattune.alerts.tasks import email_urgent_alert

                transaction.on_commit(
                    partial(
                        email_urgent_alert.enqueue, alert_id=alert.pk, clinic_id=alert.clinic_id
                    )
                )
    # The same checks may say whether a repair held.
    from reattune.repairs.services import repairs_verify

    repairs_verify(case)
    return created


def _store(
    session: TherapySession,
    participant: Participant,
    signal: dict[str, Any],
    response: Response | None,
    names: dict[str, str],
) -> tuple[Alert, bool]:
    definition = all_definitions().get(signal["measure"])
    info = info_for(signal["signal"], definition.short_title if definition else signal["measure"])
    severity = signal["severity"] if signal["severity"] in SEVERITIES else Severity.WARNING
    explanation = _with_names(signal["detail"], names)
    comment = str(response.answers.get("change", "")).strip() if response else ""
    if comment and signal["signal"] in ("alliance_rupture", "split_alliance"):
        explanation += f" They wrote: “{comment}”"
    return Alert.objects.get_or_create(
        session=session,
        participant=participant,
        signal=signal["signal"],
        measure_id=signal["measure"],
        defaults={
            "clinic_id": session.case.clinic_id,
            "case_id": session.case_id,
            "client_id": participant.client_id,
            "response": response,
            "severity": severity,
            "title": info.title,
            "explanation": explanation,
            "next_step": info.next_step,
            "rule": signal["rule"],
            # Good news needs no acknowledgement: it is recorded, not queued.
            "status": AlertStatus.OPEN if severity != Severity.INFO else AlertStatus.ACKNOWLEDGED,
        },
    )


def _with_names(detail: str, names: dict[str, str]) -> str:
    for pk, name in names.items():
        detail = detail.replace(f"participant {pk}", name).replace(f"Participant {pk}", name)
    return detail


def alert_acknowledge(*, alert: Alert, by: User) -> Alert:
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = by
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return alert


DISMISS_REASON_LIMIT = 2000
DISMISS_NEEDS_A_REASON = "Say why this alert needs no repair."
DISMISS_HAS_A_REPAIR = "This alert has a repair record, so it can't be dismissed as needing none."


@transaction.atomic
def alert_dismiss(*, alert: Alert, by: User, reason: str) -> Alert:
    """Close an alert without a repair, saying why. The reason is kept with the alert; the
    alert as stored is returned."""
    from reattune.repairs.models import Repair

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": DISMISS_NEEDS_A_REASON})
    if len(reason) > DISMISS_REASON_LIMIT:
        raise ValidationError(
            {"reason": f"Please keep the reason under {DISMISS_REASON_LIMIT} characters."}
        )
    # Locked, so that of two dismissals at once the second sees the first.
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.DISMISSED:
        return alert  # a double submit keeps the first reason
    if Repair.objects.filter(alert=alert).exists():
        raise ValidationError(DISMISS_HAS_A_REPAIR)
    alert.status = AlertStatus.DISMISSED
    alert.dismiss_reason = reason
    alert.acknowledged_by = by
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["status", "dismiss_reason", "acknowledged_by", "acknowledged_at"])
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
