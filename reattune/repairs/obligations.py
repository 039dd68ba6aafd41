"""The obligations a clinic's codes and law attach to a repair, and marking them done."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from reattune.clinics.models import Supervision, User
from reattune.ethics.models import clinic_codes
from reattune.ethics.rules import obligations_for
from reattune.repairs.models import Obligation, Repair
from reattune.repairs.recording import clean_text, record_event


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
                "clinic_id": repair.clinic_id,
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
    obligation.done_note = clean_text(note, "note", required=False)
    obligation.save(update_fields=["done_at", "done_by", "done_note"])
    late = " (after it was due)" if obligation.due_on < timezone.localdate() else ""
    record_event(
        obligation.repair,
        by,
        "obligation_done",
        f"Done{late}: {obligation.label}.",
    )
    return obligation
