"""Everything that changes a repair record. Views and commands call these; nothing else
writes to the repair tables, so every change is validated, versioned and written to the
record's history in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.alerts.services import alert_acknowledge
from reattune.cases.models import Case, Participant, TherapySession
from reattune.checks.models import Response
from reattune.clinics.models import User
from reattune.ethics.vocabulary import HARMS, KINDS
from reattune.repairs.models import (
    Marker,
    Repair,
    RepairConversation,
    RepairPlan,
    RepairStatus,
    RepairVersion,
    Source,
)
from reattune.repairs.obligations import obligations_create
from reattune.repairs.recording import (
    NEEDS_A_REASON,
    RepairExists,
    check_current,
    clean_text,
    not_future,
    record_event,
    same_content,
    session_of,
)
from reattune.repairs.steps import BY_KEY

EMPTY_NARRATIVE = "Say what happened, in a sentence or two. The record needs it."
DISCOVERED_BEFORE_SESSION = "It can't have come to light before the session it happened in."
STEP_LIMIT = 1000
STEP_TOO_LONG = "Please keep each step under 1,000 characters."
ALREADY_OPENED = "This repair is already open. Here it is."


def _narrative(case: Case, session: TherapySession, fields: dict[str, Any]) -> dict[str, Any]:
    """The narrative fields, validated: what a version holds."""
    kind, harm, marker = fields["kind"], fields["harm"], fields.get("marker") or ""
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose what kind of mistake this was."})
    if harm not in HARMS:
        raise ValidationError({"harm": "Choose how much harm it did, if any."})
    if marker not in Marker.values:
        raise ValidationError({"marker": "Choose withdrawal, confrontation, or neither."})
    return {
        "session": session_of(case, session),
        "what_happened": clean_text(
            fields["what_happened"], "what_happened", required=True, message=EMPTY_NARRATIVE
        ),
        "kind": kind,
        "marker": marker if kind == "alliance_rupture" else "",
        "harm": harm,
        "contribution": clean_text(fields.get("contribution", ""), "contribution", required=False),
    }


def _verify_after(participant: Participant, session: TherapySession, opened_at: dt.datetime) -> int:
    """The session after which the client's checks can speak for the repair: the session of
    the mistake, or the last one this person had already answered when the repair was opened
    (answers given before a repair cannot say whether it held)."""
    answered = (
        Response.objects.filter(
            participant=participant, measure_id="alliance", submitted_at__lt=opened_at
        )
        .order_by("-session__number")
        .values_list("session__number", flat=True)
        .first()
    )
    return max(session.number, answered or 0)


def source_for(user: User, case: Case) -> str:
    """How a repair opened by hand is recorded: by the supervisor, or by the clinician."""
    if case.clinicians.filter(pk=user.pk).exists():
        return Source.CLINICIAN
    return Source.SUPERVISOR if user.is_supervisor else Source.CLINICIAN


@transaction.atomic
def repair_open(
    *,
    by: User,
    case: Case,
    participant: Participant,
    session: TherapySession,
    discovered_on: dt.date,
    source: str,
    alert: Alert | None = None,
    response: Response | None = None,
    opened_at: dt.datetime | None = None,
    **narrative: Any,
) -> Repair:
    """Open a repair record with its first version and its checklist of obligations.
    From an alert: one repair per alert (a second attempt raises RepairExists with the first)."""
    if participant.case_id != case.pk:
        raise ValidationError({"participant": "That person is not part of this case."})
    if (alert and alert.case_id != case.pk) or (response and response.session.case_id != case.pk):
        raise ValidationError("That alert or comment belongs to another case.")
    if not case.is_open:
        raise ValidationError("This case is closed. Reopen it before starting a repair.")
    fields = _narrative(case, session, narrative)
    not_future(discovered_on, "discovered_on")
    if discovered_on < session.date:
        raise ValidationError({"discovered_on": DISCOVERED_BEFORE_SESSION})
    # One at a time per case, so that two people starting a repair from one alert at once, or
    # a double submit, find the first one's repair.
    Case.objects.select_for_update().get(pk=case.pk)
    if alert is not None and (existing := Repair.objects.filter(alert=alert).first()):
        raise RepairExists(existing)
    if existing := _same_repair(case, by, participant, discovered_on, response, fields):
        raise RepairExists(existing, ALREADY_OPENED)
    repair = Repair.objects.create(
        clinic_id=case.clinic_id,
        case=case,
        participant=participant,
        client_id=participant.client_id,
        source=source,
        alert=alert,
        response=response,
        opened_by=by,
        discovered_on=discovered_on,
        kind=fields["kind"],
        harm=fields["harm"],
        opened_at=opened_at or timezone.now(),
        verify_after=_verify_after(participant, session, opened_at or timezone.now()),
    )
    RepairVersion.objects.create(
        clinic_id=repair.clinic_id, repair=repair, recorded_by=by, **fields
    )
    record_event(repair, by, "opened", f"Opened from {Source(source).label.lower()}.")
    if alert is not None:
        alert_acknowledge(alert=alert, by=by)
    obligations_create(repair)
    repairs_verify(repair.case, only=[repair])
    return repair


def _same_repair(
    case: Case,
    by: User,
    participant: Participant,
    discovered_on: dt.date,
    response: Response | None,
    fields: dict[str, Any],
) -> Repair | None:
    """An open repair this person has just opened with exactly these words: a double submit."""
    candidates = case.repairs.still_open().filter(
        opened_by=by, participant=participant, discovered_on=discovered_on, response=response
    )
    for repair in candidates.order_by("-pk")[:5]:
        first = repair.versions.order_by("number").first()
        if first is not None and same_content(first, by, fields):
            return repair
    return None


@transaction.atomic
def repair_amend(
    *, repair: Repair, by: User, expected_number: int | None, reason: str, **narrative: Any
) -> RepairVersion:
    """A new version of what happened. The earlier ones stay in the history."""
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    current = repair.current()
    reason = clean_text(reason, "amendment_reason", required=True, message=NEEDS_A_REASON)
    fields = _narrative(repair.case, narrative.pop("session"), narrative)
    if repair.discovered_on < fields["session"].date:
        raise ValidationError({"session": DISCOVERED_BEFORE_SESSION})
    if not check_current(current, expected_number, by, fields | {"amendment_reason": reason}):
        return current
    version = RepairVersion.objects.create(
        clinic_id=repair.clinic_id,
        repair=repair,
        recorded_by=by,
        number=current.number + 1,
        amendment_reason=reason,
        **fields,
    )
    if fields["session"] != current.session and _judged_from_the_mistake(repair):
        # The checks after the session of the mistake judge the repair: a corrected session
        # moves where they start.
        repair.verify_after = _verify_after(repair.participant, fields["session"], repair.opened_at)
        repair.save(update_fields=["verify_after"])
    changed = []
    if (fields["kind"], fields["harm"]) != (repair.kind, repair.harm):
        repair.kind, repair.harm = fields["kind"], fields["harm"]
        repair.save(update_fields=["kind", "harm"])
        changed.append(f"now {repair.get_kind_display().lower()}, {repair.get_harm_display()}")
    after = " after it was closed" if not repair.is_open else ""
    record_event(
        repair,
        by,
        "amended",
        f"Amended{after} to version {version.number}: {reason}"
        + (f" ({'; '.join(changed)})" if changed else ""),
    )
    if changed:
        added = obligations_create(repair)
        if added:
            record_event(
                repair,
                None,
                "obligations_added",
                f"{len(added)} obligations added for the new grading.",
            )
    repairs_verify(repair.case, only=[repair])
    return version


def _judged_from_the_mistake(repair: Repair) -> bool:
    """Still waiting for the checks after the mistake itself, not after a later attempt."""
    return (
        repair.status == RepairStatus.OPEN and not repair.events.filter(action="reopened").exists()
    )


@transaction.atomic
def plan_save(
    *, repair: Repair, by: User, steps: Sequence[dict[str, str]], expected_number: int | None
) -> RepairPlan:
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    current = repair.current_plan()
    cleaned = []
    for step in steps:
        if step.get("key") not in BY_KEY:
            raise ValidationError("The plan has a step this version of Reattune does not know.")
        text = clean_text(step.get("text", ""), f"text_{step['key']}", required=False)
        if len(text) > STEP_LIMIT:
            raise ValidationError({f"text_{step['key']}": STEP_TOO_LONG})
        cleaned.append({"key": step["key"], "title": BY_KEY[step["key"]].title, "text": text})
    if not cleaned:
        raise ValidationError("Choose at least one step.")
    if not check_current(current, expected_number, by, {"steps": cleaned}):
        assert current is not None
        return current
    plan = RepairPlan.objects.create(
        clinic_id=repair.clinic_id,
        repair=repair,
        recorded_by=by,
        number=(current.number + 1) if current else 1,
        steps=cleaned,
        amendment_reason="Plan changed" if current else "",
    )
    titles = ", ".join(s["title"].lower() for s in cleaned)
    record_event(repair, by, "plan", f"Plan {'changed' if current else 'made'}: {titles}.")
    return plan


@transaction.atomic
def conversation_record(
    *,
    repair: Repair,
    by: User,
    session: TherapySession,
    steps_taken: Sequence[str],
    how_it_went: str,
    client_response: str = "",
    next_step: str = "",
    expected_number: int | None,
    reason: str = "",
) -> RepairConversation:
    """How the repair conversation went. Recording it again is an amendment (with a reason);
    after a repair that did not hold, a conversation in a later session is a new attempt,
    and the client's checks from that session on verify it."""
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    current = repair.current_conversation()
    session_of(repair.case, session)
    incident = repair.current().session
    if session.number < incident.number:
        raise ValidationError(
            {"session": f"The repair can't come before the mistake (session {incident.number})."}
        )
    unknown = [k for k in steps_taken if k not in BY_KEY]
    if unknown:
        raise ValidationError({"steps_taken": "Choose steps from the list."})
    fields = {
        "session": session,
        "steps_taken": list(steps_taken),
        "how_it_went": clean_text(
            how_it_went, "how_it_went", required=True, message="Say how the conversation went."
        ),
        "client_response": clean_text(client_response, "client_response", required=False),
        "next_step": clean_text(next_step, "next_step", required=False),
    }
    reason = clean_text(reason, "amendment_reason", required=False)
    if not check_current(current, expected_number, by, fields | {"amendment_reason": reason}):
        assert current is not None
        return current
    if current and not reason:
        raise ValidationError({"amendment_reason": NEEDS_A_REASON})
    conversation = RepairConversation.objects.create(
        clinic_id=repair.clinic_id,
        repair=repair,
        recorded_by=by,
        number=(current.number + 1) if current else 1,
        amendment_reason=reason,
        **fields,
    )
    summary = f"Repair conversation in session {session.number} recorded."
    if current:
        summary = f"Repair conversation amended (version {conversation.number}): {reason}"
    record_event(repair, by, "conversation", summary)
    if repair.status == RepairStatus.NOT_HELD and session.number > (
        repair.verified_session.number if repair.verified_session else 0
    ):
        repair.status = RepairStatus.OPEN
        repair.verify_after = max(incident.number, session.number - 1)
        repair.verified_session = None
        repair.verified_at = None
        repair.save(update_fields=["status", "verify_after", "verified_session", "verified_at"])
        record_event(
            repair,
            by,
            "reopened",
            f"A new attempt in session {session.number}: the client's checks from then on will say "
            "whether it held.",
        )
    repairs_verify(repair.case, only=[repair])
    return conversation


@transaction.atomic
def repair_close(*, repair: Repair, by: User, reason: str) -> Repair:
    """Close a repair by hand, with a reason. Outstanding obligations stay on the record, and
    stay due: the reason says why the repair is closed regardless."""
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    if not repair.is_open:
        raise ValidationError("This repair is already closed.")
    reason = clean_text(reason, "reason", required=True, message="Say why you are closing it.")
    repair.status = RepairStatus.CLOSED
    repair.closed_by = by
    repair.closed_at = timezone.now()
    repair.close_reason = reason
    repair.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
    outstanding = repair.obligations.outstanding().count()
    left = (
        f" with {outstanding} obligation{'s' if outstanding != 1 else ''} not done"
        if outstanding
        else ""
    )
    record_event(repair, by, "closed", f"Closed by {by}{left}: {reason}")
    return repair


def repairs_verify(case: Case, only: Sequence[Repair] | None = None) -> list[Repair]:
    """Ask the client's checks whether each repair waiting on them held (see
    reattune.detection.repair). Called after every check and when a repair is opened."""
    from reattune.repairs.verification import verdicts_for

    waiting = (
        list(only) if only is not None else list(case.repairs.filter(status=RepairStatus.OPEN))
    )
    waiting = [r for r in waiting if r.status == RepairStatus.OPEN]
    if not waiting:
        return []
    decided = []
    for repair, verdict in verdicts_for(case, waiting):
        if not verdict.decided or verdict.session is None:
            continue
        session = case.sessions.get(number=verdict.session)
        repair.verified_session = session
        repair.verified_at = timezone.now()
        repair.before_total, repair.after_total = verdict.before, verdict.after
        repair.baseline = verdict.baseline
        if verdict.outcome == "held":
            repair.status = RepairStatus.HELD
            repair.closed_at = repair.verified_at
            summary = (
                f"The client's check after session {session.number} is back to their usual "
                f"level: the repair held."
            )
        else:
            repair.status = RepairStatus.NOT_HELD
            summary = (
                f"By session {session.number} the client's checks were not back to their usual "
                "level: the repair did not hold. It stays open and goes to supervision."
            )
        repair.save()
        record_event(repair, None, f"verified_{verdict.outcome}", summary)
        decided.append(repair)
    return decided
