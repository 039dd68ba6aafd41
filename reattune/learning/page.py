"""Gathers one person's learning page: reads their caseload's records for a period, hands
plain rows to `patterns`, and draws the charts. Reads only; `access.learner_for` has already
decided the viewer may see this person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Case, CaseKind
from reattune.checks.models import Response
from reattune.clinics.http import clinic_id_of
from reattune.clinics.models import User
from reattune.ethics.vocabulary import KINDS
from reattune.learning import patterns
from reattune.learning.figures import clinic_figures
from reattune.learning.framework import framework_for
from reattune.learning.models import CompetencyRating, Level, Reflection
from reattune.learning.models import LearningGoal as Goal
from reattune.lib.charts import Series, line_chart
from reattune.measures.registry import all_definitions
from reattune.repairs.models import Repair

# The clinic's expected-response band (reattune.detection.rules.expected and its peer variant):
# a case with one of these in the period was worse than nearly all similar clients by then.
NOT_ON_TRACK = ("not_on_track", "finch_not_on_track")


@dataclass
class Patterns:
    period: str
    start: dt.date | None
    today: dt.date
    ruptures_by_kind: list[tuple[str, int]]
    ruptures_by_group: list[tuple[str, int]]
    outcomes: patterns.RepairOutcomes
    mine: patterns.TrackShare
    clinic: patterns.TrackShare
    alliance_mine: list[patterns.MonthMean]
    alliance_clinic: list[patterns.MonthMean]
    alliance_chart: str

    @property
    def alliance_first_month(self) -> dt.date | None:
        months = [m.month for m in self.alliance_mine + self.alliance_clinic]
        return min(months) if months else None

    @property
    def period_label(self) -> str:
        return patterns.PERIOD_LABELS[self.period]


def _in(start: dt.date | None, prefix: str) -> Q:
    return Q(**{f"{prefix}__gte": start}) if start else Q()


def _cases_of(person: User) -> Any:
    return Case.objects.filter(clinic_id=clinic_id_of(person), assignments__clinician=person)


def _repair_rows(person: User, start: dt.date | None, today: dt.date) -> list[patterns.RepairRow]:
    repairs = Repair.objects.filter(case__in=_cases_of(person)).select_related("case")
    rows = [
        patterns.RepairRow(
            kind=r.kind,
            case_kind=r.case.kind,
            opened_on=timezone.localdate(r.opened_at),
            status=r.status,
            verified_on=timezone.localdate(r.verified_at) if r.verified_at else None,
        )
        for r in repairs
    ]
    return [r for r in rows if patterns.in_period(r.opened_on, start, today)]


def track_share_of(cases: Any, start: dt.date | None, today: dt.date) -> patterns.TrackShare:
    """Of the cases with an outcome score in the period, how many had an expected-response
    alert in it: counted in the database, so a clinic of any size is two numbers on the wire."""
    outcome_ids = [d.id for d in all_definitions().values() if d.kind == "outcome"]
    scored = Response.objects.filter(
        _in(start, "session__date"),
        session__case=OuterRef("pk"),
        measure_id__in=outcome_ids,
        session__date__lte=today,
    )
    flagged = Alert.objects.filter(
        _in(start, "session__date"),
        case=OuterRef("pk"),
        signal__in=NOT_ON_TRACK,
        session__date__lte=today,
    )
    counts = (
        cases.filter(Exists(scored))
        .order_by()
        .annotate(flagged=Exists(flagged))
        .aggregate(cases=Count("pk"), not_on_track=Count("pk", filter=Q(flagged=True)))
    )
    return patterns.TrackShare(
        on_track=counts["cases"] - counts["not_on_track"], not_on_track=counts["not_on_track"]
    )


def alliance_by_month(
    cases: Any, start: dt.date | None, today: dt.date
) -> list[patterns.MonthMean]:
    """The mean alliance check per month of the sessions' dates, averaged in the database."""
    rows = (
        Response.objects.filter(
            _in(start, "session__date"),
            session__case__in=cases,
            measure_id="alliance",
            session__date__lte=today,
        )
        .order_by()
        .annotate(month=TruncMonth("session__date"))
        .values("month")
        .annotate(mean=Avg("total"), count=Count("pk"))
        .order_by("month")
    )
    return [
        patterns.MonthMean(month=_as_date(r["month"]), mean=float(r["mean"]), count=r["count"])
        for r in rows
    ]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    # TruncMonth of a date column is a date on PostgreSQL and SQLite alike; kept as a guard.
    return value.date() if isinstance(value, dt.datetime) else value


def _alliance_chart(mine: list[patterns.MonthMean], clinic: list[patterns.MonthMean]) -> str:
    months = [m.month for m in mine + clinic]
    if not months:
        return line_chart(title="Alliance by month", series=(), y_min=0, y_max=40)
    first = min(months)
    series = [
        Series("Your clients", [(patterns.month_index(first, m.month), m.mean) for m in mine]),
        Series("The clinic", [(patterns.month_index(first, m.month), m.mean) for m in clinic]),
    ]
    return line_chart(
        title=f"Mean alliance check by month, yours and the clinic's (month 1 = {first:%B %Y})",
        series=series,
        y_min=0,
        y_max=40,
        x_label="Month",
        y_label="Alliance (0-40)",
    )


def learning_patterns(person: User, period: str, today: dt.date | None = None) -> Patterns:
    today = today or timezone.localdate()
    start = patterns.period_start(today, period)
    repairs = _repair_rows(person, start, today)
    groups = dict(CaseKind.choices)
    mine_alliance = alliance_by_month(_cases_of(person), start, today)
    # The clinic's half as of this morning (reattune/learning/figures.py): one row, not a
    # pass over every answer in the clinic.
    clinic_track, clinic_alliance = clinic_figures(clinic_id_of(person), period, today)
    return Patterns(
        period=period,
        start=start,
        today=today,
        ruptures_by_kind=[
            (KINDS.get(k, k), n)
            for k, n in patterns.count_by([r.kind for r in repairs], list(KINDS))
        ],
        ruptures_by_group=[
            (groups.get(k, k), n)
            for k, n in patterns.count_by([r.case_kind for r in repairs], CaseKind.values)
        ],
        outcomes=patterns.repair_outcomes(repairs),
        mine=track_share_of(_cases_of(person), start, today),
        clinic=clinic_track,
        alliance_mine=mine_alliance,
        alliance_clinic=clinic_alliance,
        alliance_chart=_alliance_chart(mine_alliance, clinic_alliance),
    )


@dataclass
class Growth:
    chart: str
    first_month: dt.date | None
    ratings: list[CompetencyRating]
    latest: list[tuple[str, CompetencyRating | None]]
    corrected: set[int]


def growth(person: User, today: dt.date | None = None) -> Growth:
    """One line per rated competency: its level at the end of each month since the first
    rating. A rating that was corrected is left out of the chart (the table keeps it)."""
    today = today or timezone.localdate()
    assert person.clinic is not None
    competencies = framework_for(person.clinic, include_inactive=True)
    ratings = list(
        CompetencyRating.objects.filter(person=person)
        .select_related("competency", "rated_by")
        .order_by("rated_on", "pk")
    )
    corrected = {r.corrects_id for r in ratings if r.corrects_id}
    standing = [r for r in ratings if r.pk not in corrected]
    latest = {r.competency_id: r for r in standing}
    listed = [(c.title, latest.get(c.pk)) for c in competencies if c.active or c.pk in latest]
    if not standing:
        chart = line_chart(title="Competencies over time", series=(), y_min=1, y_max=5)
        return Growth(chart, None, ratings, listed, corrected)
    months = patterns.month_range(standing[0].rated_on, max(today, standing[-1].rated_on))
    series = []
    for competency in competencies:
        mine = [(r.rated_on, r.level) for r in standing if r.competency_id == competency.pk]
        if mine:
            series.append(Series(competency.title, patterns.level_by_month(mine, months)))
    chart = line_chart(
        title=f"Competencies over time (month 1 = {months[0]:%B %Y})",
        series=series,
        y_min=1,
        y_max=5,
        x_label="Month",
        y_label="Level (1-5)",
    )
    return Growth(chart, months[0], ratings, listed, corrected)


def reflections_of(person: User) -> Any:
    return Reflection.objects.filter(person=person).select_related("repair", "repair__client")


def goals_of(person: User) -> Any:
    return Goal.objects.filter(person=person).prefetch_related("notes")


LEVEL_ANCHORS = dict(Level.choices)
