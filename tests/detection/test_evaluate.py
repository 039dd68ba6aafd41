"""Scoring signals against truth, on tiny hand-made files whose answers can be worked by hand."""

from __future__ import annotations

import json

import polars as pl
import pytest

from reattune.detection import evaluate

TRUTH_HEADER = (
    "client_id,participant_id,session,event,measure,status,deterioration_onset,reliable_session"
)
TRUTH = f"""{TRUTH_HEADER}
A,,2,safety,phq9,,,
B,,3,safety,phq9,,,
A,,4,rupture,alliance,,,
B,,5,rupture,alliance,,,
C,,2,rupture,alliance,,,
J,p1,3,rupture,alliance,,,
J,p1,3,split_alliance,alliance,,,
A,,8,outcome,,reliably_deteriorated,3,5
B,,8,outcome,,reliably_deteriorated,4,6
C,,8,outcome,,reliably_improved,,3
D,,8,outcome,,reliably_improved,,4
E,,8,outcome,,neither,,
J,p1,8,outcome,,neither,,
J,p2,8,outcome,,neither,,
"""
SIGNALS = """client_id,session,signal,measure,severity,detail,participant_id,rule
A,2,safety,phq9,urgent,,,
B,4,safety,phq9,urgent,,,
A,4,alliance_rupture,alliance,warning,,,
A,4,alliance_rupture,alliance,warning,a second reason,,
C,2,alliance_rupture,alliance,warning,,,
C,6,alliance_rupture,alliance,warning,,,
J,3,alliance_rupture,alliance,warning,,p2,
J,3,split_alliance,alliance,warning,,p2,
A,3,reliable_deterioration,phq9,warning,,,
A,5,not_on_track,phq9,warning,,,
B,6,not_on_track,gad7,warning,,,
D,7,reliable_deterioration,gad7,warning,,,
E,2,reliable_deterioration,gad7,warning,,,
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "truth.csv").write_text(TRUTH)
    (tmp_path / "signals.csv").write_text(SIGNALS)
    return tmp_path


@pytest.fixture
def scored(files):
    truth = evaluate.read_truth(files / "truth.csv")
    signals = evaluate.read_signals(files / "signals.csv")
    return evaluate.score(truth, signals, evaluate.REATTUNE)


def test_safety_is_matched_on_the_exact_session(scored):
    safety = scored.events["safety"]
    assert (safety.signals, safety.truth, safety.hits) == (2, 2, 1)
    assert safety.precision == safety.recall == safety.f1 == 0.5


def test_ruptures_count_each_session_once_and_need_the_right_participant(scored):
    rupture = scored.events["rupture"]
    # A4 (twice, counted once) and C2 hit; C6 and J/p2 at 3 do not; B5 and J/p1 at 3 are missed.
    assert (rupture.signals, rupture.truth, rupture.hits) == (3 + 1, 4, 2)
    assert rupture.precision == pytest.approx(0.5)
    assert rupture.recall == pytest.approx(0.5)
    assert rupture.f1 == pytest.approx(0.5)


def test_a_split_alliance_is_matched_by_client_and_session(scored):
    split = scored.events["split_alliance"]
    assert (split.signals, split.truth, split.hits) == (1, 1, 1)


def test_f1_is_worked_out_from_precision_and_recall():
    detection = evaluate.Detection(signals=4, truth=6, hits=3)
    assert detection.precision == 0.75
    assert detection.recall == 0.5
    assert detection.f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)


def test_no_signals_means_no_precision_and_an_f1_of_zero():
    detection = evaluate.Detection(signals=0, truth=3, hits=0)
    assert detection.precision is None
    assert detection.recall == 0.0
    assert detection.f1 == 0.0
    assert evaluate.Detection(signals=2, truth=0, hits=0).f1 is None


def test_early_warning_sensitivity_false_alarms_and_lead_time(scored):
    early = scored.early
    assert early is not None
    # A warned at 3 (by session 4); B first at 6 (too late). D, an improver, was warned.
    assert (early.deteriorated, early.warned_by_session_4) == (2, 1)
    assert early.sensitivity == 0.5
    assert (early.improved, early.improvers_warned) == (2, 1)
    assert early.false_alarms == 0.5
    # Lead: A's change became reliable at 5, warned at 3 (+2); B at 6, warned at 6 (0).
    assert sorted(early.lead_times) == [0, 2]
    assert early.median_lead == 1.0


def test_a_peer_is_scored_only_on_its_own_signals(files):
    truth = evaluate.read_truth(files / "truth.csv")
    signals = pl.DataFrame(
        {
            "client_id": ["A", "A", "B"],
            "participant_id": ["", "", ""],
            "session": [4, 4, 2],
            "signal": ["openfit_alliance", "alliance_rupture", "openfit_alliance"],
        },
        schema_overrides={"session": pl.Int32},
    )
    openfit = evaluate.score(truth, signals, evaluate.OPENFIT)
    assert set(openfit.events) == {"rupture"}
    assert (openfit.events["rupture"].signals, openfit.events["rupture"].hits) == (2, 1)
    assert openfit.early is None


def test_targets_compare_reattune_with_openfit_and_the_finch_bands():
    ours = evaluate.Score(
        evaluate.REATTUNE,
        {
            "safety": evaluate.Detection(5, 5, 5),
            "rupture": evaluate.Detection(10, 10, 6),
        },
        evaluate.EarlyWarning(10, 6, 50, 2, (1,)),
    )
    openfit = evaluate.Score(evaluate.OPENFIT, {"rupture": evaluate.Detection(100, 10, 10)})
    finch = evaluate.Score(evaluate.FINCH, {}, evaluate.EarlyWarning(10, 5, 50, 3, (0,)))
    # Rupture F1 0.6 against OpenFIT's 0.18 (x 3 = 0.55); sensitivity 60% against 50% with
    # fewer false alarms (4% against 6%).
    judged = evaluate.targets({"reattune": ours, "openfit": openfit, "finch": finch})
    assert [t.met for t in judged] == [True, True, True]
    # OpenFIT at precision 50% has F1 0.67, and 3 x 0.67 is out of reach.
    better_openfit = evaluate.Score(evaluate.OPENFIT, {"rupture": evaluate.Detection(20, 10, 10)})
    judged = evaluate.targets({"reattune": ours, "openfit": better_openfit, "finch": finch})
    assert [t.met for t in judged] == [True, False, True]


def test_targets_are_not_judged_without_the_peers(scored):
    judged = evaluate.targets({"reattune": scored})
    assert [t.met for t in judged] == [False, None, None]


def test_run_prints_a_table(files, capsys):
    status = evaluate.run(
        ["--truth", str(files / "truth.csv"), "--signals", str(files / "signals.csv")]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "Alliance rupture (4)" in out
    assert "50% 2/4" in out
    assert "sensitivity by session 4" in out


def test_run_prints_json(files, capsys):
    status = evaluate.run(
        [
            "--truth",
            str(files / "truth.csv"),
            "--signals",
            str(files / "signals.csv"),
            "--format",
            "json",
        ]
    )
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    ours = result["systems"]["reattune"]
    assert ours["events"]["safety"]["precision"] == 0.5
    assert ours["early_warning"]["sensitivity_by_session_4"] == 0.5
    assert result["truth"]["rupture"] == 4


def test_run_with_peers_scores_them_on_the_input(files, capsys):
    (files / "input.csv").write_text(
        "client_id,session,measure,total\n"
        "A,1,alliance,40\nA,2,alliance,40\nA,3,alliance,40\nA,4,alliance,39\n"
        "C,1,alliance,35\nC,2,alliance,34\n"
        "A,1,phq9,5\nA,2,phq9,8\nA,3,phq9,11\n"
    )
    status = evaluate.run(
        [
            "--truth",
            str(files / "truth.csv"),
            "--signals",
            str(files / "signals.csv"),
            "--input",
            str(files / "input.csv"),
            "--peers",
            "--format",
            "json",
        ]
    )
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    openfit = result["systems"]["openfit"]["events"]["rupture"]
    assert (openfit["signals"], openfit["hits"]) == (3, 2)  # A4, C1 (no match), C2 (hit)
    rc_only = result["systems"]["rc_only"]["early_warning"]
    assert rc_only["warned_by_session_4"] == 1
    assert "finch" not in result["systems"]
    assert any("Finch" in note for note in result["notes"])


def test_peers_need_the_input(files):
    with pytest.raises(SystemExit) as stopped:
        evaluate.run(
            [
                "--truth",
                str(files / "truth.csv"),
                "--signals",
                str(files / "signals.csv"),
                "--peers",
            ]
        )
    assert stopped.value.code == 2
