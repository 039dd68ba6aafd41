"""The shipped measure files say what the published instruments say."""

from __future__ import annotations

import pytest

from reattune.measures.definitions import load_definitions

SHIPPED = load_definitions()


def test_it_ships_exactly_phq9_gad7_core10_and_the_alliance_check() -> None:
    assert sorted(SHIPPED) == ["alliance", "core10", "gad7", "phq9"]
    assert all(d.shipped for d in SHIPPED.values())


@pytest.mark.parametrize(
    ("measure_id", "count", "top", "max_total", "cutoff", "reliable_change"),
    [("phq9", 9, 3, 27, 10, 6), ("gad7", 7, 3, 21, 8, 4), ("core10", 10, 4, 40, 11, 6)],
)
def test_it_ships_each_outcome_measure_with_its_published_range_and_thresholds(
    measure_id: str, count: int, top: int, max_total: int, cutoff: int, reliable_change: int
) -> None:
    measure = SHIPPED[measure_id]
    assert measure.kind == "outcome"
    assert not measure.higher_is_better
    assert [i.id for i in measure.scored_items] == [f"q{n}" for n in range(1, count + 1)]
    assert all(i.values == tuple(range(top + 1)) for i in measure.scored_items)
    assert (measure.min_total, measure.max_total) == (0, max_total)
    assert measure.cutoff is not None and measure.cutoff.value == cutoff
    assert measure.reliable_change is not None and measure.reliable_change.value == reliable_change
    assert measure.cutoff.source and measure.reliable_change.source
    assert measure.licence and measure.attribution


def test_it_reverses_only_core10_items_2_and_3() -> None:
    assert SHIPPED["core10"].reverse_items == {"q2", "q3"}
    assert all(not SHIPPED[m].reverse_items for m in ("phq9", "gad7", "alliance"))


@pytest.mark.parametrize("measure_id", ["phq9", "gad7"])
def test_it_keeps_the_difficulty_question_unscored_and_optional(measure_id: str) -> None:
    difficulty = SHIPPED[measure_id].item("difficulty")
    assert not difficulty.scored
    assert not difficulty.required


@pytest.mark.parametrize(("measure_id", "item_id"), [("phq9", "q9"), ("core10", "q6")])
def test_it_marks_the_self_harm_items_as_safety_items_alerting_above_nought(
    measure_id: str, item_id: str
) -> None:
    measure = SHIPPED[measure_id]
    assert [i.id for i in measure.items if i.is_safety] == [item_id]
    alert = measure.item(item_id).alert
    assert alert is not None and alert.above == 0


def test_it_keeps_core10_under_its_no_derivatives_licence_with_attribution() -> None:
    core10 = SHIPPED["core10"]
    assert "CC BY-ND 4.0" in core10.licence
    assert "CORE System Trust" in core10.attribution


def test_it_ships_the_alliance_check_with_four_0_to_10_items_felt_off_and_change() -> None:
    alliance = SHIPPED["alliance"]
    assert alliance.kind == "alliance"
    assert alliance.higher_is_better
    assert [i.id for i in alliance.scored_items] == ["respected", "focus", "approach", "voice"]
    assert all(i.type == "scale" and i.values == tuple(range(11)) for i in alliance.scored_items)
    assert (alliance.min_total, alliance.max_total) == (0, 40)
    felt_off = alliance.item("felt_off")
    assert felt_off.type == "yes_no" and felt_off.required and not felt_off.scored
    assert felt_off.alert is not None
    assert (felt_off.alert.kind, felt_off.alert.equals) == ("rupture", "yes")
    change = alliance.item("change")
    assert change.type == "text" and not change.required and not change.scored
    assert change.max_length == 1000
    assert alliance.cutoff is None and alliance.reliable_change is None
    assert alliance.notes
