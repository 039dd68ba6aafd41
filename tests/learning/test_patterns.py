"""The pattern statistics behind the learning page, on plain rows (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from reattune.learning import patterns
from reattune.learning.patterns import CaseRow, RepairRow, ScoreRow

DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
STATUSES = st.sampled_from(["open", "not_held", "held", "closed"])


@st.composite
def repair_rows(draw: st.DrawFn) -> RepairRow:
    opened = draw(DAYS)
    status = draw(STATUSES)
    verified = opened + dt.timedelta(days=draw(st.integers(0, 90))) if status == "held" else None
    return RepairRow(
        kind=draw(st.sampled_from(["alliance_rupture", "boundary", "confidentiality"])),
        case_kind=draw(st.sampled_from(["individual", "couple", "family", "group"])),
        opened_on=opened,
        status=status,
        verified_on=verified,
    )


@given(st.lists(repair_rows(), max_size=40))
def test_repair_counts_add_up_and_the_rate_is_a_share(rows: list[RepairRow]) -> None:
    out = patterns.repair_outcomes(rows)
    assert out.held + out.not_held + out.undecided == out.opened == len(rows)
    if out.decided:
        assert out.held_rate is not None and 0 <= out.held_rate <= 1
    else:
        assert out.held_rate is None
    if out.held:
        assert out.median_days_to_hold is not None and 0 <= out.median_days_to_hold <= 90
    else:
        assert out.median_days_to_hold is None


@given(st.lists(repair_rows(), max_size=40))
def test_counts_by_kind_cover_every_repair(rows: list[RepairRow]) -> None:
    counted = patterns.count_by([r.kind for r in rows], ["boundary"])
    assert sum(n for _, n in counted) == len(rows)
    assert all(n > 0 for _, n in counted)
    assert len({k for k, _ in counted}) == len(counted)


def test_counts_follow_the_given_order_then_the_commonest() -> None:
    counted = patterns.count_by(["b", "c", "c", "a", "z"], ["a", "b", "q"])
    assert counted == [("a", 1), ("b", 1), ("c", 2), ("z", 1)]


@given(st.lists(st.booleans(), max_size=60))
def test_track_share_is_a_share_and_flags_small_numbers(flags: list[bool]) -> None:
    share = patterns.track_share(CaseRow(n, f) for n, f in enumerate(flags))
    assert share.cases == len(flags)
    assert share.too_few == (len(flags) < patterns.SMALL_NUMBERS)
    if flags:
        assert share.share_on_track is not None and 0 <= share.share_on_track <= 1
    else:
        assert share.share_on_track is None


@given(DAYS, st.sampled_from(list(patterns.PERIODS)), st.lists(DAYS, max_size=30))
def test_the_period_keeps_exactly_the_days_inside_it(
    today: dt.date, period: str, days: list[dt.date]
) -> None:
    start = patterns.period_start(today, period)
    kept = [d for d in days if patterns.in_period(d, start, today)]
    assert all(d <= today for d in kept)
    if start is None:
        assert kept == [d for d in days if d <= today]
    else:
        assert start < today
        assert all(d >= start for d in kept)
        assert (today - start).days <= 31 * (patterns.PERIODS[period] or 0)


@given(DAYS, st.integers(-24, 120))
def test_months_back_lands_in_the_right_month(day: dt.date, months: int) -> None:
    back = patterns.months_back(day, months)
    assert patterns.month_index(back, day) == months + 1
    assert back.day <= day.day


@given(st.text(max_size=10) | st.none())
def test_a_period_is_one_of_the_choices_or_the_default(raw: str | None) -> None:
    period, refused = patterns.parse_period(raw)
    assert period in patterns.PERIODS
    assert refused == (raw not in (None, "") and raw not in patterns.PERIODS)


def test_a_bad_period_falls_back_to_twelve_months() -> None:
    assert patterns.parse_period("13") == ("12", True)
    assert patterns.parse_period("6") == ("6", False)
    assert patterns.parse_period(None) == ("12", False)


@given(st.lists(st.tuples(DAYS, st.integers(0, 40)), max_size=50))
def test_monthly_means_lie_within_the_scores(rows: list[tuple[dt.date, int]]) -> None:
    means = patterns.monthly_means(ScoreRow(d, t) for d, t in rows)
    assert sum(m.count for m in means) == len(rows)
    assert [m.month for m in means] == sorted({d.replace(day=1) for d, _ in rows})
    for m in means:
        inside = [t for d, t in rows if d.replace(day=1) == m.month]
        assert min(inside) - 1e-9 <= m.mean <= max(inside) + 1e-9


def test_the_median_is_over_held_repairs_only() -> None:
    day = dt.date(2026, 3, 1)
    rows = [
        RepairRow("boundary", "individual", day, "held", day + dt.timedelta(days=4)),
        RepairRow("boundary", "couple", day, "held", day + dt.timedelta(days=10)),
        RepairRow("boundary", "couple", day, "not_held"),
        RepairRow("boundary", "couple", day, "open"),
    ]
    out = patterns.repair_outcomes(rows)
    assert (out.held, out.not_held, out.undecided, out.decided) == (2, 1, 1, 3)
    assert out.held_rate == 2 / 3
    assert out.median_days_to_hold == 7


@given(st.lists(st.tuples(DAYS, st.integers(1, 5)), min_size=1, max_size=20))
def test_level_by_month_steps_from_the_first_rating(ratings: list[tuple[dt.date, int]]) -> None:
    first = min(d for d, _ in ratings)
    months = patterns.month_range(first, max(d for d, _ in ratings))
    points = patterns.level_by_month(ratings, months)
    assert [x for x, _ in points] == list(range(1, len(months) + 1))
    assert all(1 <= v <= 5 for _, v in points)
    last_day = max(d for d, _ in ratings)
    assert points[-1][1] == [v for d, v in sorted(ratings, key=lambda r: r[0]) if d == last_day][-1]


def test_level_by_month_leaves_months_before_the_first_rating_empty() -> None:
    months = patterns.month_range(dt.date(2026, 1, 15), dt.date(2026, 4, 2))
    points = patterns.level_by_month([(dt.date(2026, 2, 10), 2), (dt.date(2026, 4, 1), 4)], months)
    assert points == [(2, 2.0), (3, 2.0), (4, 4.0)]
