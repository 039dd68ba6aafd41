"""Sudden gains and losses (Tang & DeRubeis 1999), in the prospective form Reattune uses."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.detection.frame import SIGNAL_COLUMNS, Context, Parameters, measurements
from reattune.detection.rules import sudden
from tests.detection.helpers import DEFINITIONS, WITH_WELLBEING, rows


def found(measure: str, totals: Sequence[float | None], defs=DEFINITIONS, **parameters):
    frame = measurements(rows(measure, totals))
    context = Context(definitions=defs, parameters=Parameters(**parameters))
    return sudden.signals(frame, context)


def fired(signals: pl.DataFrame) -> list[tuple[str, int]]:
    return list(zip(signals["signal"], signals["session"], strict=True))


def test_a_big_one_session_drop_is_a_sudden_gain():
    signals = found("phq9", [18, 17, 18, 17, 8, 9])
    assert fired(signals) == [("sudden_gain", 5)]
    assert signals.columns == SIGNAL_COLUMNS
    assert signals["severity"].to_list() == ["info"]
    assert signals["detail"].item() == (
        "PHQ-9 fell from 17 at session 4 to 8 at session 5 (9 points, 53% of the earlier "
        "score); a sudden change is at least 6 points and 25% of the earlier score. It is also "
        "more than 2.78 times the client's usual session-to-session variation (SD 1.2)."
    )
    assert "Tang & DeRubeis 1999" in signals["rule"].item()


def test_a_big_one_session_rise_is_a_sudden_loss():
    signals = found("phq9", [8, 9, 16])
    assert fired(signals) == [("sudden_loss", 3)]
    assert signals["severity"].to_list() == ["warning"]
    assert signals["detail"].item().startswith("PHQ-9 rose from 9 at session 2 to 16 at session 3")


def test_a_gradual_change_of_the_same_size_is_not_sudden():
    assert found("phq9", [20, 17, 14, 11, 8, 5]).is_empty()
    assert found("phq9", [5, 8, 11, 14, 17, 20]).is_empty()


def test_a_change_just_below_the_reliable_change_threshold_is_not_sudden():
    assert found("phq9", [15, 10]).is_empty()
    assert fired(found("phq9", [15, 9])) == [("sudden_gain", 2)]
    assert fired(found("gad7", [12, 8])) == [("sudden_gain", 2)]


def test_a_change_under_a_quarter_of_the_earlier_score_is_not_sudden():
    # 6 points from 26 is 23%; from 24 it is 25%.
    assert found("phq9", [26, 20]).is_empty()
    assert fired(found("phq9", [24, 18])) == [("sudden_gain", 2)]
    assert fired(found("phq9", [24, 18], sudden_fraction=0.3)) == []


def test_a_loss_from_zero_needs_only_the_reliable_change():
    assert fired(found("phq9", [0, 6])) == [("sudden_loss", 2)]


def test_with_three_earlier_changes_the_change_must_stand_out_from_the_clients_own_swings():
    # Earlier changes +5, -5, +5 (SD 5.8): a 7-point drop is within this client's swings.
    assert found("phq9", [15, 20, 15, 20, 13]).is_empty()
    # Steady before (changes 0, +1, -1): the same 7-point drop stands out.
    assert fired(found("phq9", [20, 20, 21, 20, 13])) == [("sudden_gain", 5)]


def test_with_fewer_than_three_earlier_changes_size_and_share_decide_alone():
    assert fired(found("phq9", [15, 20, 15, 8])) == [("sudden_gain", 4)]


def test_a_missed_session_is_skipped_not_counted_as_a_change():
    signals = found("phq9", [18, None, 10])
    assert fired(signals) == [("sudden_gain", 3)]
    assert "from 18 at session 1 to 10 at session 3" in signals["detail"].item()


def test_on_a_higher_is_better_measure_a_rise_is_a_gain_and_a_fall_a_loss():
    gain = found("wellbeing", [10, 17], defs=WITH_WELLBEING)
    loss = found("wellbeing", [20, 13], defs=WITH_WELLBEING)
    assert fired(gain) == [("sudden_gain", 2)]
    assert fired(loss) == [("sudden_loss", 2)]
    # The share counts from the top of the scale: 7 of the 17 points still to gain is 41%.
    assert "41% of the earlier score" in gain["detail"].item()


def test_alliance_checks_are_left_to_the_rupture_rules():
    assert found("alliance", [40, 10, 40]).is_empty()


def test_series_are_kept_apart():
    frame = measurements(rows("phq9", [18]) + rows("phq9", [8], client="B"))
    assert sudden.signals(frame, Context(definitions=DEFINITIONS)).is_empty()


totals = st.one_of(st.none(), st.integers(min_value=0, max_value=21).map(float))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(totals, min_size=1, max_size=12), st.lists(totals, min_size=1, max_size=12))
def test_a_signal_at_session_k_uses_nothing_after_session_k(phq9, gad7):
    frame = measurements(rows("phq9", phq9) + rows("gad7", gad7) + rows("phq9", gad7, "B"))
    context = Context(definitions=DEFINITIONS)
    full = sudden.signals(frame, context)
    for k in range(1, max(len(phq9), len(gad7)) + 1):
        truncated = sudden.signals(frame.filter(pl.col("session") <= k), context)
        assert truncated.filter(pl.col("session") == k).equals(full.filter(pl.col("session") == k))
