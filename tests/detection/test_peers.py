"""The peer rules Reattune is measured against, on tiny hand-made series."""

from __future__ import annotations

import polars as pl
import pytest

from reattune.detection import peers
from reattune.detection.frame import SIGNAL_COLUMNS
from reattune.measures.definitions import load_definitions
from tests.detection.helpers import series


@pytest.fixture(scope="module")
def definitions():
    return load_definitions()


def flagged(signals: pl.DataFrame) -> list[int]:
    return signals["session"].to_list()


def test_openfit_flags_any_drop_even_40_to_39(definitions):
    found = peers.openfit_alliance(series("alliance", [40, 39, 39, 40]), definitions)
    assert flagged(found) == [2]
    assert found["signal"].to_list() == ["openfit_alliance"]
    assert found.columns == SIGNAL_COLUMNS


def test_openfit_flags_every_session_below_36(definitions):
    found = peers.openfit_alliance(series("alliance", [35, 35, 37, 36]), definitions)
    assert flagged(found) == [1, 2, 4]


def test_openfit_compares_with_the_previous_rated_session_across_a_missed_one(definitions):
    found = peers.openfit_alliance(series("alliance", [40, None, 39]), definitions)
    assert flagged(found) == [3]


def test_cutoff_flags_35_but_not_36(definitions):
    found = peers.cutoff36_alliance(series("alliance", [36, 35, 40, 20]), definitions)
    assert flagged(found) == [2, 4]
    assert set(found["signal"]) == {"cutoff36_alliance"}


def test_alliance_rules_ignore_outcome_measures(definitions):
    frame = series("phq9", [20, 10, 5])
    assert peers.openfit_alliance(frame, definitions).is_empty()
    assert peers.cutoff36_alliance(frame, definitions).is_empty()


def test_rc_only_flags_six_points_worse_on_phq9_but_not_five(definitions):
    found = peers.rc_only_deterioration(series("phq9", [10, 15, 16, 17, 12]), definitions)
    assert flagged(found) == [3, 4]
    assert set(found["signal"]) == {"rc_only_deterioration"}


def test_rc_only_uses_each_measures_threshold(definitions):
    found = peers.rc_only_deterioration(series("gad7", [8, 11, 12]), definitions)
    assert flagged(found) == [3]


def test_rc_only_never_flags_improvement_or_the_alliance(definitions):
    assert peers.rc_only_deterioration(series("phq9", [20, 10, 2]), definitions).is_empty()
    assert peers.rc_only_deterioration(series("alliance", [20, 30, 40]), definitions).is_empty()


def test_rc_only_measures_change_from_the_first_rated_session(definitions):
    found = peers.rc_only_deterioration(series("phq9", [None, 5, 11]), definitions)
    assert flagged(found) == [3]


def test_peer_signals_gathers_every_rule_in_the_signal_schema(definitions):
    frame = pl.concat([series("alliance", [40, 35]), series("phq9", [5, 12])])
    found = peers.peer_signals(frame, definitions)
    assert found.columns == SIGNAL_COLUMNS
    assert sorted(found["signal"]) == [
        "cutoff36_alliance",
        "openfit_alliance",
        "rc_only_deterioration",
    ]


def test_finch_bands_flag_every_session_beyond_the_historys_90th_percentile(definitions):
    history = pl.concat([series("phq9", [15, 12, 10], client=f"H{n}") for n in range(40)])
    worse = peers.finch_not_on_track(series("phq9", [15, 22, 25]), history, definitions)
    assert flagged(worse) == [2, 3]
    assert set(worse["signal"]) == {"finch_not_on_track"}
    assert worse.columns == SIGNAL_COLUMNS
    better = peers.finch_not_on_track(series("phq9", [15, 12, 9]), history, definitions)
    assert better.is_empty()


def test_finch_bands_are_empty_while_the_expected_response_module_is_missing(
    definitions, monkeypatch
):
    monkeypatch.setattr(peers, "_finch", lambda: None)
    frame = series("phq9", [15, 22, 25])
    assert not peers.finch_available()
    assert peers.finch_not_on_track(frame, frame, definitions).columns == SIGNAL_COLUMNS
    assert peers.finch_not_on_track(frame, frame, definitions).is_empty()
