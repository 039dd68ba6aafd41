"""The demo's synthetic trajectories: plain Python, checked against the real measure files."""

from __future__ import annotations

import random

import pytest

from reattune.demo import stories
from reattune.measures.registry import get_definition


def _series(name: str, m: int = 10, seed: int = 1) -> stories.Series:
    story, _, _ = stories.INDIVIDUAL_STORIES[name]
    return story(random.Random(seed), m)


@pytest.mark.parametrize("total", [0, 7, 23, 40, 55])
def test_spread_adds_up_to_the_total_within_each_items_range(total: int) -> None:
    values = stories.spread(random.Random(3), total, 4, 10)
    assert sum(values) == min(total, 40)
    assert all(0 <= v <= 10 for v in values)


# Each story from the fewest attended sessions it is used with, up to sixteen.
STORY_LENGTHS = [
    (name, m)
    for name, (_, _, needed) in stories.INDIVIDUAL_STORIES.items()
    for m in sorted({needed, 9, 16})
]


@pytest.mark.parametrize(("name", "m"), STORY_LENGTHS)
def test_every_story_gives_answers_the_real_measures_accept(name: str, m: int) -> None:
    checks = stories.checks_from(random.Random(m), _series(name, m))
    assert len(checks) == m
    for check in checks:
        form = check.form()
        for measure in ("alliance", "phq9", "gad7"):
            prefix = f"{measure}-"
            own = {k.removeprefix(prefix): v for k, v in form.items() if k.startswith(prefix)}
            get_definition(measure).clean_answers(own)


def test_nobody_answers_the_self_harm_item_unless_the_seed_says_so() -> None:
    for name in stories.INDIVIDUAL_STORIES:
        for seed in range(20):
            checks = stories.checks_from(random.Random(seed), _series(name, 12, seed))
            assert all(c.phq9[8] == 0 for c in checks)
    check = stories.checks_from(random.Random(0), _series("flat"))[-1]
    assert stories.with_safety_item(check, 2).phq9[8] == 2


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("m", [4, 7, 16])
def test_deteriorating_clients_rise_by_six_or_more_on_phq9(seed: int, m: int) -> None:
    series = _series("deteriorating", m, seed)
    assert series.phq9[-1] - series.phq9[0] >= 6


@pytest.mark.parametrize("seed", range(30))
def test_ceiling_raters_score_39_or_40_except_for_one_sharp_drop(seed: int) -> None:
    alliance = _series("ceiling_drop", 8, seed).alliance
    assert sum(a < 39 for a in alliance) == 1
    assert min(alliance) <= 32


@pytest.mark.parametrize("seed", range(30))
def test_low_raters_stay_steadily_between_22_and_26_without_ruptures(seed: int) -> None:
    series = _series("always_low", 12, seed)
    assert all(22 <= a <= 26 for a in series.alliance)
    assert series.ruptures == {}


@pytest.mark.parametrize("seed", range(30))
def test_a_repaired_rupture_returns_to_the_clients_usual_next_time(seed: int) -> None:
    series = _series("rupture_repaired", 9, seed)
    (at,) = series.ruptures
    before = series.alliance[:at]
    assert series.alliance[at] <= min(before) - 5
    assert series.alliance[at + 1] >= max(before) - 2


@pytest.mark.parametrize("seed", range(30))
def test_an_unrepaired_rupture_leaves_the_alliance_down(seed: int) -> None:
    series = _series("rupture_unrepaired", 9, seed)
    (at,) = series.ruptures
    assert max(series.alliance[at:]) < min(series.alliance[:at])


def test_in_the_couple_only_partner_b_drops_after_session_four() -> None:
    steady, pushed = stories.couple_split(random.Random(2026), 10)
    assert min(steady.alliance) >= 32
    assert min(pushed.alliance[:4]) >= 32
    assert max(pushed.alliance[4:]) <= 27
    assert steady.ruptures == {} and 4 in pushed.ruptures
