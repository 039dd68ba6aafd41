"""`reattune evaluate`: score a signals file against a simulated cohort's hidden truth.

    reattune evaluate --truth truth.csv --signals signals.csv
                      [--input input.csv [--history history.csv] --peers] [--format text|json]

Events (safety, rupture, split alliance, repair held, repair not held) are scored as events:
a signal is a true positive when the truth has that event for the same client, participant and
session, exactly: no tolerance either way, because a rupture flagged a session late is a
session in which the clinician did not know (split alliance: client and session only, since a
split belongs to the case). Several signals of one kind at one session count once.

Early warning (Hannan et al. 2005; Lambert's off-track alerts), per client and participant:

- sensitivity by session 4: of those whose true course ends reliably deteriorated, the share
  with a warning (`reliable_deterioration` or `not_on_track`; a peer's own warning signal for a
  peer) at session 4 or before;
- false alarms among improvers: of those who end reliably improved, the share with a warning at
  any session;
- lead time: the session the true change first became reliable minus the session of the first
  warning, for each warned deteriorating client (positive: the warning came first).

With --peers, the peer rules (reattune.detection.peers) run on the input (the Finch bands also
need --history) and are scored the same way, side by side. Targets: docs/detection/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from reattune.detection import peers
from reattune.detection.simulate import DETERIORATED, IMPROVED, NEITHER, read_input
from reattune.measures.definitions import load_definitions

EARLY_BY = 4
PERSON_SESSION = ("client_id", "participant_id", "session")
EVENT_KEYS: dict[str, tuple[str, ...]] = {
    "safety": PERSON_SESSION,
    "rupture": PERSON_SESSION,
    "split_alliance": ("client_id", "session"),
    "repair_held": PERSON_SESSION,
    "repair_not_held": PERSON_SESSION,
}
EVENT_LABELS = {
    "safety": "Safety item",
    "rupture": "Alliance rupture",
    "split_alliance": "Split alliance",
    "repair_held": "Repair held",
    "repair_not_held": "Repair not held",
}


@dataclass(frozen=True)
class System:
    """A set of rules under evaluation: which of its signals answer which truth events, and
    which are its early warnings of deterioration."""

    key: str
    label: str
    events: Mapping[str, frozenset[str]]
    warnings: frozenset[str] = frozenset()


REATTUNE = System(
    "reattune",
    "Reattune",
    {
        "safety": frozenset({"safety"}),
        "rupture": frozenset({"alliance_rupture"}),
        "split_alliance": frozenset({"split_alliance"}),
        "repair_held": frozenset({"repair_held"}),
        "repair_not_held": frozenset({"repair_not_held"}),
    },
    frozenset({"reliable_deterioration", "not_on_track"}),
)
OPENFIT = System("openfit", "OpenFIT", {"rupture": frozenset({peers.OPENFIT})})
CUTOFF36 = System("cutoff36", "Cut-off <36", {"rupture": frozenset({peers.CUTOFF36})})
RC_ONLY = System("rc_only", "RC only", {}, frozenset({peers.RC_ONLY}))
FINCH = System("finch", "Finch bands", {}, frozenset({peers.FINCH}))
PEERS = (OPENFIT, CUTOFF36, RC_ONLY, FINCH)


@dataclass(frozen=True)
class Detection:
    """Event-level counts: distinct signalled keys, truth events, and keys in both."""

    signals: int
    truth: int
    hits: int

    @property
    def precision(self) -> float | None:
        return self.hits / self.signals if self.signals else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.truth if self.truth else None

    @property
    def f1(self) -> float | None:
        if self.recall is None:
            return None
        if not self.hits or self.precision is None:
            return 0.0
        return 2 * self.precision * self.recall / (self.precision + self.recall)

    def as_dict(self) -> dict[str, Any]:
        return {
            "signals": self.signals,
            "truth": self.truth,
            "hits": self.hits,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class EarlyWarning:
    deteriorated: int
    warned_by_session_4: int
    improved: int
    improvers_warned: int
    lead_times: tuple[int, ...]

    @property
    def sensitivity(self) -> float | None:
        return self.warned_by_session_4 / self.deteriorated if self.deteriorated else None

    @property
    def false_alarms(self) -> float | None:
        return self.improvers_warned / self.improved if self.improved else None

    @property
    def median_lead(self) -> float | None:
        return float(statistics.median(self.lead_times)) if self.lead_times else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "deteriorated": self.deteriorated,
            "warned_by_session_4": self.warned_by_session_4,
            "sensitivity_by_session_4": self.sensitivity,
            "improved": self.improved,
            "improvers_warned": self.improvers_warned,
            "false_alarms_among_improvers": self.false_alarms,
            "lead_times": list(self.lead_times),
            "median_lead_time": self.median_lead,
        }


@dataclass(frozen=True)
class Score:
    system: System
    events: dict[str, Detection] = field(default_factory=dict)
    early: EarlyWarning | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.system.label,
            "events": {name: d.as_dict() for name, d in self.events.items()},
            "early_warning": self.early.as_dict() if self.early else None,
        }


@dataclass(frozen=True)
class Target:
    name: str
    met: bool | None  # None: cannot be judged (a system missing, or no cases)
    detail: str


# --- Scoring ------------------------------------------------------------------------------------


def score(truth: pl.DataFrame, signals: pl.DataFrame, system: System) -> Score:
    """One system's signals against the truth (both as read by read_truth/read_signals)."""
    events = {}
    for event, names in system.events.items():
        key = list(EVENT_KEYS[event])
        wanted = truth.filter(pl.col("event") == event).select(key).unique()
        raised = signals.filter(pl.col("signal").is_in(list(names))).select(key).unique()
        hits = raised.join(wanted, on=key, how="semi").height
        events[event] = Detection(signals=raised.height, truth=wanted.height, hits=hits)
    early = early_warning(truth, signals, system.warnings) if system.warnings else None
    return Score(system=system, events=events, early=early)


def early_warning(
    truth: pl.DataFrame, signals: pl.DataFrame, names: frozenset[str]
) -> EarlyWarning:
    """Sensitivity by session 4 among the truly deteriorated, false alarms among the truly
    improved, and lead time (Hannan et al. 2005's comparison, per client and participant)."""
    person = ["client_id", "participant_id"]
    outcomes = truth.filter(pl.col("event") == "outcome").select(
        *person, "status", "reliable_session"
    )
    first = (
        signals.filter(pl.col("signal").is_in(list(names)))
        .group_by(person)
        .agg(pl.col("session").min().alias("first_warning"))
    )
    judged = outcomes.join(first, on=person, how="left")
    worse = judged.filter(pl.col("status") == DETERIORATED)
    better = judged.filter(pl.col("status") == IMPROVED)
    leads = worse.filter(pl.col("first_warning").is_not_null()).select(
        (pl.col("reliable_session") - pl.col("first_warning")).alias("lead")
    )
    return EarlyWarning(
        deteriorated=worse.height,
        warned_by_session_4=worse.filter(pl.col("first_warning") <= EARLY_BY).height,
        improved=better.height,
        improvers_warned=better.filter(pl.col("first_warning").is_not_null()).height,
        lead_times=tuple(int(v) for v in leads["lead"].drop_nulls()),
    )


def targets(scores: Mapping[str, Score]) -> list[Target]:
    """The issue's targets, judged on these scores."""
    found = []
    ours = scores.get(REATTUNE.key)
    safety = ours.events.get("safety") if ours else None
    if safety is None or safety.recall is None:
        found.append(Target("Safety: recall and precision 100%", None, "no safety events"))
    else:
        met = safety.recall == 1.0 and safety.precision == 1.0
        found.append(
            Target(
                "Safety: recall and precision 100%",
                met,
                f"recall {_pct(safety.recall)}, precision {_pct(safety.precision)}",
            )
        )
    rupture = ours.events.get("rupture") if ours else None
    openfit = scores.get(OPENFIT.key)
    theirs = openfit.events.get("rupture") if openfit else None
    name = "Alliance rupture: F1 at least 3x OpenFIT's"
    if rupture is None or theirs is None or rupture.f1 is None or theirs.f1 is None:
        found.append(Target(name, None, "needs Reattune's and OpenFIT's rupture scores"))
    else:
        found.append(
            Target(
                name,
                rupture.f1 >= 3 * theirs.f1,
                f"{rupture.f1:.3f} against 3 x {theirs.f1:.3f} = {3 * theirs.f1:.3f}",
            )
        )
    finch = scores.get(FINCH.key)
    name = "Early warning: sensitivity by session 4 >= Finch, false alarms <= Finch"
    mine, band = (ours.early if ours else None), (finch.early if finch else None)
    if mine is None or band is None or band.sensitivity is None or mine.sensitivity is None:
        found.append(Target(name, None, "needs Reattune's and the Finch bands' early warnings"))
    elif band.warned_by_session_4 == 0 and band.improvers_warned == 0:
        found.append(Target(name, None, "the Finch bands raised no warnings (not available?)"))
    else:
        assert mine.false_alarms is not None and band.false_alarms is not None
        met = mine.sensitivity >= band.sensitivity and mine.false_alarms <= band.false_alarms
        found.append(
            Target(
                name,
                met,
                f"sensitivity {_pct(mine.sensitivity)} vs {_pct(band.sensitivity)}; "
                f"false alarms {_pct(mine.false_alarms)} vs {_pct(band.false_alarms)}",
            )
        )
    return found


# --- Files --------------------------------------------------------------------------------------


def read_truth(path: Path | str) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema=False)
    return raw.with_columns(
        pl.col("participant_id").fill_null(""),
        pl.col("session").cast(pl.Int32),
        pl.col("reliable_session").cast(pl.Int32),
    )


def read_signals(path: Path | str) -> pl.DataFrame:
    """A signals CSV (`reattune detect --output`): client_id, session and signal are needed;
    participant_id is "" where absent."""
    raw = pl.read_csv(path, infer_schema=False)
    if "participant_id" not in raw.columns:
        raw = raw.with_columns(pl.lit("").alias("participant_id"))
    return raw.select(
        "client_id",
        pl.col("participant_id").fill_null(""),
        pl.col("session").cast(pl.Int32),
        "signal",
    )


def evaluate(
    truth: pl.DataFrame,
    signals: pl.DataFrame,
    *,
    peer_signals: pl.DataFrame | None = None,
    peer_systems: Sequence[System] = PEERS,
) -> dict[str, Score]:
    """Reattune's score, and each peer's when peer signals are given."""
    scores = {REATTUNE.key: score(truth, signals, REATTUNE)}
    if peer_signals is not None:
        for system in peer_systems:
            scores[system.key] = score(truth, peer_signals, system)
    return scores


def compute_peers(
    input_path: Path | str, history_path: Path | str | None
) -> tuple[pl.DataFrame, list[System], list[str]]:
    """Run the peer rules on the input; the systems that could be scored, and notes on those
    that could not."""
    definitions = load_definitions()
    frame = read_input(input_path)
    history = read_input(history_path) if history_path else None
    systems, notes = [OPENFIT, CUTOFF36, RC_ONLY], list[str]()
    if history is None:
        notes.append("Finch bands: no --history to calibrate them on; left out.")
    elif not peers.finch_available():
        notes.append(
            "Finch bands: no calibrate/finch_band_flags in reattune.detection.expected yet; "
            "left out."
        )
    else:
        systems.append(FINCH)
    return peers.peer_signals(frame, definitions, history), systems, notes


# --- Output -------------------------------------------------------------------------------------


def as_json(truth: pl.DataFrame, scores: Mapping[str, Score], notes: Sequence[str]) -> str:
    return json.dumps(
        {
            "truth": truth_counts(truth),
            "matching": "exact session; client and participant (split alliance: client)",
            "early_warning_by_session": EARLY_BY,
            "systems": {key: s.as_dict() for key, s in scores.items()},
            "targets": [
                {"name": t.name, "met": t.met, "detail": t.detail} for t in targets(scores)
            ],
            "notes": list(notes),
        },
        indent=2,
    )


def truth_counts(truth: pl.DataFrame) -> dict[str, int]:
    events = truth.filter(pl.col("event") != "outcome")["event"].value_counts()
    counts = dict(zip(events["event"], events["count"], strict=True))
    statuses = truth.filter(pl.col("event") == "outcome")["status"].value_counts()
    counts.update(dict(zip(statuses["status"], statuses["count"], strict=True)))
    counts["clients"] = truth["client_id"].n_unique()
    counts["raters"] = truth.filter(pl.col("event") == "outcome").height
    keys = ["clients", "raters", *EVENT_KEYS, DETERIORATED, IMPROVED, NEITHER]
    return {k: int(counts.get(k, 0)) for k in keys}


def as_text(truth: pl.DataFrame, scores: Mapping[str, Score], notes: Sequence[str]) -> str:
    counts = truth_counts(truth)
    columns = list(scores.values())
    rows: list[tuple[str, list[str]]] = []
    for event, label in EVENT_LABELS.items():
        cells = [s.events.get(event) for s in columns]
        if not any(cells):
            continue
        rows.append((f"{label} ({counts[event]})", ["" for _ in cells]))
        rows.append(("  precision", [_ratio(d, "precision") for d in cells]))
        rows.append(("  recall", [_ratio(d, "recall") for d in cells]))
        rows.append(("  F1", ["—" if d is None or d.f1 is None else f"{d.f1:.2f}" for d in cells]))
    early = [s.early for s in columns]
    if any(early):
        rows.append((f"Early warning ({counts[DETERIORATED]} deteriorated)", ["" for _ in early]))
        rows.append(
            (
                f"  sensitivity by session {EARLY_BY}",
                [_of(e.warned_by_session_4, e.deteriorated) if e else "—" for e in early],
            )
        )
        rows.append(
            (
                f"  false alarms, improvers ({counts[IMPROVED]})",
                [_of(e.improvers_warned, e.improved) if e else "—" for e in early],
            )
        )
        rows.append(
            ("  lead time, median sessions", [_num(e.median_lead) if e else "—" for e in early])
        )
    width = max(len(label) for label, _ in rows) + 2
    cell = max(14, *(len(s.system.label) + 2 for s in columns))
    lines = [
        f"Truth: {counts['clients']} clients ({counts['raters']} raters, counting each partner "
        f"in a couple case): {counts[DETERIORATED]} reliably deteriorated, "
        f"{counts[IMPROVED]} reliably improved, {counts[NEITHER]} neither.",
        "Matching: exact session, same client and participant (split alliance: same client).",
        "",
        "".ljust(width) + "".join(s.system.label.rjust(cell) for s in columns),
    ]
    lines += [label.ljust(width) + "".join(c.rjust(cell) for c in cells) for label, cells in rows]
    judged = targets(scores)
    lines += ["", "Targets:"]
    for t in judged:
        verdict = "met" if t.met else "NOT MET" if t.met is False else "not judged"
        lines.append(f"  [{verdict}] {t.name}: {t.detail}")
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


def _ratio(d: Detection | None, which: str) -> str:
    if d is None:
        return "—"
    if which == "precision":
        return _of(d.hits, d.signals)
    return _of(d.hits, d.truth)


def _of(part: int, whole: int) -> str:
    return f"{_pct(part / whole)} {part}/{whole}" if whole else "— 0/0"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


# --- Command ------------------------------------------------------------------------------------


def run(argv: list[str]) -> int:
    """`reattune evaluate`: print the scores of a signals file against a cohort's truth."""
    parser = argparse.ArgumentParser(
        prog="reattune evaluate",
        description="Score a signals file against simulated truth (reattune simulate), with "
        "the peer rules side by side. See docs/detection/evaluation.md.",
    )
    parser.add_argument("--truth", type=Path, required=True, help="truth.csv from simulate")
    parser.add_argument("--signals", type=Path, required=True, help="reattune detect's output")
    parser.add_argument("--input", type=Path, help="input.csv, for --peers")
    parser.add_argument("--history", type=Path, help="history.csv, for the Finch bands")
    parser.add_argument("--peers", action="store_true", help="score the peer rules too")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    if args.peers and args.input is None:
        parser.error("--peers needs --input (and --history for the Finch bands)")
    truth = read_truth(args.truth)
    signals = read_signals(args.signals)
    peer_frame, systems, notes = None, list(PEERS), list[str]()
    if args.peers:
        peer_frame, systems, notes = compute_peers(args.input, args.history)
    scores = evaluate(truth, signals, peer_signals=peer_frame, peer_systems=systems)
    render = as_json if args.format == "json" else as_text
    print(render(truth, scores, notes))
    return 0
