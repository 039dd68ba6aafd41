"""Candour: what the client was told, each disclosure versioned, never overwritten."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from reattune.clinics.models import User
from reattune.repairs.models import Disclosure, Repair
from reattune.repairs.recording import (
    NEEDS_A_REASON,
    check_current,
    clean_text,
    not_future,
    record_event,
    same_content,
)


def _disclosure_fields(repair: Repair, fields: dict[str, Any]) -> dict[str, Any]:
    told_on: dt.date = fields["told_on"]
    not_future(told_on, "told_on")
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
        not_future(done, "followed_up_on")
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
        "what_was_said": clean_text(
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
    if latest is not None and latest.number == 1 and same_content(latest, by, cleaned):
        return latest  # a double submit
    thread = (max(repair.disclosures.values_list("thread", flat=True), default=0)) + 1
    disclosure = Disclosure.objects.create(
        clinic_id=repair.clinic_id, repair=repair, recorded_by=by, thread=thread, **cleaned
    )
    record_event(
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
    reason = clean_text(reason, "amendment_reason", required=True, message=NEEDS_A_REASON)
    cleaned = _disclosure_fields(repair, fields)
    if not check_current(current, expected_number, by, cleaned | {"amendment_reason": reason}):
        return current
    amended = Disclosure.objects.create(
        clinic_id=repair.clinic_id,
        repair=repair,
        recorded_by=by,
        thread=disclosure.thread,
        number=current.number + 1,
        amendment_reason=reason,
        **cleaned,
    )
    record_event(
        repair, by, "disclosure_amended", f"Disclosure {disclosure.thread} amended: {reason}"
    )
    return amended
