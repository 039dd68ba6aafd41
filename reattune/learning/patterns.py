"""A clinician's own patterns, from plain rows: no Django import, so it is tested on its own.

The numbers are deliberately simple (counts, a share, a median, a monthly mean): a learning
page is read by one person about their own work, usually over a handful of clients, and a
cleverer statistic would claim more than so few cases can carry. Below `SMALL_NUMBERS` cases
the page says so in words.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SMALL_NUMBERS = 10
SMALL_CAVEAT = "Too few to compare; read this as a story, not a statistic."

# Period choices as the query string spells them: months back, or None for everything.
PERIODS: dict[str, int | None] = {"3": 3, "6": 6, "12": 12, "all": None}
PERIOD_LABELS = {"3": "Last 3 months", "6": "Last 6 months", "12": "Last 12 months", "all": "All"}
DEFAULT_PERIOD = "12"
BAD_PERIOD = "That period isn't one of the choices, so this shows the last 12 months."

HELD, NOT_HELD = "held", "not_held"


@dataclass(frozen=True)
class RepairRow:
    kind: str
    case_kind: str
    opened_on: dt.date
    status: str
    verified_on: dt.date | None = None


@dataclass(frozen=True)
class CaseRow:
    """One case seen in the period: did the clinic's expected-response band flag it?"""

    case_id: int
    not_on_track: bool


@dataclass(frozen=True)
class ScoreRow:
    on: dt.date
    total: float


@dataclass(frozen=True)
class RepairOutcomes:
    opened: int
    held: int
    not_held: int
    undecided: int  # still waiting for the client's checks, or closed by the clinician
    median_days_to_hold: float | None

    @property
    def decided(self) -> int:
        return self.held + self.not_held

    @property
    def held_rate(self) -> float | None:
        return self.held / self.decided if self.decided else None


@dataclass(frozen=True)
class TrackShare:
    on_track: int
    not_on_track: int

    @property
    def cases(self) -> int:
        return self.on_track + self.not_on_track

    @property
    def share_on_track(self) -> float | None:
        return self.on_track / self.cases if self.cases else None

    @property
    def too_few(self) -> bool:
        return self.cases < SMALL_NUMBERS


@dataclass(frozen=True)
class MonthMean:
    month: dt.date  # the first of the month
    mean: float
    count: int


def parse_period(raw: str | None) -> tuple[str, bool]:
    """The period key to use, and whether the asked-for one was refused (absent is fine)."""
    if raw is None or raw == "":
        return DEFAULT_PERIOD, False
    if raw in PERIODS:
        return raw, False
    return DEFAULT_PERIOD, True


def months_back(today: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier, clamped to the end of a shorter month."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def period_start(today: dt.date, period: str) -> dt.date | None:
    """The first day counted, or None for everything on record."""
    months = PERIODS[period]
    return None if months is None else months_back(today, months)


def in_period(day: dt.date, start: dt.date | None, today: dt.date) -> bool:
    return (start is None or day >= start) and day <= today


def count_by(values: Iterable[str], order: Sequence[str] = ()) -> list[tuple[str, int]]:
    """Counts per value, in `order` first (only those seen), then the rest by count."""
    counts = Counter(values)
    known = [(key, counts[key]) for key in order if counts[key]]
    rest = sorted(
        ((k, n) for k, n in counts.items() if k not in order), key=lambda kv: (-kv[1], kv[0])
    )
    return known + rest


def repair_outcomes(rows: Sequence[RepairRow]) -> RepairOutcomes:
    """How often the client's own checks said a repair held, and how fast (days from the
    repair's opening to the check that showed it)."""
    held = [r for r in rows if r.status == HELD]
    not_held = sum(1 for r in rows if r.status == NOT_HELD)
    days = [(r.verified_on - r.opened_on).days for r in held if r.verified_on is not None]
    return RepairOutcomes(
        opened=len(rows),
        held=len(held),
        not_held=not_held,
        undecided=len(rows) - len(held) - not_held,
        median_days_to_hold=float(statistics.median(days)) if days else None,
    )


def track_share(rows: Iterable[CaseRow]) -> TrackShare:
    flags = [r.not_on_track for r in rows]
    return TrackShare(on_track=flags.count(False), not_on_track=flags.count(True))


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def monthly_means(rows: Iterable[ScoreRow]) -> list[MonthMean]:
    """The mean total per calendar month, oldest first; months with no score are left out."""
    by_month: dict[dt.date, list[float]] = {}
    for row in rows:
        by_month.setdefault(first_of_month(row.on), []).append(row.total)
    return [
        MonthMean(month=m, mean=statistics.fmean(v), count=len(v))
        for m, v in sorted(by_month.items())
    ]


def month_index(first: dt.date, day: dt.date) -> int:
    """1 for `first`'s month, 2 for the next, …: the x of a chart drawn by month."""
    return (day.year - first.year) * 12 + day.month - first.month + 1


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first of every month from `first`'s to `last`'s, inclusive."""
    months, current = [], first_of_month(first)
    while current <= last:
        months.append(current)
        current = months_back(current, -1)
    return months


def level_by_month(
    ratings: Sequence[tuple[dt.date, int]], months: Sequence[dt.date]
) -> list[tuple[int, float]]:
    """A competency's standing at the end of each month (the latest rating by then), as chart
    points (month number, level); months before its first rating have no point."""
    ordered = sorted(ratings, key=lambda r: r[0])
    points, latest, i = [], None, 0
    for number, month in enumerate(months, start=1):
        next_month = months_back(month, -1)
        while i < len(ordered) and ordered[i][0] < next_month:
            latest = ordered[i][1]
            i += 1
        if latest is not None:
            points.append((number, float(latest)))
    return points
