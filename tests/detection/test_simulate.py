"""The synthetic cohort generator: reproducible, internally consistent, and shaped like the
published figures it is grounded in (docs/detection/evaluation.md)."""

from __future__ import annotations

import polars as pl
import pytest

from reattune.detection import simulate
from reattune.detection.frame import MEASUREMENT_SCHEMA

PERSON = ["client_id", "participant_id"]
KEY = [*PERSON, "session"]


@pytest.fixture(scope="module")
def cohort() -> simulate.Cohort:
    return simulate.simulate(400, 7, history_clients=20)[0]


def mean(series: pl.Series) -> float:
    return float(series.cast(pl.Float64).mean())  # type: ignore[arg-type]


def low(series: pl.Series) -> float:
    return float(series.cast(pl.Float64).min())  # type: ignore[arg-type]


def attended(cohort: simulate.Cohort, measure: str) -> pl.DataFrame:
    return cohort.measurements.filter(
        (pl.col("measure") == measure) & pl.col("total").is_not_null()
    )


def events(cohort: simulate.Cohort, event: str) -> pl.DataFrame:
    return cohort.truth.filter(pl.col("event") == event)


def test_the_same_seed_gives_the_same_cohort():
    first, first_history = simulate.simulate(40, 3, history_clients=10)
    again, again_history = simulate.simulate(40, 3, history_clients=10)
    assert first.measurements.equals(again.measurements)
    assert first.truth.equals(again.truth)
    assert first_history.measurements.equals(again_history.measurements)


def test_another_seed_changes_everything():
    first, first_history = simulate.simulate(40, 3, history_clients=10)
    other, other_history = simulate.simulate(40, 4, history_clients=10)
    for column in ("total", "date", "felt_off"):
        assert first.measurements[column].to_list() != other.measurements[column].to_list()
    assert not first.truth.equals(other.truth)
    assert not first_history.measurements.equals(other_history.measurements)


def test_measurements_follow_the_detect_schema(cohort):
    frame = cohort.measurements
    assert {c: frame.schema[c] for c in MEASUREMENT_SCHEMA} == MEASUREMENT_SCHEMA
    assert set(frame["measure"]) == {"phq9", "gad7", "alliance"}


def test_items_add_up_to_totals(cohort):
    rated = cohort.measurements.filter(pl.col("total").is_not_null())
    assert (rated["items"].list.sum() == rated["total"]).all()


def test_items_stay_within_each_items_range(cohort):
    for measure, count, top in (("phq9", 9, 3), ("gad7", 7, 3), ("alliance", 4, 10)):
        items = attended(cohort, measure)["items"]
        assert (items.list.len() == count).all()
        assert low(items.list.min()) >= 0
        assert -low(-items.list.max()) <= top


def test_missed_sessions_have_no_answers(cohort):
    missed = cohort.measurements.filter(pl.col("attendance") != "attended")
    assert not missed.is_empty()
    assert set(missed["attendance"]) <= {"cancelled", "no_show"}
    assert missed["total"].is_null().all()
    assert missed["items"].is_null().all()
    assert cohort.measurements.filter(pl.col("session") == 1)["total"].is_not_null().all()


def test_safety_truth_is_exactly_the_item_9_answers_above_0(cohort):
    phq9 = attended(cohort, "phq9")
    answered = phq9.filter(pl.col("items").list.get(8) > 0).select(KEY).sort(KEY)
    truth = events(cohort, "safety").select(KEY).sort(KEY)
    assert answered.equals(truth)
    assert 0.01 < answered.height / phq9.height < 0.08  # a few percent of sessions


def test_about_half_of_clients_give_the_top_score_on_every_item(cohort):
    alliance = attended(cohort, "alliance")
    share_at_top = alliance.group_by(PERSON).agg((pl.col("total") == 40).mean().alias("top"))
    at_ceiling = mean(share_at_top["top"] > 0.5)
    assert 0.4 <= at_ceiling <= 0.6
    intake = alliance.filter(pl.col("session") == 1)
    all_tens = intake["items"].list.eval(pl.element() == 10).list.all()
    assert 0.4 <= mean(all_tens) <= 0.6


def test_most_improve_and_about_eight_percent_deteriorate(cohort):
    status = events(cohort, "outcome")["status"]
    assert 0.03 <= mean(status == simulate.DETERIORATED) <= 0.15
    assert mean(status == simulate.IMPROVED) > 0.5
    assert mean(status == simulate.NEITHER) > 0.1


def test_only_deteriorated_clients_have_an_onset_before_their_change_is_reliable(cohort):
    outcomes = events(cohort, "outcome")
    worse = outcomes.filter(pl.col("status") == simulate.DETERIORATED)
    assert worse["deterioration_onset"].is_not_null().all()
    assert (worse["deterioration_onset"] <= worse["reliable_session"]).all()
    others = outcomes.filter(pl.col("status") != simulate.DETERIORATED)
    assert others["deterioration_onset"].is_null().all()


def test_ruptures_happen_at_attended_checks_as_drops_against_the_clients_level(cohort):
    alliance = attended(cohort, "alliance").with_columns(
        pl.col("total").shift(1).over(PERSON).alias("previous")
    )
    ruptures = alliance.join(events(cohort, "rupture").select(KEY), on=KEY)
    assert ruptures.height == events(cohort, "rupture").height
    assert low(ruptures["session"]) >= 2
    drops = ruptures["previous"] - ruptures["total"]
    assert mean(drops) >= 4
    assert mean(drops > 0) > 0.9


def test_clients_say_something_felt_off_at_some_ruptures_and_rarely_otherwise(cohort):
    alliance = attended(cohort, "alliance")
    ruptures = events(cohort, "rupture").select(KEY)
    at_ruptures = mean(alliance.join(ruptures, on=KEY)["felt_off"])
    elsewhere = mean(alliance.join(ruptures, on=KEY, how="anti")["felt_off"])
    assert 0.2 <= at_ruptures <= 0.55
    assert elsewhere < 0.03


def test_every_rupture_is_followed_by_at_most_one_repair_verdict(cohort):
    verdicts = cohort.truth.filter(pl.col("event").is_in(["repair_held", "repair_not_held"]))
    assert 0 < verdicts.height <= events(cohort, "rupture").height
    assert events(cohort, "repair_held").height > 0
    assert events(cohort, "repair_not_held").height > 0


def test_a_split_alliance_is_one_partner_rupturing_alone(cohort):
    splits = events(cohort, "split_alliance")
    assert splits.height > 0
    assert set(splits["participant_id"]) <= {"p1", "p2"}
    ruptures = events(cohort, "rupture").select(KEY)
    assert splits.select(KEY).join(ruptures, on=KEY, how="anti").is_empty()
    partner = splits.select(
        "client_id",
        pl.when(pl.col("participant_id") == "p1").then(pl.lit("p2")).otherwise(pl.lit("p1")),
        "session",
    ).rename({"literal": "participant_id"})
    assert partner.join(ruptures, on=KEY).is_empty()


def test_missed_sessions_are_likelier_after_an_unrepaired_rupture(cohort):
    alliance = cohort.measurements.filter(pl.col("measure") == "alliance")
    first_unrepaired = (
        events(cohort, "repair_not_held")
        .group_by(PERSON)
        .agg(pl.col("session").min().alias("since"))
    )
    marked = alliance.join(first_unrepaired, on=PERSON, how="left").with_columns(
        (pl.col("session") > pl.col("since")).fill_null(False).alias("after"),
        (pl.col("attendance") != "attended").alias("missed"),
    )
    rates = marked.filter(pl.col("session") > 1).group_by("after").agg(pl.col("missed").mean())
    rate = dict(zip(rates["after"], rates["missed"], strict=True))
    assert rate[True] > 2 * rate[False]


def test_run_writes_input_history_and_truth(tmp_path, capsys):
    status = simulate.run(
        [
            "--clients",
            "30",
            "--seed",
            "11",
            "--output-dir",
            str(tmp_path),
            "--history-clients",
            "15",
        ]
    )
    assert status == 0
    assert "30 clients" in capsys.readouterr().out
    header = (tmp_path / "input.csv").read_text().splitlines()[0].split(",")
    assert header == simulate.INPUT_COLUMNS
    frame = simulate.read_input(tmp_path / "input.csv")
    history = simulate.read_input(tmp_path / "history.csv")
    assert frame["client_id"].n_unique() == 30
    assert history["client_id"].n_unique() == 15
    assert set(frame["client_id"]).isdisjoint(set(history["client_id"]))
    truth = pl.read_csv(tmp_path / "truth.csv")
    assert list(truth.columns) == list(simulate.TRUTH_SCHEMA)


def test_read_input_round_trips_what_was_written(tmp_path):
    cohort, history = simulate.simulate(25, 5, history_clients=5)
    simulate.write(cohort, history, tmp_path)
    read = simulate.read_input(tmp_path / "input.csv")
    assert read.equals(cohort.measurements.select(list(MEASUREMENT_SCHEMA)))


def test_joint_fraction_sets_the_share_of_couple_cases():
    cohort, _ = simulate.simulate(
        200, 2, history_clients=0, settings=simulate.Settings(joint_fraction=0.5)
    )
    joint = cohort.measurements.filter(pl.col("participant_id") != "")["client_id"].n_unique()
    assert 0.35 <= joint / 200 <= 0.65


def test_run_refuses_a_joint_fraction_outside_0_to_1(tmp_path):
    with pytest.raises(SystemExit) as stopped:
        simulate.run(
            [
                "--clients",
                "5",
                "--seed",
                "1",
                "--output-dir",
                str(tmp_path),
                "--joint-fraction",
                "2",
            ]
        )
    assert stopped.value.code == 2


def test_knobs_can_be_changed_for_a_sensitivity_analysis():
    settings = simulate.with_knobs(
        simulate.Settings(), ["rupture_drop_sds=1.0,2.0", "repair_window=3", "miss_rate=0.1"]
    )
    assert settings.rupture_drop_sds == (1.0, 2.0)
    assert settings.repair_window == 3
    assert settings.miss_rate == 0.1


def test_an_unknown_or_malformed_knob_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="no knob 'rupture_size'"):
        simulate.with_knobs(simulate.Settings(), ["rupture_size=3"])
    with pytest.raises(ValueError, match="repair_window"):
        simulate.with_knobs(simulate.Settings(), ["repair_window=two"])
    with pytest.raises(SystemExit):
        simulate.run(
            ["--clients", "5", "--seed", "1", "--output-dir", str(tmp_path), "--set", "outcomes=1"]
        )
