"""Prospective only, proved by truncation over the whole engine: the signals at session k
computed from every row equal the signals at session k computed from the rows up to k.

Each rule family has its own truncation test; this one runs all of them together, with a
calibration from a separate history, over a simulated cohort with couples, missed sessions,
ruptures, repairs, deterioration and safety items."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reattune.detection.engine import detect
from reattune.detection.expected import calibrate
from reattune.detection.frame import SIGNAL_COLUMNS, Context, Parameters
from reattune.detection.simulate import simulate
from reattune.measures.definitions import load_definitions

DEFINITIONS = load_definitions()


@pytest.fixture(scope="module")
def cohort_and_context() -> tuple[pl.DataFrame, Context]:
    cohort, history = simulate(60, seed=20261126, history_clients=300)
    calibration = calibrate(history.measurements, DEFINITIONS, Parameters())
    return cohort.measurements, Context(definitions=DEFINITIONS, calibration=calibration)


def at_session(signals: pl.DataFrame, k: int) -> list[tuple[object, ...]]:
    rows = signals.filter(pl.col("session") == k).select(SIGNAL_COLUMNS).sort(SIGNAL_COLUMNS)
    return rows.rows()


def test_the_cohort_exercises_every_family(cohort_and_context):
    frame, context = cohort_and_context
    found = set(detect(frame, context)["signal"].unique())
    assert {"safety", "alliance_rupture", "reliable_improvement", "not_on_track"} <= found


@pytest.mark.parametrize("k", [2, 3, 4, 6, 9, 12])
def test_signals_at_session_k_ignore_every_later_row(cohort_and_context, k):
    frame, context = cohort_and_context
    full = detect(frame, context)
    truncated = detect(frame.filter(pl.col("session") <= k), context)
    assert at_session(full, k) == at_session(truncated, k)
    assert at_session(full, k), f"the cohort has signals at session {k}, so the test can fail"


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), k=st.integers(min_value=1, max_value=14))
def test_truncation_holds_for_any_simulated_cohort(seed, k):
    cohort, _ = simulate(12, seed=seed, history_clients=1)
    context = Context(definitions=DEFINITIONS)
    full = detect(cohort.measurements, context)
    truncated = detect(cohort.measurements.filter(pl.col("session") <= k), context)
    assert at_session(full, k) == at_session(truncated, k)


def test_rules_give_the_same_signals_one_after_another_as_side_by_side(
    cohort_and_context, monkeypatch
):
    """A case's frame runs its rules in turn, a clinic's in threads (engine.PARALLEL_FROM_ROWS):
    the signals must not depend on which."""
    from reattune.detection import engine

    frame, context = cohort_and_context
    monkeypatch.setattr(engine, "PARALLEL_FROM_ROWS", 0)
    side_by_side = detect(frame, context)
    monkeypatch.setattr(engine, "PARALLEL_FROM_ROWS", 10**9)
    in_turn = detect(frame, context)
    assert side_by_side.height > 0
    assert in_turn.equals(side_by_side)
