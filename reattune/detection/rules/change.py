"""`reliable_deterioration` and `reliable_improvement`: reliable change since intake.

Rule (Jacobson & Truax 1991): a change is reliable when it exceeds the measure's
reliable-change threshold; the thresholds come from each measure's definition file with their
published source (PHQ-9 6 and GAD-7 4: NHS Talking Therapies; CORE-10 6: Barkham et al. 2013).
Compared with the first scored session of the series (the intake). Signalled at the first
session where the change becomes reliable, and again if it lapses and returns.
"""

from __future__ import annotations

import polars as pl

from reattune.detection.expected import first_of_series, previous
from reattune.detection.frame import INFO, SERIES_ID, WARNING, Context, with_ids
from reattune.detection.rules.common import fmt, per_measure, signal_rows

RULE = (
    "Reliable change since intake (Jacobson & Truax 1991), using the measure's published "
    "reliable-change threshold: {source}"
)


def signals(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Reliable deterioration and improvement (Jacobson & Truax 1991) in every outcome series
    with a reliable-change threshold."""
    defs = {
        m: d
        for m, d in context.definitions.items()
        if d.reliable_change is not None and d.kind == "outcome"
    }
    # Only the columns the rule reads: filtering the item lists too would cost most of its time.
    columns = ["client_id", "participant_id", "session", "measure", "total", SERIES_ID]
    scored = (
        with_ids(frame)
        .select(columns)
        .filter(pl.col("measure").is_in(list(defs)) & pl.col("total").is_not_null())
    )
    if scored.is_empty():
        return signal_rows(scored, signal="", severity="", detail=pl.lit(""), rule="")
    threshold = per_measure(defs, lambda d: d.reliable_change.value)
    worse_sign = per_measure(defs, lambda d: -1.0 if d.higher_is_better else 1.0)
    title = per_measure(defs, lambda d: d.short_title)
    source = per_measure(defs, lambda d: RULE.format(source=d.reliable_change.source))
    start = pl.col(SERIES_ID).ne_missing(pl.col(SERIES_ID).shift(1))
    intake = first_of_series(pl.col("total"), start)
    worsening = (pl.col("total") - intake) * worse_sign
    with_change = scored.with_columns(
        intake.alias("_intake"),
        worsening.alias("_worse"),
        threshold.alias("_threshold"),
    )
    out = []
    for name, condition, severity, verb in (
        ("reliable_deterioration", pl.col("_worse") >= pl.col("_threshold"), WARNING, "worse"),
        ("reliable_improvement", -pl.col("_worse") >= pl.col("_threshold"), INFO, "better"),
    ):
        # Fire when the condition starts to hold, not at every session it goes on holding.
        starts = condition & ~previous(condition, start).fill_null(False)
        fired = with_change.filter(starts).with_columns(
            title.alias("_title"), source.alias("_rule")
        )
        detail = pl.format(
            "{} {}, {} points {} than at intake ({}); the reliable-change threshold is {}.",
            pl.col("_title"),
            fmt(pl.col("total")),
            fmt(pl.col("_worse").abs()),
            pl.lit(verb),
            fmt(pl.col("_intake")),
            fmt(pl.col("_threshold")),
        )
        rows = signal_rows(fired, signal=name, severity=severity, detail=detail, rule="")
        out.append(rows.with_columns(fired["_rule"].alias("rule")))
    return pl.concat(out)
