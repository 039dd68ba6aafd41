"""The supervision queue: what a supervisor's hour should go to, gathered from the records.

Scope: a supervisor's queue covers their CURRENT supervisees' cases only (an ended supervision
takes its cases out at once); anyone else's queue is "my items for supervision", their own
cases. Either way the cases are also filtered through `visible_case_ids`, so the queue can never
show a record its reader could not open.

An item leaves the queue when its record is dealt with (alert acknowledged or dismissed, repair
held, closed or tried again, obligation done) or when it was discussed in a signed meeting;
`recently_left` says which, so nothing disappears silently.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.cases.models import CaseClinician, Participant
from reattune.clinics.access import visible_case_ids
from reattune.clinics.models import Supervision, User
from reattune.ethics.vocabulary import HARMED, HARMS
from reattune.repairs.models import Obligation, Repair, RepairStatus
from reattune.supervision.models import AgendaItem, MeetingStatus, SupervisionRequest

SAFETY_SIGNALS = ("safety",)
OFF_TRACK_SIGNALS = ("not_on_track", "reliable_deterioration")

# Most urgent first: the order of the queue and the label on each item.
KINDS: dict[str, str] = {
    "safety": "Safety",
    "not_held": "Repair did not hold",
    "overdue": "Overdue obligation",
    "off_track": "Not on track",
    "request": "Brought to supervision",
    "harm": "Repair with harm",
}
RANK = {kind: n for n, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class QueueItem:
    key: str  # "<source>:<pk>", what a meeting's agenda form posts back
    kind: str
    title: str
    why: str
    url: str
    since: dt.datetime | dt.date
    clinician_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def urgent(self) -> bool:
        return self.kind == "safety"

    @property
    def source(self) -> str:
        return self.key.split(":")[0]

    @property
    def record_id(self) -> int:
        return int(self.key.split(":")[1])


@dataclass(frozen=True)
class LeftItem:
    title: str
    reason: str
    url: str
    when: dt.datetime


# The home page's summary groups the queue under these headings.
HEADINGS: dict[str, str] = {
    "safety": "Safety alerts",
    "not_held": "Repairs that did not hold",
    "overdue": "Overdue obligations",
    "off_track": "Clients not on track",
    "request": "Brought to supervision",
    "harm": "Repairs with harm",
}


def home_summary(user: User, *, per_kind: int = 25) -> dict[str, Any]:
    """The queue in short for a supervisor's home page: up to `per_kind` items under each
    heading, and the total, with the full queue a link away."""
    items = queue_for(user)
    groups = []
    for kind in KINDS:
        theirs = [i for i in items if i.kind == kind]
        if theirs:
            groups.append((HEADINGS[kind], theirs[:per_kind], len(theirs) - per_kind))
    return {"groups": groups, "count": len(items)}


def supervisee_ids(supervisor: User) -> list[int]:
    return list(
        Supervision.objects.active()
        .filter(supervisor=supervisor, clinic=supervisor.clinic)
        .values_list("supervisee_id", flat=True)
    )


def queue_owner_ids(user: User, supervisee: User | None = None) -> list[int]:
    """Whose cases the queue covers: a supervisor's current supervisees (or the one asked
    for, if it is one of them), anyone else's own."""
    if not user.is_supervisor:
        return [user.pk]
    ids = supervisee_ids(user)
    if supervisee is not None:
        return [supervisee.pk] if supervisee.pk in ids else []
    return ids


class CaseScope(dict[int, frozenset[int]]):
    """Case id → the owners among its clinicians (as a dict), plus the same cases as a
    subquery (`ids`) for the queue's filters: a supervisor's scope is hundreds of cases, and
    hundreds of ids bound into each of a dozen statements cost more than the statements.
    `owners` are the people whose cases these are (a supervisor's queue has a group for each,
    with or without items)."""

    ids: Any = None
    owners: list[int]

    def __init__(self, cases: dict[int, frozenset[int]], owners: list[int]) -> None:
        super().__init__(cases)
        self.owners = owners


def queue_scope(user: User, supervisee: User | None = None) -> CaseScope:
    """The cases the queue covers: read once a page, and handed to `queue_for` and
    `recently_left`, which would otherwise each read it again."""
    return case_clinicians(user, queue_owner_ids(user, supervisee))


def case_clinicians(user: User, owners: list[int]) -> CaseScope:
    """Case id → the owners among its clinicians, for every case in the queue's scope.

    The owners are the person and their current supervisees, whose caseloads they may see, so
    their assignments are the scope; `visible_case_ids` keeps it to cases the person may open."""
    assignments = CaseClinician.objects.filter(
        clinic_id=user.clinic_id or 0,  # no clinic: no cases
        clinician_id__in=owners,
    )
    pairs = assignments.values_list("case_id", "clinician_id")
    visible = visible_case_ids(user)
    if isinstance(visible, list):
        # The visible cases are a list of a few hundred ids: matched here, not bound into the
        # statement (compiling hundreds of parameters cost more than the statement).
        allowed = set(visible)
        rows = [(case_id, clinician) for case_id, clinician in pairs if case_id in allowed]
    else:
        rows = list(pairs.filter(case_id__in=visible))
    cases: dict[int, set[int]] = defaultdict(set)
    for case_id, clinician_id in rows:
        cases[case_id].add(clinician_id)
    scope = CaseScope({case_id: frozenset(ids) for case_id, ids in cases.items()}, owners)
    scope.ids = assignments.values("case_id")
    return scope


def scope_ids(cases: dict[int, frozenset[int]]) -> Any:
    return cases.ids if isinstance(cases, CaseScope) and cases.ids is not None else list(cases)


def _discussed(field_name: str, since: str | None = None) -> Exists:
    """The record is on the agenda of a signed meeting (signed after `since`, if given)."""
    items = AgendaItem.objects.filter(
        **{field_name: OuterRef("pk")}, meeting__status=MeetingStatus.SIGNED
    )
    if since:
        items = items.filter(meeting__signed_at__gte=OuterRef(since))
    return Exists(items)


def queue_for(
    user: User, *, supervisee: User | None = None, cases: CaseScope | None = None
) -> list[QueueItem]:
    """The queue, most urgent first, then longest waiting first. `cases` is the scope if the
    caller has read it already (`queue_scope(user, supervisee)`)."""
    if user.clinic_id is None or not user.is_active:
        return []
    if cases is None:
        cases = queue_scope(user, supervisee)
    if not cases:
        return []
    items = [
        *_alert_items(cases),
        *_repair_items(cases),
        *_overdue_items(cases),
        *_request_items(cases),
    ]
    return sorted(items, key=lambda i: (RANK[i.kind], _as_datetime(i.since)))


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def _alert_items(cases: dict[int, frozenset[int]]) -> list[QueueItem]:
    alerts = (
        Alert.objects.filter(case_id__in=scope_ids(cases), status=AlertStatus.OPEN)
        .filter(
            Q(signal__in=SAFETY_SIGNALS)
            | Q(severity=Severity.URGENT)
            | Q(signal__in=OFF_TRACK_SIGNALS)
        )
        .exclude(_discussed("alert"))
        .select_related("client", "session")
    )
    items = []
    for alert in alerts:
        safety = alert.signal in SAFETY_SIGNALS or alert.severity == Severity.URGENT
        what = "An urgent alert" if safety else "The client's scores are off their expected path"
        items.append(
            QueueItem(
                key=f"alert:{alert.pk}",
                kind="safety" if safety else "off_track",
                title=f"{alert.title}: {alert.client.code}",
                why=f"{what} after session {alert.session.number}, still open.",
                url=reverse("alert_detail", args=[alert.pk]),
                since=alert.created_at,
                clinician_ids=cases[alert.case_id],
            )
        )
    return items


def repairs_in(cases: dict[int, frozenset[int]]) -> QuerySet[Repair]:
    return Repair.objects.filter(case_id__in=scope_ids(cases)).select_related(
        "client", "verified_session"
    )


def _repair_items(cases: dict[int, frozenset[int]]) -> list[QueueItem]:
    """Repairs that did not hold (not discussed since they were judged), and repairs graded as
    harmful (not discussed at all). A repair that did not hold is in the queue once, with its
    harm in the reason."""
    # First the candidates' ids, on plain columns; then only those are checked against the
    # signed meetings. In one statement PostgreSQL ran the "discussed" subqueries for every
    # candidate repair of the clinic before keeping the ones in scope.
    candidates = list(
        Repair.objects.filter(case_id__in=scope_ids(cases))
        .filter(Q(status=RepairStatus.NOT_HELD) | Q(harm__in=HARMED))
        .values_list("pk", flat=True)
    )
    not_held = Q(status=RepairStatus.NOT_HELD) & Q(discussed_since_verified=False)
    harmful = Q(harm__in=HARMED) & ~Q(status=RepairStatus.NOT_HELD) & Q(discussed=False)
    repairs = (
        Repair.objects.filter(pk__in=candidates)
        .alias(
            discussed_since_verified=_discussed("repair", since="verified_at"),
            discussed=_discussed("repair"),
        )
        .filter(not_held | harmful)
        .select_related("client", "verified_session")
    )
    return [
        _not_held_item(repair, cases)
        if repair.status == RepairStatus.NOT_HELD
        else _harm_item(repair, cases)
        for repair in repairs
    ]


def _not_held_item(repair: Repair, cases: dict[int, frozenset[int]]) -> QueueItem:
    number = repair.verified_session.number if repair.verified_session else "?"
    why = f"The client's checks were not back to their usual level by session {number}."
    if repair.harm in HARMED:
        why += f" It caused harm ({HARMS[repair.harm].split(': ')[-1].lower()})."
    return QueueItem(
        key=f"repair:{repair.pk}",
        kind="not_held",
        title=f"{repair.get_kind_display()}: {repair.client.code}",
        why=why,
        url=reverse("repair_detail", args=[repair.pk]),
        since=repair.verified_at or repair.opened_at,
        clinician_ids=cases[repair.case_id],
    )


def _harm_item(repair: Repair, cases: dict[int, frozenset[int]]) -> QueueItem:
    return QueueItem(
        key=f"repair:{repair.pk}",
        kind="harm",
        title=f"{repair.get_kind_display()}: {repair.client.code}",
        why=f"Graded “{HARMS[repair.harm]}” and not yet discussed in supervision.",
        url=reverse("repair_detail", args=[repair.pk]),
        since=repair.opened_at,
        clinician_ids=cases[repair.case_id],
    )


def _overdue_items(cases: dict[int, frozenset[int]]) -> list[QueueItem]:
    obligations = (
        Obligation.objects.filter(repair__case_id__in=scope_ids(cases))
        .overdue(timezone.localdate())
        .exclude(_discussed("obligation"))
        .select_related("repair__client")
    )
    return [
        QueueItem(
            key=f"obligation:{o.pk}",
            kind="overdue",
            title=f"{o.label}: {o.repair.client.code}",
            why=f"Due on {o.due_on:%-d %b %Y} and not done: {Truncator(o.what).chars(140)}",
            url=reverse("repair_detail", args=[o.repair_id]),
            since=o.due_on,
            clinician_ids=cases[o.repair.case_id],
        )
        for o in obligations
    ]


def _request_items(cases: dict[int, frozenset[int]]) -> list[QueueItem]:
    case_ids = scope_ids(cases)
    # First the ids, one subquery per kind of target, each on its own (case) index; then the
    # few rows with what they point at. In one statement the planner expected hundreds of
    # matches and joined every alert and repair of the clinic before filtering.
    # The clients' cases are given as the list itself: with the scope as a subquery,
    # PostgreSQL read every participant of the clinic (100,000 in benchmarks/scale_data.py's
    # big clinic) once a scope passed about 450 cases, instead of probing the case index.
    clients_in_scope = Participant.objects.filter(case_id__in=list(cases)).values("client_id")
    wanted = list(
        SupervisionRequest.objects.unresolved()
        .filter(
            Q(alert_id__in=Alert.objects.filter(case_id__in=case_ids).values("pk"))
            | Q(repair_id__in=Repair.objects.filter(case_id__in=case_ids).values("pk"))
            | Q(client_id__in=clients_in_scope)
        )
        .values_list("pk", flat=True)
    )
    requests = list(
        SupervisionRequest.objects.filter(pk__in=wanted).select_related(
            "by", "alert__client", "repair__client", "client"
        )
    )
    # The in-scope cases of the clients asked about, in one statement for all of them.
    client_cases: dict[int, list[int]] = defaultdict(list)
    asked_about = {r.client_id for r in requests if r.client_id}
    for client_id, case_id in (
        Participant.objects.filter(client_id__in=asked_about, case_id__in=case_ids)
        .order_by("pk")
        .values_list("client_id", "case_id")
    ):
        if case_id in cases:
            client_cases[client_id].append(case_id)
    items = []
    for request in requests:
        title, url, in_scope = describe_target(request, client_cases)
        owners = frozenset().union(*(cases[c] for c in in_scope))
        items.append(
            QueueItem(
                key=f"request:{request.pk}",
                kind="request",
                title=title,
                why=f"{request.by} asked to bring this: “{request.note}”",
                url=url,
                since=request.created_at,
                clinician_ids=owners,
            )
        )
    return items


def describe_target(
    request: SupervisionRequest, client_cases: dict[int, list[int]]
) -> tuple[str, str, list[int]]:
    """A request's title, link and the in-scope cases it concerns (`client_cases`: client id →
    their in-scope cases, for a request about a client)."""
    if request.alert:
        alert = request.alert
        title = f"{alert.title}: {alert.client.code}"
        return title, reverse("alert_detail", args=[alert.pk]), [alert.case_id]
    if request.repair:
        repair = request.repair
        title = f"{repair.get_kind_display()}: {repair.client.code}"
        return title, reverse("repair_detail", args=[repair.pk]), [repair.case_id]
    assert request.client is not None
    client = request.client
    case_ids = client_cases.get(client.pk, [])
    return f"Client {client.code}", reverse("client_detail", args=[client.pk]), case_ids


def on_draft_agenda(user: User) -> dict[str, Any]:
    """Queue keys already on one of this person's draft meetings → that meeting."""
    items = AgendaItem.objects.filter(
        meeting__status=MeetingStatus.DRAFT, meeting__supervisor=user
    ).select_related("meeting")
    found: dict[str, Any] = {}
    for item in items:
        record = item.alert_id or item.repair_id or item.obligation_id or item.request_id
        if record:
            found[f"{item.source}:{record}"] = item.meeting
    return found
