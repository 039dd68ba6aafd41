"""What the home page shows about repairs: the person's own, and the supervision queue."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from reattune.clinics.models import User
from reattune.repairs.models import Obligation, Repair
from reattune.supervision.queue import home_summary


def home_panels(user: User) -> dict[str, Any]:
    """What the home page shows about repairs: the person's own open repairs and obligations
    due, and for a supervisor the supervision queue in short."""
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
    # A supervisor's queue is reattune.supervision's (safety first, discussed items gone);
    # the home page shows it in short.
    queue = home_summary(user) if user.is_supervisor else {}
    return {"open_repairs": open_repairs, "obligations_due": due, "queue": queue, "today": today}
