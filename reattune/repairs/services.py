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
from reattune.clinics.models import Supervision, User
from reattune.ethics.models import clinic_codes
from reattune.ethics.rules import obligations_for
from reattune.ethics.vocabulary import HARMS, KINDS
from reattune.repairs.models import (
    Disclosure,
    Marker,
    Obligation,
    Repair,
    RepairConversation,
    RepairEvent,
    RepairPlan,
    RepairStatus,
    RepairVersion,
    Source,
    Versioned,
)
from reattune.repairs.steps import BY_KEY

TEXT_LIMIT = 5000
EMPTY_NARRATIVE = "Say what happened, in a sentence or two. The record needs it."
FUTURE_DATE = "That date is in the future. Record what has already happened."
DISCOVERED_BEFORE_SESSION = "It can't have come to light before the session it happened in."
NEEDS_A_REASON = "Say why you're changing it."
STEP_LIMIT = 1000
STEP_TOO_LONG = "Please keep each step under 1,000 characters."
OPEN_FOR_THIS_ALERT = "A repair is already open for this alert. Here it is."
ALREADY_OPENED = "This repair is already open. Here it is."


class StaleRecord(Exception):
    """Someone else changed the record after this form was opened; nothing was saved.
    `current` is the version the record is at now."""

    def __init__(self, current: int) -> None:
        super().__init__(f"The record is at version {current}; nothing was saved.")
        self.current = current


class RepairExists(Exception):
    """The repair being opened is already open (from the same alert, or a double submit):
    `repair` is the one to go to, `message` says so."""

    def __init__(self, repair: Repair, message: str = OPEN_FOR_THIS_ALERT) -> None:
        super().__init__(f"{message} (repair {repair.pk})")
        self.repair = repair
        self.message = message


def _event(repair: Repair, by: User | None, action: str, summary: str) -> RepairEvent:
    return RepairEvent.objects.create(repair=repair, by=by, action=action, summary=summary)


def _text(value: str, field: str, *, required: bool, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: message or "This can't be empty."})
    if len(value) > TEXT_LIMIT:
        raise ValidationError(
            {field: f"Please keep this under {TEXT_LIMIT} characters (it has {len(value)})."}
        )
    return value


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: FUTURE_DATE})


def _session_of(case: Case, session: TherapySession, field: str = "session") -> TherapySession:
    if session.case_id != case.pk:
        raise ValidationError({field: "That session belongs to another case."})
    _not_future(session.date, field)
    return session


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
        "session": _session_of(case, session),
        "what_happened": _text(
            fields["what_happened"], "what_happened", required=True, message=EMPTY_NARRATIVE
        ),
        "kind": kind,
        "marker": marker if kind == "alliance_rupture" else "",
        "harm": harm,
        "contribution": _text(fields.get("contribution", ""), "contribution", required=False),
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
    _not_future(discovered_on, "discovered_on")
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
    RepairVersion.objects.create(repair=repair, recorded_by=by, **fields)
    _event(repair, by, "opened", f"Opened from {Source(source).label.lower()}.")
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
        if first is not None and _same(first, by, fields):
            return repair
    return None


def _same(row: Versioned, by: User, fields: dict[str, Any]) -> bool:
    return row.recorded_by_id == by.pk and all(getattr(row, k) == v for k, v in fields.items())


def _check_current(
    current: Versioned | None, expected: int | None, by: User, fields: dict[str, Any]
) -> bool:
    """Whether to save. A form opened on an earlier version than the record's is stale and
    saves nothing (StaleRecord), except for a double submit: the version just after the one
    the form was opened on, by the same person with the same content, is already the save
    (False: save nothing, return it)."""
    number = current.number if current is not None else 0
    if expected is None or expected == number:
        return True
    if current is not None and number == expected + 1 and _same(current, by, fields):
        return False
    raise StaleRecord(number)


@transaction.atomic
def repair_amend(
    *, repair: Repair, by: User, expected_number: int | None, reason: str, **narrative: Any
) -> RepairVersion:
    """A new version of what happened. The earlier ones stay in the history."""
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    current = repair.current()
    reason = _text(reason, "amendment_reason", required=True, message=NEEDS_A_REASON)
    fields = _narrative(repair.case, narrative.pop("session"), narrative)
    if repair.discovered_on < fields["session"].date:
        raise ValidationError({"session": DISCOVERED_BEFORE_SESSION})
    if not _check_current(current, expected_number, by, fields | {"amendment_reason": reason}):
        return current
    version = RepairVersion.objects.create(
        repair=repair, recorded_by=by, number=current.number + 1, amendment_reason=reason, **fields
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
    _event(
        repair,
        by,
        "amended",
        f"Amended{after} to version {version.number}: {reason}"
        + (f" ({'; '.join(changed)})" if changed else ""),
    )
    if changed:
        added = obligations_create(repair)
        if added:
            _event(
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
        text = _text(step.get("text", ""), f"text_{step['key']}", required=False)
        if len(text) > STEP_LIMIT:
            raise ValidationError({f"text_{step['key']}": STEP_TOO_LONG})
        cleaned.append({"key": step["key"], "title": BY_KEY[step["key"]].title, "text": text})
    if not cleaned:
        raise ValidationError("Choose at least one step.")
    if not _check_current(current, expected_number, by, {"steps": cleaned}):
        assert current is not None
        return current
    plan = RepairPlan.objects.create(
        repair=repair,
        recorded_by=by,
        number=(current.number + 1) if current else 1,
        steps=cleaned,
        amendment_reason="Plan changed" if current else "",
    )
    titles = ", ".join(s["title"].lower() for s in cleaned)
    _event(repair, by, "plan", f"Plan {'changed' if current else 'made'}: {titles}.")
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
    _session_of(repair.case, session)
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
        "how_it_went": _text(
            how_it_went, "how_it_went", required=True, message="Say how the conversation went."
        ),
        "client_response": _text(client_response, "client_response", required=False),
        "next_step": _text(next_step, "next_step", required=False),
    }
    reason = _text(reason, "amendment_reason", required=False)
    if not _check_current(current, expected_number, by, fields | {"amendment_reason": reason}):
        assert current is not None
        return current
    if current and not reason:
        raise ValidationError({"amendment_reason": NEEDS_A_REASON})
    conversation = RepairConversation.objects.create(
        repair=repair,
        recorded_by=by,
        number=(current.number + 1) if current else 1,
        amendment_reason=reason,
        **fields,
    )
    summary = f"Repair conversation in session {session.number} recorded."
    if current:
        summary = f"Repair conversation amended (version {conversation.number}): {reason}"
    _event(repair, by, "conversation", summary)
    if repair.status == RepairStatus.NOT_HELD and session.number > (
        repair.verified_session.number if repair.verified_session else 0
    ):
        repair.status = RepairStatus.OPEN
        repair.verify_after = max(incident.number, session.number - 1)
        repair.verified_session = None
        repair.verified_at = None
        repair.save(update_fields=["status", "verify_after", "verified_session", "verified_at"])
        _event(
            repair,
            by,
            "reopened",
            f"A new attempt in session {session.number}: the client's checks from then on will say "
            "whether it held.",
        )
    repairs_verify(repair.case, only=[repair])
    return conversation


def _disclosure_fields(repair: Repair, fields: dict[str, Any]) -> dict[str, Any]:
    told_on: dt.date = fields["told_on"]
    _not_future(told_on, "told_on")
    if told_on < repair.current().session.date:
        raise ValidationError({"told_on": "That is before the session the mistake happened in."})
    told_by: User = fields["told_by"]
    if told_by.clinic_id != repair.clinic_id:
        raise ValidationError({"told_by": "Choose someone in this clinic."})
    due = fields.get("follow_up_due_on")
    done = fields.get("followed_up_on")
    if due and due < told_on:
        raise ValidationError(
            {"follow_up_due_on": "The follow-up can't be due before the telling."}
        )
    if done:
        _not_future(done, "followed_up_on")
        if done < told_on:
            raise ValidationError(
                {"followed_up_on": "The follow-up can't come before the telling."}
            )
    if fields["method"] not in ("in_person", "call", "writing"):
        raise ValidationError({"method": "Choose how the client was told."})
    return {
        "told_on": told_on,
        "told_by": told_by,
        "method": fields["method"],
        "what_was_said": _text(
            fields["what_was_said"],
            "what_was_said",
            required=True,
            message="Say what the client was told.",
        ),
        "apology_given": bool(fields.get("apology_given")),
        "follow_up_due_on": due,
        "followed_up_on": done,
    }


@transaction.atomic
def disclosure_record(*, repair: Repair, by: User, **fields: Any) -> Disclosure:
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    cleaned = _disclosure_fields(repair, fields)
    latest = repair.disclosures.order_by("-pk").first()
    if latest is not None and latest.number == 1 and _same(latest, by, cleaned):
        return latest  # a double submit
    thread = (max(repair.disclosures.values_list("thread", flat=True), default=0)) + 1
    disclosure = Disclosure.objects.create(repair=repair, recorded_by=by, thread=thread, **cleaned)
    _event(
        repair,
        by,
        "disclosure",
        f"Disclosure recorded: {disclosure.get_method_display().lower()} on "
        f"{disclosure.told_on:%d %b %Y} by {disclosure.told_by}.",
    )
    return disclosure


@transaction.atomic
def disclosure_amend(
    *, disclosure: Disclosure, by: User, expected_number: int | None, reason: str, **fields: Any
) -> Disclosure:
    repair = Repair.objects.select_for_update().get(pk=disclosure.repair_id)
    current = repair.disclosures.filter(thread=disclosure.thread).order_by("-number").first()
    assert current is not None
    reason = _text(reason, "amendment_reason", required=True, message=NEEDS_A_REASON)
    cleaned = _disclosure_fields(repair, fields)
    if not _check_current(current, expected_number, by, cleaned | {"amendment_reason": reason}):
        return current
    amended = Disclosure.objects.create(
        repair=repair,
        recorded_by=by,
        thread=disclosure.thread,
        number=current.number + 1,
        amendment_reason=reason,
        **cleaned,
    )
    _event(repair, by, "disclosure_amended", f"Disclosure {disclosure.thread} amended: {reason}")
    return amended


def _assignee(repair: Repair, who: str) -> User | None:
    clinicians = list(repair.case.clinicians.filter(is_active=True).order_by("pk"))
    clinician = repair.opened_by if repair.opened_by in clinicians else next(iter(clinicians), None)
    if who == "clinician":
        return clinician
    if who == "supervisor" and clinician is not None:
        link = (
            Supervision.objects.active()
            .filter(supervisee=clinician, clinic_id=repair.clinic_id, supervisor__is_active=True)
            .select_related("supervisor")
            .order_by("pk")
            .first()
        )
        return link.supervisor if link else None
    return None


def obligations_create(repair: Repair) -> list[Obligation]:
    """The checklist the clinic's codes and law attach to this kind and harm. Idempotent:
    an obligation already on the record is never duplicated or changed."""
    created = []
    codes = {code.id: code for code in clinic_codes(repair.clinic_id)}
    for rule in obligations_for(codes.values(), repair.kind, repair.harm):
        code = codes[rule.code_id]
        obligation, was_created = Obligation.objects.get_or_create(
            repair=repair,
            code_id=rule.code_id,
            key=rule.key,
            defaults={
                "code_title": code.short_title,
                "standard": rule.standard,
                "what": rule.what,
                "who": rule.who,
                "written": rule.written,
                "due_on": repair.discovered_on + dt.timedelta(days=rule.due_days),
                "assignee": _assignee(repair, rule.who),
            },
        )
        if was_created:
            created.append(obligation)
    return created


@transaction.atomic
def obligation_complete(*, obligation: Obligation, by: User, note: str = "") -> Obligation:
    """Mark a step done. Done twice (a double submit) keeps the first record."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.is_done:
        return obligation
    obligation.done_at = timezone.now()
    obligation.done_by = by
    obligation.done_note = _text(note, "note", required=False)
    obligation.save(update_fields=["done_at", "done_by", "done_note"])
    late = " (after it was due)" if obligation.due_on < timezone.localdate() else ""
    _event(
        obligation.repair,
        by,
        "obligation_done",
        f"Done{late}: {obligation.label}.",
    )
    return obligation


@transaction.atomic
def repair_close(*, repair: Repair, by: User, reason: str) -> Repair:
    """Close a repair by hand, with a reason. Outstanding obligations stay on the record, and
    stay due: the reason says why the repair is closed regardless."""
    repair = Repair.objects.select_for_update().get(pk=repair.pk)
    if not repair.is_open:
        raise ValidationError("This repair is already closed.")
    reason = _text(reason, "reason", required=True, message="Say why you are closing it.")
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
    _event(repair, by, "closed", f"Closed by {by}{left}: {reason}")
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
        _event(repair, None, f"verified_{verdict.outcome}", summary)
        decided.append(repair)
    return decided
