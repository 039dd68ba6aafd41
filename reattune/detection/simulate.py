"""`reattune simulate`: synthetic cohorts with their hidden truth, for evaluating detection.

    reattune simulate --clients N --seed S --output-dir DIR [--history-clients M]
                      [--joint-fraction F] [--set KNOB=VALUE ...]

writes DIR/input.csv (the `reattune detect` input: one row per client, participant, measure and
session, with item answers, attendance and the "did anything feel off?" answer), DIR/history.csv
(closed cases of other clients, same format, for calibrating expected-response bands) and
DIR/truth.csv (what really happened, which detection never sees).

Every random draw comes from the seed, so a seed never used while tuning gives a fresh cohort.
Each knob is a field of `Settings` (changed with --set for sensitivity analyses);
docs/detection/evaluation.md gives each one's source, and says which are published figures and
which are modelling choices:

- Outcomes (PHQ-9 and GAD-7 at every attended session, as NHS Talking Therapies collect them):
  intakes spread over the severity bands of Kroenke et al. 2001 and Spitzer et al. 2006; most
  clients improve along a negatively accelerated curve, about 8% deteriorate (Hannan et al. 2005:
  40 of 550; Lambert: 5-10%), the rest stay flat. Session-to-session noise is the standard error
  of measurement implied by each measure's published reliable-change threshold (Jacobson & Truax
  1991: RC = 1.96 * sqrt(2) * SE); for PHQ-9 this matches its test-retest r = .84 (Kroenke 2001).
- Alliance check (0-40): about half of clients give the top score on every item (ACORN), some
  rate low but steadily, the rest vary around their own level. Ruptures are drops against the
  client's own level, larger than their noise, more common early and in deteriorating clients;
  some are repaired within one or two checks, some not. Clients say "yes, something felt off" at
  only some ruptures and rarely otherwise; missed sessions are likelier after an unrepaired
  rupture (McLaughlin et al. 2014).
- Safety: PHQ-9 item 9 above 0 in a few percent of sessions; the truth is exactly those answers.
- Couples: two participants each rate; one rupturing alone is a split alliance.

Truth (truth.csv): one row per event (`safety`, `rupture`, `split_alliance`, `repair_held`,
`repair_not_held`) keyed by client, participant and session; and one `outcome` row per client
and participant with `status` (reliably_deteriorated, reliably_improved or neither: the TRUE
final score against the true intake, by each measure's reliable-change threshold, with the NHS
Talking Therapies convention that any reliable deterioration counts as deterioration),
`deterioration_onset` (the session the true score began to worsen) and `reliable_session` (the
first session the true change was reliable).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from reattune.detection.frame import ATTENDED, MEASUREMENT_SCHEMA, SERIES_KEY, sort_measurements
from reattune.measures.definitions import MeasureDefinition, load_definitions

Floats = npt.NDArray[np.float64]

IMPROVED = "reliably_improved"
DETERIORATED = "reliably_deteriorated"
NEITHER = "neither"
ALLIANCE = "alliance"
# Reattune's post-session check (measures/definitions/alliance.toml): four items scored 0-10.
ALLIANCE_ITEMS, ALLIANCE_ITEM_MAX = 4, 10
ALLIANCE_TOP = float(ALLIANCE_ITEMS * ALLIANCE_ITEM_MAX)
CEILING = "ceiling"
LOW_STEADY = "low_steady"
TYPICAL = "typical"

INPUT_COLUMNS = [
    "client_id",
    "therapist_id",
    "participant_id",
    "session",
    "date",
    "measure",
    "total",
    "items",
    "attendance",
    "felt_off",
]
TRUTH_SCHEMA: dict[str, Any] = {
    "client_id": pl.String,
    "participant_id": pl.String,
    "session": pl.Int32,
    "event": pl.String,
    "measure": pl.String,
    "status": pl.String,
    "deterioration_onset": pl.Int32,
    "reliable_session": pl.Int32,
}


@dataclass(frozen=True)
class OutcomeScale:
    """Where intakes fall on one outcome measure (its items and RC come from its definition)."""

    measure: str
    intake_mean: float
    intake_sd: float
    intake_min: float


@dataclass(frozen=True)
class Settings:
    """The generator's knobs. Sources: module docstring and docs/detection/evaluation.md."""

    # Course of treatment.
    min_sessions: int = 6
    max_sessions: int = 16
    joint_fraction: float = 0.10
    therapists: int = 12
    miss_rate: float = 0.08
    miss_rate_unrepaired: float = 0.30
    # Outcomes.
    outcomes: tuple[OutcomeScale, ...] = (
        OutcomeScale("phq9", intake_mean=15.0, intake_sd=5.0, intake_min=3.0),
        OutcomeScale("gad7", intake_mean=13.0, intake_sd=4.5, intake_min=2.0),
    )
    intake_correlation: float = 0.7
    deteriorate_fraction: float = 0.08
    flat_fraction: float = 0.25
    improvement_share: tuple[float, float] = (0.35, 0.85)  # of the intake score, by the end
    improvement_pace: tuple[float, float] = (1.5, 5.0)  # sessions to ~63% of the gain
    onset_weights: tuple[float, ...] = (0.35, 0.30, 0.20, 0.15)  # onset at sessions 2, 3, 4, 5
    deterioration_ramp: tuple[int, int] = (2, 4)  # sessions from onset to the full loss
    deterioration_excess: tuple[float, float] = (0.2, 1.0)  # beyond RC, in RCs
    flat_drift_sd: float = 1.5
    noise_scale: float = 1.0  # times the SE implied by the measure's reliable-change threshold
    # Alliance check (0-40).
    ceiling_fraction: float = 0.50
    low_steady_fraction: float = 0.12
    ceiling_blip: float = 0.05  # a ceiling rater's odd 39
    typical_level: tuple[float, float] = (31.0, 39.0)
    typical_sd: tuple[float, float] = (0.8, 2.5)
    low_level: tuple[float, float] = (20.0, 32.0)
    low_sd: tuple[float, float] = (0.5, 1.5)
    alliance_growth: float = 0.15  # points a session: alliance tends to build
    # Ruptures.
    rupture_hazard_early: float = 0.08  # per session, sessions 2-4
    rupture_hazard_late: float = 0.04
    rupture_deteriorating_factor: float = 2.0
    rupture_drop_sds: tuple[float, float] = (2.5, 4.0)
    rupture_min_drop: float = 4.0
    rupture_extra_drop: tuple[float, float] = (0.0, 5.0)
    repair_probability: float = 0.6
    repair_window: int = 2  # sessions: a repaired rupture is back within this many
    unrepaired_persists: tuple[float, float] = (0.5, 1.0)  # share of the drop that stays
    felt_off_at_rupture: float = 0.35
    felt_off_otherwise: float = 0.015
    # Safety (PHQ-9 item 9).
    safety_risk_fraction: float = 0.12
    safety_risk_rate: float = 0.25
    safety_base_rate: float = 0.005
    safety_answer_weights: tuple[float, float, float] = (0.65, 0.25, 0.10)  # answers 1, 2, 3
    first_date: date = date(2024, 1, 8)


@dataclass
class _Episode:
    """A rupture still being resolved: when it happened, its drop, and whether (and after how
    many sessions) it will be repaired."""

    start: int
    drop: float
    repaired: bool
    recover_after: int  # sessions after the rupture


@dataclass
class _Person:
    """One rater: the client, or one participant in a joint case."""

    participant_id: str
    course: str
    true: dict[str, Floats]
    onset: int | None
    item_weights: dict[str, Floats]
    rater: str
    level: float
    sd: float
    safety_rate: float
    episode: _Episode | None = None
    shift: float = 0.0
    unrepaired: bool = False


@dataclass
class Cohort:
    measurements: pl.DataFrame  # MEASUREMENT_SCHEMA plus therapist_id and date
    truth: pl.DataFrame  # TRUTH_SCHEMA


def simulate(
    clients: int,
    seed: int,
    *,
    history_clients: int = 1000,
    settings: Settings | None = None,
    definitions: dict[str, MeasureDefinition] | None = None,
) -> tuple[Cohort, Cohort]:
    """The cohort to evaluate on and a separate history cohort, both drawn from `seed`."""
    settings = settings or Settings()
    definitions = definitions or load_definitions()
    cohort_seed, history_seed = np.random.SeedSequence(seed).spawn(2)
    cohort = _Generator(settings, definitions, np.random.default_rng(cohort_seed)).cohort(
        clients, "C"
    )
    history = _Generator(settings, definitions, np.random.default_rng(history_seed)).cohort(
        history_clients, "H"
    )
    return cohort, history


class _Generator:
    def __init__(
        self,
        settings: Settings,
        definitions: dict[str, MeasureDefinition],
        rng: np.random.Generator,
    ) -> None:
        self.s = settings
        self.defs = definitions
        self.rng = rng
        self.rows: list[dict[str, Any]] = []
        self.truth: list[dict[str, Any]] = []

    def cohort(self, clients: int, prefix: str) -> Cohort:
        width = max(4, len(str(clients)))
        for n in range(1, clients + 1):
            self.client(f"{prefix}{n:0{width}d}")
        measurements = pl.DataFrame(
            self.rows, schema={**MEASUREMENT_SCHEMA, "therapist_id": pl.String, "date": pl.Date}
        ).sort([*SERIES_KEY, "session"])
        truth = pl.DataFrame(self.truth, schema=TRUTH_SCHEMA).sort(
            ["client_id", "participant_id", "session", "event"]
        )
        return Cohort(measurements=measurements, truth=truth)

    # --- One client ---------------------------------------------------------------------

    def client(self, client_id: str) -> None:
        s, rng = self.s, self.rng
        sessions = int(rng.integers(s.min_sessions, s.max_sessions + 1))
        joint = rng.random() < s.joint_fraction
        people = [self.person(p, sessions) for p in (("p1", "p2") if joint else ("",))]
        therapist = f"T{int(rng.integers(1, s.therapists + 1)):02d}"
        start = s.first_date + timedelta(days=int(rng.integers(0, 365)))
        for session in range(1, sessions + 1):
            unrepaired = any(p.unrepaired for p in people)
            miss = s.miss_rate_unrepaired if unrepaired else s.miss_rate
            attended = session == 1 or rng.random() >= miss
            base = {
                "client_id": client_id,
                "therapist_id": therapist,
                "session": session,
                "date": start + timedelta(weeks=session - 1),
            }
            if not attended:
                absence = "cancelled" if rng.random() < 0.5 else "no_show"
                for p in people:
                    if p.episode is not None:
                        self.follow_episode(base, p, session, attended=False)
                    for measure in [o.measure for o in s.outcomes] + [ALLIANCE]:
                        self.rows.append(_missed(base, p.participant_id, measure, absence))
                continue
            ruptured = [self.alliance(base, p, session) for p in people]
            if joint and sum(ruptured) == 1:
                who = people[ruptured.index(True)]
                self.event(client_id, who.participant_id, session, "split_alliance", ALLIANCE)
            for p in people:
                self.outcomes(base, p, session)
        for p in people:
            self.outcome_truth(client_id, p, sessions)

    def person(self, participant_id: str, sessions: int) -> _Person:
        s, rng = self.s, self.rng
        u = rng.random()
        course = (
            "deteriorate"
            if u < s.deteriorate_fraction
            else "flat"
            if u < s.deteriorate_fraction + s.flat_fraction
            else "improve"
        )
        z = rng.standard_normal()
        onset = None
        if course == "deteriorate":
            weights = np.array(s.onset_weights[: max(1, min(len(s.onset_weights), sessions - 3))])
            onset = 2 + int(rng.choice(len(weights), p=weights / weights.sum()))
        true, item_weights = {}, {}
        for scale in s.outcomes:
            definition = self.defs[scale.measure]
            shared = s.intake_correlation * z
            own = math.sqrt(1 - s.intake_correlation**2) * rng.standard_normal()
            intake = scale.intake_mean + scale.intake_sd * (shared + own)
            intake = float(np.clip(intake, scale.intake_min, definition.max_total))
            true[scale.measure] = self.trajectory(course, intake, definition, sessions, onset)
            safety = _safety_position(definition) is not None
            n_items = len(definition.scored_items) - safety
            item_weights[scale.measure] = rng.dirichlet(np.full(n_items, 3.0))
        u = rng.random()
        if u < s.ceiling_fraction:
            rater, level, sd = CEILING, ALLIANCE_TOP, 0.0
        elif u < s.ceiling_fraction + s.low_steady_fraction:
            rater, level, sd = LOW_STEADY, rng.uniform(*s.low_level), rng.uniform(*s.low_sd)
        else:
            rater, level, sd = TYPICAL, rng.uniform(*s.typical_level), rng.uniform(*s.typical_sd)
        at_risk = rng.random() < s.safety_risk_fraction
        return _Person(
            participant_id=participant_id,
            course=course,
            true=true,
            onset=onset,
            item_weights=item_weights,
            rater=rater,
            level=float(level),
            sd=float(sd),
            safety_rate=s.safety_risk_rate if at_risk else s.safety_base_rate,
        )

    def trajectory(
        self,
        course: str,
        intake: float,
        definition: MeasureDefinition,
        sessions: int,
        onset: int | None,
    ) -> Floats:
        """The true score at each session (index 0 is session 1)."""
        s, rng = self.s, self.rng
        t = np.arange(sessions, dtype=np.float64)
        rc = _reliable_change(definition)
        top = float(definition.max_total)
        if course == "improve":
            pace = rng.uniform(*s.improvement_pace)
            shape = (1 - np.exp(-t / pace)) / (1 - math.exp(-(sessions - 1) / pace))
            return intake - intake * rng.uniform(*s.improvement_share) * shape
        if course == "flat":
            drift = rng.normal(0.0, s.flat_drift_sd)
            return np.clip(intake + drift * t / (sessions - 1), 0.0, top)
        assert onset is not None
        # A deteriorating client needs room above the intake to worsen reliably.
        intake = min(intake, top - rc - 2.0)
        loss = min(rc * (1 + rng.uniform(*s.deterioration_excess)), top - intake - 0.5)
        ramp = int(rng.integers(s.deterioration_ramp[0], s.deterioration_ramp[1] + 1))
        ramp = min(ramp, sessions - onset + 1)  # the full loss shows by the last session
        progress = np.clip((t + 1 - onset + 1) / ramp, 0.0, 1.0)
        return intake + loss * progress

    # --- One attended session -----------------------------------------------------------

    def alliance(self, base: dict[str, Any], p: _Person, session: int) -> bool:
        """Add the person's alliance check; True when a rupture happens at this session."""
        s, rng = self.s, self.rng
        ruptured = False
        drop = 0.0
        if p.episode is not None:
            drop = self.follow_episode(base, p, session, attended=True)
        elif session >= 2:
            hazard = s.rupture_hazard_early if session <= 4 else s.rupture_hazard_late
            if p.course == "deteriorate":
                hazard *= s.rupture_deteriorating_factor
            ruptured = rng.random() < hazard
        if ruptured:
            size = max(s.rupture_min_drop, rng.uniform(*s.rupture_drop_sds) * p.sd)
            drop = size + rng.uniform(*s.rupture_extra_drop)
            repaired = rng.random() < s.repair_probability
            recover_after = int(rng.integers(1, s.repair_window + 1))
            p.episode = _Episode(session, drop, repaired, recover_after)
            p.unrepaired = p.unrepaired or not repaired
            self.event(base["client_id"], p.participant_id, session, "rupture", ALLIANCE)
        usual = self.usual_alliance(p, session)
        total = int(np.clip(round(usual - p.shift - drop), 0, ALLIANCE_TOP))
        felt_off_rate = s.felt_off_at_rupture if ruptured else s.felt_off_otherwise
        self.rows.append(
            {
                **base,
                "participant_id": p.participant_id,
                "measure": ALLIANCE,
                "total": float(total),
                "items": _spread(total, np.ones(ALLIANCE_ITEMS), ALLIANCE_ITEM_MAX, rng),
                "attendance": ATTENDED,
                "felt_off": bool(rng.random() < felt_off_rate),
            }
        )
        return ruptured

    def usual_alliance(self, p: _Person, session: int) -> float:
        if p.rater == CEILING:
            return ALLIANCE_TOP - float(self.rng.random() < self.s.ceiling_blip)
        grown = min(ALLIANCE_TOP, p.level + self.s.alliance_growth * (session - 1))
        return grown + self.rng.normal(0.0, p.sd)

    def follow_episode(
        self, base: dict[str, Any], p: _Person, session: int, attended: bool
    ) -> float:
        """The drop still showing at this session, recording the repair's outcome: held at the
        first check back at the usual level; not held once `repair_window` sessions have passed
        without that (Reattune's verify step), whether or not that session was attended."""
        episode = p.episode
        assert episode is not None
        client = base["client_id"]
        elapsed = session - episode.start
        if episode.repaired:
            if elapsed < episode.recover_after:
                return episode.drop * 0.5
            if attended:
                self.event(client, p.participant_id, session, "repair_held", ALLIANCE)
                p.episode = None
            return 0.0
        if elapsed >= self.s.repair_window:
            self.event(client, p.participant_id, session, "repair_not_held", ALLIANCE)
            p.shift += episode.drop * self.rng.uniform(*self.s.unrepaired_persists)
            p.episode = None
            return 0.0
        return episode.drop * self.rng.uniform(0.7, 1.0)

    def outcomes(self, base: dict[str, Any], p: _Person, session: int) -> None:
        rng = self.rng
        for scale in self.s.outcomes:
            definition = self.defs[scale.measure]
            top = definition.max_total
            item_max = max(definition.scored_items[0].values)
            true = p.true[scale.measure][session - 1]
            noise = self.s.noise_scale * _reliable_change(definition) / (1.96 * math.sqrt(2))
            total = int(np.clip(round(true + rng.normal(0.0, noise)), 0, top))
            weights = p.item_weights[scale.measure]
            position = _safety_position(definition)
            if position is None:
                items = _spread(total, weights, item_max, rng)
            else:
                answer = 0
                if rng.random() < p.safety_rate:
                    answers = np.arange(1, len(self.s.safety_answer_weights) + 1)
                    chance = np.array(self.s.safety_answer_weights)
                    answer = int(rng.choice(answers, p=chance / chance.sum()))
                    self.event(
                        base["client_id"], p.participant_id, session, "safety", scale.measure
                    )
                rest = int(np.clip(total - answer, 0, top - item_max))
                items = _spread(rest, weights, item_max, rng)
                items.insert(position, answer)
                total = rest + answer
            self.rows.append(
                {
                    **base,
                    "participant_id": p.participant_id,
                    "measure": scale.measure,
                    "total": float(total),
                    "items": items,
                    "attendance": ATTENDED,
                    "felt_off": None,
                }
            )

    # --- Truth --------------------------------------------------------------------------

    def event(
        self, client_id: str, participant_id: str, session: int, event: str, measure: str
    ) -> None:
        self.truth.append(
            {
                "client_id": client_id,
                "participant_id": participant_id,
                "session": session,
                "event": event,
                "measure": measure,
            }
        )

    def outcome_truth(self, client_id: str, p: _Person, sessions: int) -> None:
        """Eventual status on the TRUE scores: any reliable deterioration counts as deterioration
        (NHS Talking Therapies convention); otherwise any reliable improvement is improvement."""
        worse_at: list[int] = []
        began: list[int] = []
        better_at: list[int] = []
        for scale in self.s.outcomes:
            rc = _reliable_change(self.defs[scale.measure])
            change = p.true[scale.measure] - p.true[scale.measure][0]
            if change[-1] >= rc:
                worse_at.append(int(np.argmax(change >= rc)) + 1)
                began.append(int(np.argmax(change > 0)) + 1)
            elif change[-1] <= -rc:
                better_at.append(int(np.argmax(change <= -rc)) + 1)
        status, reliable, onset = NEITHER, None, None
        if worse_at:
            # A flat course can drift into reliable deterioration; it began when it rose.
            status, reliable, onset = DETERIORATED, min(worse_at), p.onset or min(began)
        elif better_at:
            status, reliable = IMPROVED, min(better_at)
        self.truth.append(
            {
                "client_id": client_id,
                "participant_id": p.participant_id,
                "session": sessions,
                "event": "outcome",
                "measure": "",
                "status": status,
                "deterioration_onset": onset,
                "reliable_session": reliable,
            }
        )


def _missed(
    base: dict[str, Any], participant_id: str, measure: str, absence: str
) -> dict[str, Any]:
    return {
        **base,
        "participant_id": participant_id,
        "measure": measure,
        "total": None,
        "items": None,
        "attendance": absence,
        "felt_off": None,
    }


def _reliable_change(definition: MeasureDefinition) -> float:
    if definition.reliable_change is None:
        raise ValueError(f"{definition.id} has no reliable-change threshold to simulate with")
    return definition.reliable_change.value


def _safety_position(definition: MeasureDefinition) -> int | None:
    for position, item in enumerate(definition.scored_items):
        if item.is_safety:
            return position
    return None


def _spread(total: int, weights: Floats, item_max: int, rng: np.random.Generator) -> list[int]:
    """Item answers that add up to `total`: each point goes to an item not yet full, chosen in
    proportion to the person's item weights (an exponential race over every item's slots)."""
    keys = rng.exponential(size=(len(weights), item_max)) / weights[:, None]
    chosen = np.zeros(keys.size, dtype=bool)
    chosen[np.argsort(keys, axis=None)[:total]] = True
    return [int(v) for v in chosen.reshape(keys.shape).sum(axis=1)]


# --- Files ----------------------------------------------------------------------------------


def input_csv_frame(measurements: pl.DataFrame) -> pl.DataFrame:
    """The `reattune detect` input format: items space-separated, felt_off yes/no."""
    return measurements.select(
        "client_id",
        "therapist_id",
        "participant_id",
        "session",
        pl.col("date").cast(pl.String),
        "measure",
        pl.col("total").cast(pl.Int64),
        pl.col("items").list.eval(pl.element().cast(pl.String)).list.join(" "),
        "attendance",
        pl.when(pl.col("felt_off"))
        .then(pl.lit("yes"))
        .when(pl.col("felt_off").not_())
        .then(pl.lit("no"))
        .alias("felt_off"),
    )


def read_input(path: Path | str) -> pl.DataFrame:
    """Read a file in the `reattune detect` input format (as written above) into
    MEASUREMENT_SCHEMA. For files this module wrote; `reattune detect` validates any file."""
    raw = pl.read_csv(path, infer_schema=False)
    text = {c: pl.col(c) if c in raw.columns else pl.lit(None, pl.String) for c in INPUT_COLUMNS}
    felt_off = text["felt_off"].str.strip_chars().str.to_lowercase()
    return sort_measurements(
        raw.select(
            text["client_id"].alias("client_id"),
            text["participant_id"].fill_null("").alias("participant_id"),
            text["session"].cast(pl.Int32).alias("session"),
            text["measure"].alias("measure"),
            text["total"].cast(pl.Float64).alias("total"),
            text["items"].str.strip_chars().str.split(" ").cast(pl.List(pl.Int16)).alias("items"),
            text["attendance"].fill_null(ATTENDED).alias("attendance"),
            pl.when(felt_off == "yes")
            .then(True)
            .when(felt_off == "no")
            .then(False)
            .alias("felt_off"),
        ).cast(MEASUREMENT_SCHEMA)  # type: ignore[arg-type]
    )


def write(cohort: Cohort, history: Cohort, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    input_csv_frame(cohort.measurements).write_csv(directory / "input.csv")
    input_csv_frame(history.measurements).write_csv(directory / "history.csv")
    cohort.truth.write_csv(directory / "truth.csv")


def with_knobs(settings: Settings, assignments: list[str]) -> Settings:
    """`settings` with knobs changed from KNOB=VALUE texts (a range as LOW,HIGH), for
    sensitivity analyses; raises ValueError naming the knob at fault."""
    knobs = {f.name for f in fields(Settings)} - {"outcomes", "first_date"}
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, _, text = assignment.partition("=")
        name = name.strip()
        if name not in knobs:
            raise ValueError(f"--set {assignment!r}: no knob {name!r} (knobs: {sorted(knobs)})")
        default = getattr(settings, name)
        try:
            if isinstance(default, tuple):
                kind = type(default[0])
                changes[name] = tuple(kind(v) for v in text.split(","))
            else:
                changes[name] = type(default)(text)
        except ValueError:
            raise ValueError(f"--set {assignment!r}: {text!r} is not like {default!r}") from None
    return replace(settings, **changes)


def run(argv: list[str]) -> int:
    """`reattune simulate`: write input.csv, history.csv and truth.csv for one seed."""
    parser = argparse.ArgumentParser(
        prog="reattune simulate",
        description="Write a synthetic cohort (input.csv, history.csv) and its hidden truth "
        "(truth.csv) for evaluating detection. See docs/detection/evaluation.md.",
    )
    parser.add_argument("--clients", type=int, required=True, help="clients in input.csv")
    parser.add_argument("--seed", type=int, required=True, help="changes every random draw")
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument(
        "--history-clients", type=int, default=1000, help="closed cases in history.csv"
    )
    parser.add_argument(
        "--joint-fraction",
        type=float,
        default=Settings.joint_fraction,
        help="share of couple cases (two participants each rating)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="change one of Settings' knobs, e.g. rupture_drop_sds=1.0,2.0 (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.history_clients < 0:
        parser.error("--clients must be at least 1 and --history-clients at least 0")
    if not 0.0 <= args.joint_fraction <= 1.0:
        parser.error("--joint-fraction must be between 0 and 1")
    try:
        settings = with_knobs(Settings(joint_fraction=args.joint_fraction), args.set)
    except ValueError as e:
        parser.error(str(e))
    cohort, history = simulate(
        args.clients, args.seed, history_clients=args.history_clients, settings=settings
    )
    write(cohort, history, args.output_dir)
    outcomes = cohort.truth.filter(pl.col("event") == "outcome")["status"].value_counts()
    counts = dict(zip(outcomes["status"], outcomes["count"], strict=True))
    print(
        f"Wrote {args.output_dir}/input.csv ({args.clients} clients, "
        f"{cohort.measurements.height} rows), history.csv ({args.history_clients} clients) and "
        f"truth.csv (seed {args.seed}: {counts.get(DETERIORATED, 0)} reliably deteriorated, "
        f"{counts.get(IMPROVED, 0)} reliably improved, {counts.get(NEITHER, 0)} neither)."
    )
    return 0
