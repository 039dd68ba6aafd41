"""What left the supervision queue lately, and why: resolved (how, by whom) or discussed in a
signed meeting. The queue never loses an item silently."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.clinics.models import User
from reattune.repairs.models import Obligation, RepairEvent, RepairStatus
from reattune.supervision.models import AgendaItem, MeetingStatus, SupervisionRequest
from reattune.supervision.queue import (
    OFF_TRACK_SIGNALS,
    SAFETY_SIGNALS,
    CaseScope,
    LeftItem,
    queue_scope,
    repairs_in,
    scope_ids,
)

RECENT_DAYS = 30


def recently_left(
    user: User,
    *,
    days: int = RECENT_DAYS,
    supervisee: User | None = None,
    cases: CaseScope | None = None,
) -> list[LeftItem]:
    """What left the queue in the last `days` days, and why, newest first. `cases` is the
    queue's scope if the caller has read it already (`queue_scope(user, supervisee)`)."""
    if user.clinic_id is None:
        return []
    if cases is None:
        cases = queue_scope(user, supervisee)
    since = timezone.now() - dt.timedelta(days=days)
    left = _discussed_recently(cases, since) if cases else []
    seen = {item.url + item.title for item in left}
    if cases:
        for item in [*_alerts_dealt(cases, since), *_repairs_moved_on(cases, since)]:
            if item.url + item.title not in seen:
                left.append(item)
        left += _obligations_done(cases, since)
    return sorted(left, key=lambda i: i.when, reverse=True)


def _discussed_recently(cases: dict[int, frozenset[int]], since: dt.datetime) -> list[LeftItem]:
    in_scope = (
        Q(alert__case_id__in=scope_ids(cases))
        | Q(repair__case_id__in=scope_ids(cases))
        | Q(obligation__repair__case_id__in=scope_ids(cases))
        | Q(request__in=SupervisionRequest.objects.filter(resolved_by_meeting__isnull=False))
    )
    items = (
        AgendaItem.objects.filter(
            in_scope,
            meeting__status=MeetingStatus.SIGNED,
            meeting__signed_at__gte=since,
            meeting__supervisee_id__in={c for ids in cases.values() for c in ids},
        )
        .exclude(source__in=("action", "topic"))
        .select_related("meeting")
    )
    return [
        LeftItem(
            title=item.title,
            reason=f"Discussed in the supervision meeting of {item.meeting.held_on:%-d %b %Y}.",
            url=reverse("meeting_detail", args=[item.meeting_id]),
            when=item.meeting.signed_at or item.meeting.created_at,
        )
        for item in items
    ]


def _alerts_dealt(cases: dict[int, frozenset[int]], since: dt.datetime) -> list[LeftItem]:
    alerts = (
        Alert.objects.filter(case_id__in=scope_ids(cases), acknowledged_at__gte=since)
        .exclude(status=AlertStatus.OPEN)
        .filter(
            Q(signal__in=SAFETY_SIGNALS)
            | Q(severity=Severity.URGENT)
            | Q(signal__in=OFF_TRACK_SIGNALS)
        )
        .select_related("client", "acknowledged_by")
    )
    items = []
    for alert in alerts:
        assert alert.acknowledged_at is not None
        when = f"{alert.acknowledged_at:%-d %b %Y}"
        if alert.status == AlertStatus.DISMISSED:
            reason = f"Dismissed by {alert.acknowledged_by} on {when}: {alert.dismiss_reason}"
        else:
            reason = f"Acknowledged by {alert.acknowledged_by} on {when}."
        items.append(
            LeftItem(
                title=f"{alert.title}: {alert.client.code}",
                reason=reason,
                url=reverse("alert_detail", args=[alert.pk]),
                when=alert.acknowledged_at,
            )
        )
    return items


def _repairs_moved_on(cases: dict[int, frozenset[int]], since: dt.datetime) -> list[LeftItem]:
    """Repairs that did not hold and have since held, closed or been tried again."""
    was_not_held = RepairEvent.objects.filter(repair=OuterRef("pk"), action="verified_not_held")
    # When the repair last moved, in the same statement: only those that moved lately are read.
    last_event = RepairEvent.objects.filter(repair=OuterRef("pk")).order_by("-at", "-pk")
    repairs = (
        repairs_in(cases)
        .filter(Exists(was_not_held))
        .exclude(status=RepairStatus.NOT_HELD)
        .annotate(last_at=Subquery(last_event.values("at")[:1]))
        .filter(last_at__gte=since)
        .select_related("closed_by")
    )
    items = []
    for repair in repairs:
        last_at: dt.datetime = repair.last_at  # type: ignore[attr-defined]
        on = f"{last_at:%-d %b %Y}"
        reason = {
            RepairStatus.HELD: f"Held by the client's own rating on {on}.",
            RepairStatus.CLOSED: f"Closed by {repair.closed_by} on {on}: {repair.close_reason}",
        }.get(
            RepairStatus(repair.status),
            f"A new repair attempt was recorded on {on}; the client's next checks judge it.",
        )
        items.append(
            LeftItem(
                title=f"{repair.get_kind_display()}: {repair.client.code}",
                reason=reason,
                url=reverse("repair_detail", args=[repair.pk]),
                when=last_at,
            )
        )
    return items


def _obligations_done(cases: dict[int, frozenset[int]], since: dt.datetime) -> list[LeftItem]:
    done = Obligation.objects.filter(
        repair__case_id__in=scope_ids(cases), done_at__gte=since, done_at__date__gt=F("due_on")
    ).select_related("repair__client", "done_by")
    return [
        LeftItem(
            title=f"{o.label}: {o.repair.client.code}",
            reason=f"Done by {o.done_by} on {o.done_at:%-d %b %Y} (it was due on "
            f"{o.due_on:%-d %b %Y}).",
            url=reverse("repair_detail", args=[o.repair_id]),
            when=o.done_at,
        )
        for o in done
        if o.done_at is not None
    ]
