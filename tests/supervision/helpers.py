"""Records that put something in the supervision queue. All data synthetic."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Case
from reattune.clinics.models import User
from reattune.repairs.models import Obligation, Repair
from reattune.supervision.models import Meeting
from reattune.supervision.services import agenda_item_save, meeting_create, meeting_sign
from tests.repairs.helpers import check, days_ago, follow, open_by_hand, open_from_alert, ruptured
from tests.repairs.helpers import session as session_of


def alert(case: Case, signal: str, severity: str = "warning", number: int = 1) -> Alert:
    """An alert as detection stores it (the detection rules have their own tests)."""
    participant = case.participants.order_by("pk").first()
    assert participant is not None
    return Alert.objects.create(
        clinic=case.clinic,
        case=case,
        client=participant.client,
        participant=participant,
        session=session_of(case, number),
        signal=signal,
        severity=severity,
        title=signal.replace("_", " ").capitalize(),
        explanation="Synthetic.",
        rule="Synthetic rule.",
    )


def not_held(case: Case, by: User) -> Repair:
    """A rupture, repaired, and two checks after that stay low: the repair did not hold."""
    repair = open_from_alert(ruptured(case, by), by)
    check(case, session_of(case, 6), by, 24)
    check(case, session_of(case, 7), by, 23)
    repair.refresh_from_db()
    assert repair.status == "not_held"
    return repair


def harmful_with_overdue(case: Case, by: User) -> tuple[Repair, Obligation]:
    """A confidentiality mistake with moderate harm, discovered 90 days ago, every obligation
    done but HIPAA's notice to the individual, which is overdue."""
    follow(case.clinic_id, "bacp", "hipaa_breach")
    repair = open_by_hand(
        case, by, discovered_on=days_ago(90), kind="confidentiality", harm="harm_moderate"
    )
    overdue = repair.obligations.get(code_id="hipaa_breach", key="notify_individual")
    repair.obligations.exclude(pk=overdue.pk).update(done_at=timezone.now(), done_by=by)
    return repair, overdue


def signed_meeting(supervisor: User, supervisee: User, keys: list[str], **notes: Any) -> Meeting:
    meeting, _ = meeting_create(
        supervisor=supervisor,
        supervisee=supervisee,
        held_on=timezone.localdate(),
        item_keys=keys,
        form_key=uuid.uuid4(),
    )
    for item in meeting.items.all():
        agenda_item_save(
            item=item,
            by=supervisor,
            revision=0,
            notes=notes.get("notes", "We talked it through."),
            guidance=notes.get("guidance", "Slow down."),
        )
    meeting_sign(meeting=meeting, by=supervisor)
    meeting.refresh_from_db()
    return meeting
