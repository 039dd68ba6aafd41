"""The repair verdict (reattune.detection.repair) agrees with the engine's own repair signals
wherever the engine opened a repair, and behaves sensibly on hand-made series."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reattune.detection.engine import detect
from reattune.detection.frame import Context
from reattune.detection.repair import HELD, NOT_HELD, PENDING, repair_verdict
from reattune.detection.simulate import simulate
from reattune.measures.definitions import load_definitions
from tests.detection.helpers import series

CONTEXT = Context(definitions=load_definitions())
OPENED_AT = re.compile(r"rupture at session (\d+)")


def verdict(  # type: ignore[no-untyped-def]
    totals: list[float | None],
    after: int,
    felt_off_at: int | None = None,
    incident: int | None = None,
):
    frame = series("alliance", totals)
    if felt_off_at is not None:
        frame = frame.with_columns(felt_off=pl.col("session") == felt_off_at)
    return repair_verdict(
        frame, CONTEXT, client_id="A", participant_id="", after=after, incident=incident
    )


def test_back_to_usual_at_the_next_check_holds():
    found = verdict([34, 35, 34, 35, 22, 34], after=5)
    assert (found.outcome, found.session) == (HELD, 6)
    assert found.before == 22 and found.after == 34
    assert found.baseline == pytest.approx(34.5)


def test_still_low_at_the_end_of_the_window_did_not_hold():
    found = verdict([34, 35, 34, 35, 22, 24, 23], after=5)
    assert (found.outcome, found.session) == (NOT_HELD, 7)
    assert found.after == 23


def test_one_low_check_inside_the_window_is_still_pending():
    assert verdict([34, 35, 34, 35, 22, 24], after=5).outcome == PENDING


def test_no_check_yet_is_pending_with_the_before_value():
    found = verdict([34, 35, 34, 35, 22], after=5)
    assert (found.outcome, found.session, found.before) == (PENDING, None, 22)


def test_a_missed_session_at_the_end_of_the_window_means_not_held():
    found = verdict([34, 35, 34, 35, 22, 25, None], after=5)
    assert (found.outcome, found.session, found.after) == (NOT_HELD, 7, None)


def test_felt_off_again_is_not_a_recovery():
    assert verdict([34, 35, 34, 35, 22, 35], after=5, felt_off_at=6).outcome == PENDING


def test_a_repair_opened_by_hand_without_a_detected_drop_is_judged_the_same_way():
    # The clinician noticed something in session 4 though the score stayed up.
    assert verdict([34, 35, 34, 35, 35], after=4).outcome == HELD


def test_other_clients_rows_are_ignored():
    frame = pl.concat(
        [series("alliance", [34, 35, 34, 35, 22, 34]), series("alliance", [1, 1, 1, 1, 1, 1], "B")]
    )
    found = repair_verdict(frame, CONTEXT, client_id="A", participant_id="", after=5)
    assert found.outcome == HELD
    assert [p[1] for p in found.points] == [34, 35, 34, 35, 22, 34]


@pytest.fixture(scope="module")
def cohort() -> pl.DataFrame:
    cohort, _ = simulate(80, seed=4, history_clients=1)
    return cohort.measurements


def test_it_agrees_with_the_engine_wherever_the_engine_opened_a_repair(cohort):
    signals = detect(cohort, CONTEXT).filter(
        pl.col("signal").is_in(["repair_held", "repair_not_held"])
    )
    assert signals.height > 20, "the cohort should exercise both outcomes"
    for row in signals.iter_rows(named=True):
        match = OPENED_AT.search(row["detail"])
        assert match, row["detail"]
        found = repair_verdict(
            cohort,
            CONTEXT,
            client_id=row["client_id"],
            participant_id=row["participant_id"],
            after=int(match.group(1)),
        )
        expected = HELD if row["signal"] == "repair_held" else NOT_HELD
        assert (found.outcome, found.session) == (expected, row["session"]), row


@settings(max_examples=60, deadline=None)
@given(
    totals=st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=1, max_size=14),
    after=st.integers(1, 14),
)
def test_the_verdict_only_reads_checks_up_to_the_deciding_one(totals, after):
    """Prospective: adding later sessions never changes a verdict already reached."""
    whole = verdict(list(totals), after)
    if whole.decided:
        assert whole.session is not None and whole.session > after
        cut = verdict(list(totals[: whole.session]), after)
        assert (cut.outcome, cut.session) == (whole.outcome, whole.session)
    else:
        assert whole.session is None


def test_before_is_the_total_at_the_mistake_even_when_later_checks_came_first():
    # The repair was opened after session 6 had already recovered: only session 7 can verify
    # it, but "before" is still the rupture's own total.
    found = verdict([34, 35, 34, 35, 22, 34, 35], after=6, incident=5)
    assert (found.outcome, found.session, found.before, found.after) == (HELD, 7, 22, 35)
