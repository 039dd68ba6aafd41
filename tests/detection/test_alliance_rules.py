"""The alliance rules: ruptures against the client's own baseline, split alliance, repairs and
disengagement. Plain frames, no database."""

from __future__ import annotations

import math
import statistics
from typing import Any

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reattune.detection.frame import SIGNAL_SCHEMA, Context, Parameters, measurements
from reattune.detection.rules import alliance
from reattune.measures.definitions import load_definitions

CONTEXT = Context(definitions=load_definitions())


def alliance_rows(
    totals: list[float | None],
    *,
    client: str = "c1",
    participant: str = "",
    felt_off: dict[int, bool] | None = None,
    missed: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """One alliance row per session from 1; None is a missed session (no_show unless given)."""
    rows = []
    for session, total in enumerate(totals, start=1):
        attendance = (missed or {}).get(session, "no_show" if total is None else "attended")
        rows.append(
            {
                "client_id": client,
                "participant_id": participant,
                "session": session,
                "measure": "alliance",
                "total": total,
                "attendance": attendance,
                "felt_off": (felt_off or {}).get(session, None if total is None else False),
            }
        )
    return rows


def signals_for(rows: list[dict[str, Any]], context: Context = CONTEXT) -> pl.DataFrame:
    return alliance.signals(measurements(rows), context).sort(
        ["client_id", "participant_id", "session", "signal"]
    )


def fired(rows: list[dict[str, Any]], signal: str) -> list[tuple[str, int]]:
    found = signals_for(rows).filter(pl.col("signal") == signal)
    return list(zip(found["participant_id"], found["session"], strict=True))


def sessions_of(rows: list[dict[str, Any]], signal: str) -> list[int]:
    return [session for _, session in fired(rows, signal)]


# --- alliance_rupture ----------------------------------------------------------------------


def test_it_flags_a_drop_from_a_client_who_always_scores_at_the_ceiling() -> None:
    found = signals_for(alliance_rows([40, 40, 40, 40, 35]))
    assert found["signal"].to_list() == ["alliance_rupture"]
    assert found["session"].to_list() == [5]
    assert found["severity"].to_list() == ["warning"]
    assert found["detail"][0] == (
        "Alliance 35, down 5 from this client's usual 40 — a drop this size happens by chance "
        "in fewer than 1 in 40 sessions."
    )
    assert "Stiles et al. 2004" in found["rule"][0]


def test_it_never_flags_a_client_who_always_rates_low_and_steady() -> None:
    rows = alliance_rows([24, 25, 23, 24, 25, 24, 23, 25, 24, 24])
    assert signals_for(rows).is_empty()
    assert not alliance.rupture_flags(measurements(rows), CONTEXT)["rupture"].any()


def test_it_does_not_flag_a_noisy_raters_three_point_dip() -> None:
    rows = alliance_rows([30, 26, 34, 28, 32, 30, 27, 33, 27])
    assert signals_for(rows).is_empty()


def test_it_flags_a_noisy_raters_twelve_point_drop() -> None:
    rows = alliance_rows([30, 26, 34, 28, 32, 30, 27, 33, 18])
    assert sessions_of(rows, "alliance_rupture") == [9]


def test_it_needs_two_earlier_sessions_before_judging_a_drop() -> None:
    assert signals_for(alliance_rows([40, 30])).is_empty()


def test_a_yes_to_felt_off_alone_is_a_rupture() -> None:
    found = signals_for(alliance_rows([38, 39, 38, 39], felt_off={3: True}))
    assert found.filter(pl.col("signal") == "alliance_rupture")["detail"].to_list() == [
        alliance.FELT_OFF_DETAIL
    ]


def test_felt_off_at_the_intake_is_a_rupture() -> None:
    assert sessions_of(alliance_rows([40], felt_off={1: True}), "alliance_rupture") == [1]


def test_a_drop_and_felt_off_at_one_session_give_one_signal_naming_both() -> None:
    found = signals_for(alliance_rows([40, 40, 40, 30], felt_off={4: True}))
    ruptures = found.filter(pl.col("signal") == "alliance_rupture")
    assert ruptures.height == 1
    assert ruptures["detail"][0].startswith("Alliance 30, down 10 from this client's usual 40")
    assert ruptures["detail"][0].endswith(alliance.FELT_OFF_DETAIL)
    assert "Eubanks" in ruptures["rule"][0]
    assert "Stiles" in ruptures["rule"][0]


def test_a_rupture_is_left_out_of_later_baselines() -> None:
    flags = alliance.rupture_flags(measurements(alliance_rows([40, 40, 40, 40, 30, 40])), CONTEXT)
    assert flags["rupture"].to_list() == [False, False, False, False, True, False]
    assert flags["baseline"][5] == 40
    assert flags["history"][5] == 4


def test_a_drop_that_lasts_is_signalled_once_then_followed_by_the_repair_rules() -> None:
    rows = alliance_rows([40, 40, 40, 40, 30, 30, 30, 30])
    assert sessions_of(rows, "alliance_rupture") == [5]
    assert sessions_of(rows, "repair_not_held") == [7]


def test_the_rupture_flags_give_the_numbers_the_chart_draws() -> None:
    flags = alliance.rupture_flags(measurements(alliance_rows([40, 40, 40, 40, 35])), CONTEXT)
    last = flags.row(-1, named=True)
    assert last["baseline"] == 40
    assert last["drop"] == 5
    assert last["sd"] >= Parameters().rupture_sd_floor
    assert last["threshold"] < 5 <= last["drop"]
    assert last["rupture"] and last["dropped"]


def test_the_constants_come_from_the_context() -> None:
    strict = Context(definitions=CONTEXT.definitions, parameters=Parameters(rupture_z=4.0))
    rows = alliance_rows([40, 40, 40, 40, 35])
    assert signals_for(rows, strict).is_empty()


def test_it_returns_the_signal_schema_even_with_nothing_to_say() -> None:
    assert dict(signals_for(alliance_rows([40, 40, 40])).schema) == SIGNAL_SCHEMA
    assert dict(signals_for(alliance_rows([40, 40, 40, 30])).schema) == SIGNAL_SCHEMA


# --- repair_held / repair_not_held ---------------------------------------------------------


def test_a_rupture_followed_by_recovery_is_a_repair_that_held() -> None:
    rows = alliance_rows([40, 40, 40, 40, 33, 36, 39])
    found = signals_for(rows).filter(pl.col("signal") == "repair_held")
    assert found["session"].to_list() == [7]
    assert found["severity"].to_list() == ["info"]
    assert "after the possible rupture at session 5" in found["detail"][0]
    assert sessions_of(rows, "repair_not_held") == []


def test_a_rupture_without_recovery_is_not_held_at_the_end_of_the_window() -> None:
    rows = alliance_rows([40, 40, 40, 40, 33, 35, 36, 36])
    found = signals_for(rows).filter(pl.col("signal") == "repair_not_held")
    assert found["session"].to_list() == [5 + Parameters().repair_window]
    assert found["detail"][0].endswith("of the possible rupture at session 5; now 36.")
    assert sessions_of(rows, "repair_held") == []


def test_a_repair_is_not_judged_before_the_window_has_passed() -> None:
    assert sessions_of(alliance_rows([40, 40, 40, 40, 33, 35]), "repair_not_held") == []


def test_a_window_that_passes_in_missed_sessions_is_not_held() -> None:
    rows = alliance_rows([40, 40, 40, 40, 33, None, None, 40])
    assert sessions_of(rows, "repair_not_held") == [7]
    assert sessions_of(rows, "repair_held") == []


def test_a_check_that_says_something_felt_off_is_no_repair() -> None:
    rows = alliance_rows([40, 40, 40, 40, 33, 40], felt_off={6: True})
    assert sessions_of(rows, "repair_held") == []


# --- split_alliance ------------------------------------------------------------------------


def test_a_couple_with_one_partner_dropping_is_a_split_alliance_for_that_partner_only() -> None:
    rows = alliance_rows([39, 38, 39, 38, 39], client="couple", participant="a")
    rows += alliance_rows([39, 39, 38, 39, 29], client="couple", participant="b")
    assert fired(rows, "split_alliance") == [("b", 5)]
    detail = signals_for(rows).filter(pl.col("signal") == "split_alliance")["detail"][0]
    assert detail.startswith("Participant b's alliance fell to 29")
    assert "participant a's (39) stayed within their usual range" in detail


def test_both_partners_dropping_is_no_split_alliance() -> None:
    rows = alliance_rows([39, 38, 39, 38, 29], client="couple", participant="a")
    rows += alliance_rows([39, 39, 38, 39, 29], client="couple", participant="b")
    assert fired(rows, "split_alliance") == []
    assert fired(rows, "alliance_rupture") == [("a", 5), ("b", 5)]


def test_one_partner_saying_something_felt_off_is_a_split_alliance() -> None:
    rows = alliance_rows([39, 38, 39], client="couple", participant="a", felt_off={3: True})
    rows += alliance_rows([39, 39, 38], client="couple", participant="b")
    assert fired(rows, "split_alliance") == [("a", 3)]


def test_individual_clients_never_have_a_split_alliance() -> None:
    rows = alliance_rows([39, 38, 39, 38, 29], client="one")
    rows += alliance_rows([39, 39, 38, 39, 39], client="two")
    assert fired(rows, "split_alliance") == []


# --- disengagement -------------------------------------------------------------------------


def test_two_no_shows_after_a_rupture_are_disengagement() -> None:
    rows = alliance_rows([40, 40, 40, 30, None, None, None])
    found = signals_for(rows).filter(pl.col("signal") == "disengagement")
    assert found["session"].to_list() == [6]
    assert found["detail"][0] == (
        "Cancelled or missed 2 sessions in a row straight after session 4 "
        "(a possible alliance rupture)."
    )


def test_two_misses_after_an_ordinary_session_are_not_disengagement() -> None:
    rows = alliance_rows([40, 40, 40, 40, None, None], missed={5: "cancelled"})
    assert sessions_of(rows, "disengagement") == []


def test_two_misses_after_a_score_in_the_clinical_range_are_disengagement() -> None:
    rows = [
        {"client_id": "c1", "session": 1, "measure": "phq9", "total": 9},
        {"client_id": "c1", "session": 2, "measure": "phq9", "total": 16},
        {"client_id": "c1", "session": 3, "measure": "phq9", "attendance": "cancelled"},
        {"client_id": "c1", "session": 4, "measure": "gad7", "attendance": "no_show"},
    ]
    found = signals_for(rows)
    assert found["signal"].to_list() == ["disengagement"]
    assert found["session"].to_list() == [4]
    assert "(PHQ-9 16, in the clinical range)" in found["detail"][0]


def test_a_missed_session_counts_once_whatever_the_measures() -> None:
    rows = alliance_rows([40, 40, 40, 30, None])
    rows.append({"client_id": "c1", "session": 5, "measure": "phq9", "attendance": "no_show"})
    assert sessions_of(rows, "disengagement") == []


# --- prospective: a signal at session k depends on nothing after session k ----------------

CHOICES = [None, 0, 1, 2, 4, 8, 15]  # how far below the rater's level; None is a miss


@st.composite
def cases(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to three cases (some joint) of alliance series with misses, felt_off and PHQ-9."""
    rows: list[dict[str, Any]] = []
    for client in range(draw(st.integers(1, 3))):
        length = draw(st.integers(1, 10))
        for participant in ["a", "b"] if draw(st.booleans()) else [""]:
            level = draw(st.sampled_from([40, 38, 33, 25]))
            for session in range(1, length + 1):
                below = draw(st.sampled_from(CHOICES))
                attendance = draw(st.sampled_from(["no_show", "cancelled"]))
                base: dict[str, Any] = {
                    "client_id": f"c{client}",
                    "participant_id": participant,
                    "session": session,
                }
                rows.append(
                    {
                        **base,
                        "measure": "alliance",
                        "total": None if below is None else max(level - below, 0),
                        "attendance": "attended" if below is not None else attendance,
                        "felt_off": None if below is None else draw(st.booleans()),
                    }
                )
                if below is not None and draw(st.booleans()):
                    rows.append({**base, "measure": "phq9", "total": draw(st.integers(0, 27))})
    return rows


@settings(max_examples=100, deadline=None)
@given(rows=cases(), data=st.data())
def test_signals_at_a_session_do_not_change_when_later_sessions_are_added(
    rows: list[dict[str, Any]], data: st.DataObject
) -> None:
    k = data.draw(st.integers(1, max(r["session"] for r in rows)))
    full = signals_for(rows).filter(pl.col("session") == k)
    truncated = signals_for([r for r in rows if r["session"] <= k]).filter(pl.col("session") == k)
    assert full.sort(pl.all()).to_dicts() == truncated.sort(pl.all()).to_dicts()


# --- the vectorised model against a plain sequential reading of it -------------------------


def sequential_drops(totals: list[int | None], p: Parameters) -> list[bool]:
    """The rupture model read one session at a time, as a clinician would apply it."""
    kept: list[int] = []
    drops = []
    for total in totals:
        n = len(kept)
        dropped = False
        if total is not None and n >= p.rupture_min_history:
            own = statistics.variance(kept) if n > 1 else 0.0
            w = p.rupture_prior_weight
            pooled = ((n - 1) * own + w * p.rupture_prior_sd**2) / (n - 1 + w)
            sd = max(math.sqrt(pooled), p.rupture_sd_floor)
            threshold = max(p.rupture_z * sd * math.sqrt(1 + 1 / n), p.rupture_min_drop)
            drop = statistics.fmean(kept) - total
            assume(abs(drop - threshold) > 1e-6)  # leave float ties to the float gods
            dropped = drop >= threshold
        drops.append(dropped)
        if total is not None and not dropped:
            kept.append(total)
    return drops


@given(totals=st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=1, max_size=15))
def test_the_vectorised_ruptures_match_a_session_by_session_reading(
    totals: list[int | None],
) -> None:
    expected = sequential_drops(totals, CONTEXT.parameters)
    flags = alliance.rupture_flags(measurements(alliance_rows(list(totals))), CONTEXT)
    assert flags["dropped"].to_list() == expected
