"""Overdue obligations go to the supervisor.

The supervision queue on the home page lists every overdue obligation whenever it is looked
at, so nothing depends on this running. Escalation adds the push: it marks each newly overdue
obligation as escalated, writes it to the repair's history and emails the clinician's current
supervisors (or, with no supervisor, the clinic admins) once. The email names no client
details beyond the client's code.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Role, Supervision, User
from reattune.repairs.models import Obligation, RepairEvent


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


def obligations_escalate(today: dt.date | None = None) -> list[Obligation]:
    """Escalate every overdue obligation not escalated before. Safe to run as often as you
    like: each obligation is escalated once."""
    today = today or timezone.localdate()
    escalated = []
    for pk in (
        Obligation.objects.overdue(today)
        .filter(escalated_at__isnull=True)
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            obligation = (
                Obligation.objects.select_for_update()
                .select_related("repair__client", "repair__case")
                .get(pk=pk)
            )
            if obligation.escalated_at is not None or obligation.is_done:
                continue
            obligation.escalated_at = timezone.now()
            obligation.save(update_fields=["escalated_at"])
            people = escalation_recipients(obligation)
            names = ", ".join(str(p) for p in people) or "nobody (no supervisor or admin)"
            RepairEvent.objects.create(
                repair=obligation.repair,
                action="obligation_escalated",
                summary=f"Overdue since {obligation.due_on:%d %b %Y}: {obligation.code_title} "
                f"{obligation.standard}. Sent to {names}.",
            )
            if people:
                link = settings.BASE_URL.rstrip("/") + reverse(
                    "repair_detail", args=[obligation.repair_id]
                )
                body = render_to_string(
                    "repairs/email_overdue.txt", {"obligation": obligation, "link": link}
                )
                transaction.on_commit(
                    partial(
                        send_mail,
                        subject="[Reattune] An obligation is overdue",
                        message=body,
                        from_email=None,
                        recipient_list=[p.email for p in people],
                    )
                )
        escalated.append(obligation)
    return escalated
