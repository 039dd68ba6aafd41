"""What the home page shows about repairs: the person's own, and the supervision queue."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from reattune.clinics.models import User
from reattune.repairs.models import Obligation, Repair, RepairStatus


def home_panels(user: User) -> dict[str, Any]:
    """What the home page shows about repairs: the person's own open repairs and obligations
    due, and for a supervisor the supervision queue (repairs that did not hold and overdue
    obligations in their supervisees' cases)."""
    today = timezone.localdate()
    visible = Repair.objects.for_user(user)
    mine = Q(case__clinicians=user)
    open_repairs = visible.still_open().filter(mine).select_related("client").distinct()[:50]
    # Unassigned steps fall to the case's clinicians, except the admin's own (a breach
    # notification, say), which every admin sees instead.
    theirs_to_do = Q(assignee=user) | (
        Q(repair__case__clinicians=user, assignee__isnull=True) & ~Q(who="admin")
    )
    if user.is_clinic_admin:
        theirs_to_do |= Q(who="admin")
    due = (
        Obligation.objects.for_user(user)
        .outstanding()
        .filter(theirs_to_do)
        .select_related("repair__client")
        .distinct()[:50]
    )
    queue: dict[str, Any] = {}
    if user.is_supervisor:
        theirs = ~Q(case__clinicians=user)
        queue = {
            "not_held": visible.filter(theirs, status=RepairStatus.NOT_HELD)
            .select_related("client", "opened_by")
            .distinct()[:50],
            "overdue": Obligation.objects.for_user(user)
            .overdue(today)
            .exclude(repair__case__clinicians=user)
            .select_related("repair__client", "assignee")
            .distinct()[:50],
        }
    return {"open_repairs": open_repairs, "obligations_due": due, "queue": queue, "today": today}
