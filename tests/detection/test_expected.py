"""Expected-response bands (Finch, Lambert & Schaalje 2001): calibration and `not_on_track`."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.detection import expected
from reattune.detection.expected import Calibration, calibrate, calibration_summary
from reattune.detection.frame import SIGNAL_COLUMNS, Context, Parameters, measurements
from reattune.detection.rules import expected as rule
from reattune.detection.rules.expected import finch_band_flags
from tests.detection.helpers import DEFINITIONS, WELLBEING, WITH_WELLBEING, rows, series


def history_of(changes_by_session: dict[int, list[float]], intake: float = 12) -> pl.DataFrame:
    """One closed case per position in the lists: client i starts at `intake` and is
    changes_by_session[s][i] worse than that at session s."""
    clients = len(next(iter(changes_by_session.values())))
    found = []
    for i in range(clients):
        totals = [intake] + [intake + changes_by_session[s][i] for s in sorted(changes_by_session)]
        found += rows("phq9", totals, client=f"H{i}")
    return measurements(found)


def not_on_track(frame: pl.DataFrame, calibration: Calibration | None = None, defs=DEFINITIONS):
    return rule.signals(frame, Context(definitions=defs, calibration=calibration))


def sessions(signals: pl.DataFrame) -> list[int]:
    return signals["session"].to_list()


# --- Calibration ----------------------------------------------------------------------------


def test_calibration_reproduces_the_percentile_computed_by_hand():
    history = history_of({2: [-3, -1, 0, 2, 5]})
    calibration = calibrate(history, DEFINITIONS, Parameters(min_calibration_clients=5))
    cell = calibration.table.filter(
        (pl.col("measure") == "phq9") & (pl.col("band") == 1) & (pl.col("session") == 2)
    ).row(0, named=True)
    # Sorted changes -3, -1, 0, 2, 5: the 90th percentile sits 0.6 of the way from 2 to 5.
    assert cell["tolerance"] == pytest.approx(2 + 0.6 * (5 - 2))
    assert cell["n_clients"] == 5
    assert cell["origin"] == "clinic"
    assert cell["band_label"] == "moderate, 10–14"
    assert calibration.source == "clinic history, 5 closed cases"


def test_calibration_matches_numpy_on_a_larger_history():
    rng = np.random.default_rng(3)
    changes = {s: rng.integers(-8, 6, size=60).astype(float).tolist() for s in (2, 3, 4)}
    calibration = calibrate(history_of(changes, intake=17), DEFINITIONS)
    cells = calibration.table.filter((pl.col("measure") == "phq9") & (pl.col("band") == 2))
    for s in (2, 3, 4):
        tolerance = cells.filter(pl.col("session") == s)["tolerance"].item()
        assert tolerance == pytest.approx(np.quantile(changes[s], 0.9))


def test_sparse_cells_fall_back_to_the_published_defaults():
    rng = np.random.default_rng(5)
    changes = {s: rng.integers(-8, 6, size=40).astype(float).tolist() for s in (2, 3)}
    calibration = calibrate(history_of(changes), DEFINITIONS)  # 40 clients, sessions 1-3
    defaults = expected.published_defaults(DEFINITIONS).table
    table = calibration.table.join(
        defaults.select("measure", "band", "session", pl.col("tolerance").alias("default")),
        on=["measure", "band", "session"],
        how="left",
    )
    moderate = table.filter((pl.col("measure") == "phq9") & (pl.col("band") == 1))
    assert moderate.filter(pl.col("session") <= 3)["origin"].to_list() == ["clinic", "clinic"]
    later = moderate.filter(pl.col("session") > 3)
    assert set(later["origin"]) == {"default"}
    assert later["tolerance"].to_list() == later["default"].to_list()
    severe = table.filter((pl.col("measure") == "phq9") & (pl.col("band") == 3))
    assert set(severe["origin"]) == {"default"}
    assert severe.filter(pl.col("session") == 2)["n_clients"].item() == 0


def test_a_history_too_small_anywhere_is_labelled_published_defaults():
    calibration = calibrate(history_of({2: [0.0, 1.0, 2.0]}), DEFINITIONS)
    assert calibration.source == "published defaults"
    assert set(calibration.table["origin"]) == {"default"}


def test_published_defaults_shrink_from_measurement_error_to_the_recovery_session():
    table = expected.published_defaults(DEFINITIONS).table

    def tolerance(measure: str, band: int, session: int) -> float:
        cell = table.filter(
            (pl.col("measure") == measure)
            & (pl.col("band") == band)
            & (pl.col("session") == session)
        )
        return float(cell["tolerance"].item())

    # z(0.90) / 1.96 * RC at session 2; (z(0.90) - 1) * RC from session 8.
    assert tolerance("phq9", 1, 2) == 3.92
    assert tolerance("phq9", 1, 8) == 1.69
    assert tolerance("gad7", 2, 2) == 2.62
    assert tolerance("gad7", 2, 8) == 1.13
    assert tolerance("core10", 3, 4) == tolerance("phq9", 3, 4)
    # Below the cut-off no improvement is expected: the measurement-error tolerance throughout.
    assert tolerance("phq9", 0, 8) == 3.92
    assert table["session"].max() == expected.DEFAULT_RECOVERY_SESSION


def test_calibration_round_trips_through_json():
    rng = np.random.default_rng(8)
    changes = {s: rng.integers(-8, 6, size=35).astype(float).tolist() for s in (2, 3, 4)}
    calibration = calibrate(history_of(changes), DEFINITIONS)
    stored = json.loads(json.dumps(calibration.to_dict()))
    back = Calibration.from_dict(stored)
    assert back.table.equals(calibration.table)
    assert back.to_dict() == calibration.to_dict()
    assert (back.source, back.closed_cases) == ("clinic history, 35 closed cases", 35)


def test_a_stored_calibration_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a stored calibration"):
        Calibration.from_dict({"version": 1, "cells": []})
    with pytest.raises(ValueError, match="unknown calibration version"):
        Calibration.from_dict({**expected.published_defaults(DEFINITIONS).to_dict(), "version": 9})


def test_the_summary_names_the_source_and_each_band():
    rng = np.random.default_rng(9)
    changes = {s: rng.integers(-8, 6, size=30).astype(float).tolist() for s in (2, 3)}
    summary = calibration_summary(calibrate(history_of(changes), DEFINITIONS), DEFINITIONS)
    assert "Source: clinic history, 30 closed cases." in summary
    assert "PHQ-9, moderate, 10–14: sessions 2–8; 2 from this clinic's history" in summary
    assert "GAD-7, severe, 15–21: sessions 2–8; 7 from published defaults." in summary


# --- Intake bands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "intake", "label"),
    [
        ("phq9", 9, "below cut-off, 0–9"),
        ("phq9", 10, "moderate, 10–14"),
        ("phq9", 14, "moderate, 10–14"),
        ("phq9", 15, "moderately severe, 15–19"),
        ("phq9", 19, "moderately severe, 15–19"),
        ("phq9", 20, "severe, 20–27"),
        ("phq9", 9.5, "below cut-off, 0–9"),
        ("gad7", 7, "below cut-off, 0–7"),
        ("gad7", 8, "mild, 8–9"),
        ("gad7", 10, "moderate, 10–14"),
        ("core10", 10, "below cut-off, 0–10"),
        ("core10", 11, "mild, 11–14"),
        ("core10", 20, "moderately severe or severe, 20–40"),
    ],
)
def test_the_intake_band_is_chosen_at_the_edges(measure, intake, label):
    flags = finch_band_flags(series(measure, [intake, intake]), None, DEFINITIONS)
    assert flags["band_label"].to_list() == [label]


def test_a_higher_is_better_measure_gets_bands_counted_down_from_the_top():
    bands = expected.intake_bands(WELLBEING)
    assert [(b.low, b.high, b.clinical) for b in bands] == [
        (14, 27, False),
        (10, 13, True),
        (5, 9, True),
        (0, 4, True),
    ]
    flags = finch_band_flags(series("wellbeing", [13.5, 13]), None, WITH_WELLBEING)
    assert flags["band"].to_list() == [1]


# --- not_on_track ---------------------------------------------------------------------------


def test_not_on_track_fires_for_a_deteriorating_client():
    found = not_on_track(series("phq9", [12, 14, 16, 18, 19]))
    # Worse by 4 at session 3, beyond the default 3.27 for the moderate band.
    assert sessions(found) == [3]
    assert found.columns == SIGNAL_COLUMNS
    assert found["severity"].to_list() == ["warning"]
    assert "Finch, Lambert & Schaalje 2001" in found["rule"].item()


def test_not_on_track_stays_quiet_for_a_steadily_improving_client():
    assert not_on_track(series("phq9", [18, 16, 14, 12, 10, 8, 7, 6])).is_empty()


def test_not_on_track_fires_again_after_the_client_came_back_within_the_band():
    found = not_on_track(series("phq9", [14, 16, 17, 18, 13, 12, 17, 18, 19, 20]))
    assert sessions(found) == [4, 7]


def test_not_on_track_flags_a_client_no_better_than_intake_when_the_clinic_expects_more():
    history = history_of({s: [-s - (i % 5) for i in range(30)] for s in range(2, 6)}, intake=16)
    calibration = calibrate(history, DEFINITIONS)
    found = not_on_track(series("phq9", [16, 15, 15, 16]), calibration)
    assert sessions(found) == [2]
    assert "only 1 point better than intake" in found["detail"].item()


def test_the_detail_names_the_clinics_history_and_the_band():
    history = history_of({2: [float(i % 4 - 2) for i in range(40)]}, intake=12)
    calibration = calibrate(history, DEFINITIONS)
    detail = not_on_track(series("phq9", [12, 15]), calibration)["detail"].item()
    assert detail == (
        "PHQ-9 15 at session 2, 3 points worse than intake. Fewer than 1 in 10 clients who "
        "started in the same range (moderate, 10–14) were this far off track by session 2 "
        "(90th percentile: +1). Source: this clinic's 40 closed cases (40 in this range at "
        "session 2)."
    )


def test_sessions_beyond_the_table_use_its_last_session():
    flags = finch_band_flags(series("phq9", [12] + [13] * 11), None, DEFINITIONS)
    last = flags.filter(pl.col("session") == 12).row(0, named=True)
    assert last["table_session"] == expected.DEFAULT_RECOVERY_SESSION
    assert last["tolerance"] == 1.69
    detail = not_on_track(series("phq9", [12] + [13] * 7 + [14] * 4))["detail"].item()
    assert "by session 8 or later" in detail


def test_a_measure_the_calibration_lacks_uses_the_published_defaults():
    history = history_of({2: [0.0] * 30})  # PHQ-9 only
    found = not_on_track(series("gad7", [10, 13]), calibrate(history, DEFINITIONS))
    assert sessions(found) == [2]
    assert "Source: published defaults" in found["detail"].item()


def test_a_higher_is_better_measure_is_off_track_when_it_falls():
    falling = not_on_track(series("wellbeing", [12, 8]), defs=WITH_WELLBEING)
    rising = not_on_track(series("wellbeing", [12, 16, 20]), defs=WITH_WELLBEING)
    assert sessions(falling) == [2]
    assert "4 points worse than intake" in falling["detail"].item()
    assert rising.is_empty()


def test_the_intake_is_the_first_scored_session_and_missed_sessions_are_skipped():
    found = not_on_track(series("phq9", [None, 12, None, 17]))
    assert sessions(found) == [4]
    flags = finch_band_flags(series("phq9", [None, 12, None, 17]), None, DEFINITIONS)
    assert flags["intake"].to_list() == [12]


def test_finch_band_flags_marks_every_session_outside_the_band():
    flags = finch_band_flags(series("phq9", [12, 17, 18, 11]), None, DEFINITIONS)
    assert flags["off_track"].to_list() == [True, True, False]
    assert flags["change"].to_list() == [5, 6, -1]


def test_alliance_and_other_participants_are_kept_apart():
    frame = measurements(
        rows("phq9", [12, 17], participant="p1")
        + rows("phq9", [12, 11], participant="p2")
        + rows("alliance", [40, 10])
    )
    found = not_on_track(frame)
    assert found.select("participant_id", "session").rows() == [("p1", 2)]


# --- Prospective ----------------------------------------------------------------------------

FIXED = calibrate(
    history_of(
        {
            s: np.random.default_rng(s).integers(-9, 6, size=40).astype(float).tolist()
            for s in range(2, 7)
        },
        intake=16,
    ),
    DEFINITIONS,
)
totals = st.one_of(st.none(), st.integers(min_value=0, max_value=21).map(float))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(totals, min_size=1, max_size=12),
    st.lists(totals, min_size=1, max_size=12),
    st.booleans(),
)
def test_a_signal_at_session_k_uses_nothing_after_session_k(phq9, gad7, calibrated):
    frame = measurements(rows("phq9", phq9) + rows("gad7", gad7) + rows("phq9", gad7, client="B"))
    calibration = FIXED if calibrated else None
    full = not_on_track(frame, calibration)
    for k in range(1, max(len(phq9), len(gad7)) + 1):
        truncated = not_on_track(frame.filter(pl.col("session") <= k), calibration)
        assert truncated.filter(pl.col("session") == k).equals(full.filter(pl.col("session") == k))
