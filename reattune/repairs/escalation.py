"""Overdue obligations go to the supervisor.

The supervision queue on the home page lists every overdue obligation whenever it is looked
at, so nothing depends on this running. Escalation adds the push: it marks each newly overdue
obligation as escalated, writes it to the repair's history and emails the clinician's current
supervisors (or, with no supervisor, the clinic admins) once. The email names no client
details beyond the client's code.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Role, Supervision, User
from reattune.repairs.models import Obligation, RepairEvent

logger = logging.getLogger(__name__)


def escalation_recipients(obligation: Obligation) -> list[User]:
    clinicians = list(obligation.repair.case.clinicians.filter(is_active=True))
    supervisors = list(
        User.objects.filter(
            is_active=True,
            pk__in=Supervision.objects.active()
            .filter(supervisee__in=clinicians, clinic_id=obligation.repair.clinic_id)
            .values("supervisor_id"),
        )
    )
    if supervisors:
        return supervisors
    return list(
        User.objects.filter(clinic_id=obligation.repair.clinic_id, role=Role.ADMIN, is_active=True)
    )


def obligations_escalate(
    today: dt.date | None = None, *, clinic_id: int | None = None
) -> list[Obligation]:
    """Escalate every overdue obligation not escalated before (of one clinic, if given). Safe
    to run as often as you like: each obligation is escalated once. The email goes inside the
    obligation's transaction, so one that cannot be sent leaves the obligation unmarked for the
    next run rather than marked and never sent."""
    today = today or timezone.localdate()
    overdue = Obligation.objects.overdue(today).filter(escalated_at__isnull=True)
    if clinic_id is not None:
        overdue = overdue.filter(clinic_id=clinic_id)
    escalated = []
    for pk in overdue.values_list("pk", flat=True):
        try:
            obligation = _escalate(pk)
        except OSError:  # smtplib's errors included
            logger.exception("Could not email overdue obligation %s; the next run tries again.", pk)
            continue
        if obligation is not None:
            escalated.append(obligation)
    return escalated


@transaction.atomic
def _escalate(pk: int) -> Obligation | None:
    obligation = (
        Obligation.objects.select_for_update()
        .select_related("repair__client", "repair__case")
        .get(pk=pk)
    )
    if obligation.escalated_at is not None or obligation.is_done:
        return None
    obligation.escalated_at = timezone.now()
    obligation.save(update_fields=["escalated_at"])
    people = escalation_recipients(obligation)
    names = ", ".join(str(p) for p in people) or "nobody (no supervisor or admin)"
    RepairEvent.objects.create(
        clinic_id=obligation.clinic_id,
        repair=obligation.repair,
        action="obligation_escalated",
        summary=f"Overdue since {obligation.due_on:%d %b %Y}: {obligation.label}. Sent to {names}.",
    )
    if people:
        link = settings.BASE_URL.rstrip("/") + reverse("repair_detail", args=[obligation.repair_id])
        send_mail(
            subject="[Reattune] An obligation is overdue",
            message=render_to_string(
                "repairs/email_overdue.txt", {"obligation": obligation, "link": link}
            ),
            from_email=None,
            recipient_list=[p.email for p in people],
        )
    return obligation
