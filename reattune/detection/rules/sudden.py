"""`sudden_gain` and `sudden_loss`: a large change between two consecutive scored sessions.

Rule: a prospective form of Tang & DeRubeis (1999), whose criteria for a gain between sessions
n-1 and n are (1) at least 7 BDI points, (2) at least 25% of the pre-gain score, and (3) the
mean of the three sessions before the gain clearly above the mean of the three after it. Here:

(a) the change is at least the measure's reliable-change threshold (its published source is
    in the measure's definition), in place of the 7 BDI points;
(b) it is at least `sudden_fraction` (25%) of the pre-change score, counted from the measure's
    best end (for a higher-is-better measure: the distance below its maximum);
(c) criterion 3 needs the sessions after the change, which a prospective rule cannot see. In
    its place: with at least 3 earlier session-to-session changes in the series, the change is
    larger than 2.78 times their standard deviation (2.78 is the critical t that Tang &
    DeRubeis used for criterion 3); with fewer, (a) and (b) alone.

Losses use the same criteria in the worse direction (Lutz et al. 2013). Each sudden change is
its own signal, at session n.
"""

from __future__ import annotations

import polars as pl

from reattune.detection.expected import cum_sum_within, previous, series_start
from reattune.detection.frame import INFO, WARNING, Context, empty_signals
from reattune.detection.rules.common import fmt, per_measure, signal_rows

SD_FACTOR = 2.78  # Tang & DeRubeis (1999) criterion 3: t(4) at p < .05, two-tailed (2.776)
MIN_EARLIER_CHANGES = 3  # a standard deviation of fewer changes says little

RULE = (
    "Sudden {kind} (Tang & DeRubeis 1999), prospective form: a change between consecutive "
    "scored sessions of at least the reliable-change threshold ({source}) and at least {pct}% "
    "of the earlier score; with 3 or more earlier changes, also more than 2.78 times their "
    "standard deviation (replacing the original's test against later sessions)."
)


def signals(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Sudden gains and losses (Tang & DeRubeis 1999, prospective form above) in every outcome
    series with a reliable-change threshold. `frame` is sorted by series and session, as the
    engine passes it."""
    defs = {
        m: d
        for m, d in context.definitions.items()
        if d.kind == "outcome" and d.reliable_change is not None
    }
    columns = ["client_id", "participant_id", "session", "measure", "total"]
    scored = frame.select(columns).filter(  # filtering the item lists too would cost more
        pl.col("measure").is_in(list(defs)) & pl.col("total").is_not_null()
    )
    if scored.is_empty():
        return empty_signals()
    fraction = context.parameters.sudden_fraction
    start = pl.col("_start")
    # The changes before this one: the previous row's step, within the series.
    earlier_step = previous(pl.col("_step"), start)
    earlier = cum_sum_within(earlier_step.is_not_null().cast(pl.Float64), start)
    earlier_sum = cum_sum_within(earlier_step, start)
    earlier_squares = cum_sum_within(earlier_step**2, start)
    variance = (earlier_squares - earlier_sum**2 / earlier) / (earlier - 1)
    staged = (
        scored.with_columns(series_start().alias("_start"))
        .with_columns(
            previous(pl.col("total"), start).alias("_before"),
            previous(pl.col("session"), start).alias("_before_session"),
        )
        .with_columns(
            (pl.col("total") - pl.col("_before")).alias("_step"),
            per_measure(defs, lambda d: -1.0 if d.higher_is_better else 1.0).alias("_worse"),
            per_measure(defs, lambda d: d.reliable_change.value).alias("_threshold"),
            per_measure(defs, lambda d: d.max_total if d.higher_is_better else d.min_total)
            .cast(pl.Float64)
            .alias("_best"),
        )
        .with_columns(
            earlier.alias("_earlier"),
            pl.when(earlier >= MIN_EARLIER_CHANGES)
            .then(variance.clip(lower_bound=0.0).sqrt())
            .alias("_sd"),
            # How far the earlier score was from the best end of the scale.
            ((pl.col("_before") - pl.col("_best")) * pl.col("_worse")).alias("_room"),
        )
        .with_columns(
            pl.when(pl.col("_room") > 0)
            .then(pl.col("_step").abs() / pl.col("_room"))
            .alias("_share")
        )
    )
    size = pl.col("_step").abs()
    sudden = (
        (size >= pl.col("_threshold"))
        & (pl.col("_share").is_null() | (pl.col("_share") >= fraction))
        & (pl.col("_sd").is_null() | (size > SD_FACTOR * pl.col("_sd")))
    )
    worse = pl.col("_step") * pl.col("_worse")
    out = [empty_signals()]
    for name, direction, severity, kind in (
        ("sudden_gain", worse < 0, INFO, "gain"),
        ("sudden_loss", worse > 0, WARNING, "loss"),
    ):
        # rechunk: polars 2.1 panics formatting a filtered column made by shift() otherwise.
        fired = (
            staged.filter(sudden & direction)
            .with_columns(
                per_measure(defs, lambda d: d.short_title).alias("_title"),
                per_measure(defs, lambda d: d.reliable_change.source.rstrip(".")).alias("_source"),
            )
            .rechunk()
        )
        if fired.is_empty():
            continue
        rows = signal_rows(fired, signal=name, severity=severity, detail=_detail(fraction), rule="")
        rule = pl.format(
            RULE.format(kind=kind, source="{}", pct=round(fraction * 100)), pl.col("_source")
        )
        out.append(rows.with_columns(fired.select(rule.alias("rule")).get_column("rule")))
    return pl.concat(out)


def _detail(fraction: float) -> pl.Expr:
    verb = pl.when(pl.col("_step") > 0).then(pl.lit("rose")).otherwise(pl.lit("fell"))
    share = (
        pl.when(pl.col("_share").is_not_null())
        .then(pl.format(", {}% of the earlier score", fmt((pl.col("_share") * 100).round(0))))
        .otherwise(pl.lit(""))
    )
    spread = (
        pl.when(pl.col("_sd").is_not_null())
        .then(
            pl.format(
                " It is also more than {} times the client's usual session-to-session "
                "variation (SD {}).",
                pl.lit(SD_FACTOR),
                fmt(pl.col("_sd")),
            )
        )
        .otherwise(pl.lit(""))
    )
    return pl.format(
        "{} {} from {} at session {} to {} at session {} ({} points{}); a sudden change is at "
        "least {} points and {}% of the earlier score.{}",
        pl.col("_title"),
        verb,
        fmt(pl.col("_before")),
        pl.col("_before_session"),
        fmt(pl.col("total")),
        pl.col("session"),
        fmt(pl.col("_step").abs()),
        share,
        fmt(pl.col("_threshold")),
        pl.lit(round(fraction * 100)),
        spread,
    )
