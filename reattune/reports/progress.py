"""The client progress report's content: scores and their meaning, attendance, the alliance,
and the repairs as kinds and statuses.

A progress report may be handed to the client or sent to a referrer, so it carries numbers and
categories only. What the clinician wrote (what happened, their part, how the repair went, why
it was closed), the client's own comments and the alerts' explanations stay in the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.charts import MeasureChart, client_charts
from reattune.cases.models import Attendance, Case, Client
from reattune.checks.models import Response
from reattune.clinics.models import User
from reattune.repairs.models import Repair, RepairStatus

RUPTURE_SIGNALS = ("alliance_rupture", "split_alliance")
ALLIANCE_MEASURE = "alliance"


@dataclass(frozen=True)
class MeasureSummary:
    """One measure's chart, with its first and latest score and what the change means."""

    chart: MeasureChart
    first: Response
    latest: Response
    count: int

    @property
    def definition(self) -> Any:
        return self.chart.definition

    @property
    def change(self) -> int:
        return self.latest.total - self.first.total

    @property
    def threshold(self) -> float | None:
        rc = self.definition.reliable_change
        return rc.value if rc else None

    @property
    def reliable(self) -> bool | None:
        """|change| at or above the measure's reliable change index (Jacobson & Truax 1991);
        None where the definition gives no threshold or there is only one score."""
        if self.threshold is None or self.count < 2:
            return None
        return abs(self.change) >= self.threshold

    @property
    def direction(self) -> str:
        if self.change == 0 or self.count < 2:
            return "no change"
        better = (self.change > 0) == self.definition.higher_is_better
        return "better" if better else "worse"

    @property
    def first_in_range(self) -> bool | None:
        return self.definition.in_clinical_range(self.first.total)  # type: ignore[no-any-return]

    @property
    def latest_in_range(self) -> bool | None:
        return self.definition.in_clinical_range(self.latest.total)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class CaseSummary:
    case: Case
    clinicians: list[str]
    attended: int
    missed: int  # cancelled or did not attend


@dataclass(frozen=True)
class AllianceSummary:
    checks: int
    lowest: int
    latest: int
    maximum: int
    ruptures_flagged: int
    repairs_held: int


@dataclass(frozen=True)
class ProgressReport:
    client: Client
    cases: list[CaseSummary]
    measures: list[MeasureSummary]
    alliance: AllianceSummary | None
    repairs: list[Repair]
    generated_at: dt.datetime
    generated_by: User

    @property
    def sessions_attended(self) -> int:
        return sum(c.attended for c in self.cases)

    @property
    def outcome_measures(self) -> list[MeasureSummary]:
        return [m for m in self.measures if m.definition.kind == "outcome"]

    @property
    def alliance_measures(self) -> list[MeasureSummary]:
        return [m for m in self.measures if m.definition.kind == "alliance"]


def progress_report_for(user: User, client_id: int) -> ProgressReport:
    """The report on a client this user may see (the client page's scoping), or 404."""
    client = get_object_or_404(Client.objects.for_user(user), pk=client_id)
    cases = list(
        Case.objects.for_user(user)
        .filter(participants__client=client)
        .distinct()
        .annotate(
            attended=Count("sessions", filter=Q(sessions__attendance=Attendance.ATTENDED)),
            missed=Count(
                "sessions",
                filter=Q(sessions__attendance__in=[Attendance.CANCELLED, Attendance.NO_SHOW]),
            ),
        )
        .prefetch_related("clinicians")
        .order_by("opened_on", "pk")
    )
    responses = list(
        Response.objects.for_user(user)
        .filter(client=client, session__case__in=cases)
        .select_related("session", "participant")
        .order_by("session__date", "session__number", "submitted_at", "pk")
    )
    repairs = list(Repair.objects.for_user(user).filter(client=client).order_by("opened_at", "pk"))
    ruptures = (
        Alert.objects.for_user(user).filter(client=client, signal__in=RUPTURE_SIGNALS).count()
    )
    # No alert markers on the charts: alerts are the clinicians' working signals, explained in
    # words that belong to the record, not to a report that may leave the clinic.
    measures = _summaries(client_charts(responses, alerts=[]))
    return ProgressReport(
        client=client,
        cases=[
            CaseSummary(
                case=case,
                clinicians=[c.full_name for c in case.clinicians.all()],
                attended=case.attended,  # type: ignore[attr-defined]
                missed=case.missed,  # type: ignore[attr-defined]
            )
            for case in cases
        ],
        measures=measures,
        alliance=_alliance(measures, ruptures, repairs),
        repairs=repairs,
        generated_at=timezone.now(),
        generated_by=user,
    )


def _summaries(charts: Sequence[MeasureChart]) -> list[MeasureSummary]:
    summaries = []
    for chart in charts:
        rows = sorted(chart.rows, key=lambda r: (r.session.date, r.session.number, r.pk))
        summaries.append(
            MeasureSummary(chart=chart, first=rows[0], latest=rows[-1], count=len(rows))
        )
    return summaries


def _alliance(
    measures: Sequence[MeasureSummary], ruptures: int, repairs: Sequence[Repair]
) -> AllianceSummary | None:
    alliance = next((m for m in measures if m.definition.id == ALLIANCE_MEASURE), None)
    if alliance is None:
        return None
    totals = [r.total for r in alliance.chart.rows]
    return AllianceSummary(
        checks=len(totals),
        lowest=min(totals),
        latest=alliance.latest.total,
        maximum=alliance.definition.max_total,
        ruptures_flagged=ruptures,
        repairs_held=sum(1 for r in repairs if r.status == RepairStatus.HELD),
    )
