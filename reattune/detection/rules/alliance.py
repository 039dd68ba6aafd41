"""Alliance signals, each judged against the client's own alliance series.

- `alliance_rupture`: the alliance total drops against the client's own baseline and own
  session-to-session variation, or the client says something felt off.
- `split_alliance`: in a joint case, one participant ruptures while another stays steady.
- `repair_held` / `repair_not_held`: whether the alliance comes back within a few sessions.
- `disengagement`: missed or cancelled sessions in a row straight after a rupture or a score
  in the clinical range.

The rupture model (docs/detection/alliance_rupture.md has the reasoning):

    baseline  = mean of the series' earlier totals that were not themselves drops (n of them)
    s_w       = the sample SD of those totals (the client's own variation)
    SD        = sqrt(((n-1)·s_w² + w·s_prior²) / ((n-1) + w)), at least the floor
    threshold = max(z · SD · sqrt(1 + 1/n), min_drop)
    rupture   = n >= min_history and baseline - total >= threshold, or felt_off

A drop against the client's own mean in SD units follows Stiles et al. (2004; 2 SD) and
Strauss et al. (2006; 1 SD). Gumz et al. (2012) propose combining within- and between-person
variation (they take the stricter of the two); here the two are pooled, so the client's own
variation counts for more the more sessions there are. The prior keeps the SD sane for the half
of clients who always score at the ceiling (s_w = 0), and the client's own steadiness keeps
low-but-steady raters from being flagged as a fixed cut-off would. sqrt(1 + 1/n) allows for the
baseline being a mean of few sessions (Crawford & Howell 1998). All constants live in
`Parameters` (in points on the 0-40 check; scaled for an alliance measure with another range).

Everything is prospective: each value at session k comes from shifted cumulative sums over the
series' rows with session <= k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

from reattune.detection.frame import (
    ATTENDED,
    INFO,
    PERSON_ID,
    PERSON_KEY,
    SERIES_ID,
    SERIES_KEY,
    SIGNAL_COLUMNS,
    WARNING,
    Context,
    Parameters,
    empty_signals,
    with_ids,
)
from reattune.detection.rules.common import fmt, per_measure, signal_rows
from reattune.measures.definitions import MeasureDefinition

RULE_DROP = (
    "An alliance total below the client's own baseline by at least z combined SDs, where the "
    "SD pools the client's own session-to-session variation with a between-client prior "
    "(Stiles et al. 2004; Strauss et al. 2006; Gumz et al. 2012)."
)
RULE_FELT_OFF = (
    "The client answered yes to 'did anything feel off?': ask directly, because clients rarely "
    "volunteer ruptures (Eubanks, Muran & Safran 2018)."
)
RULE_SPLIT = (
    "Split alliance in a joint case: one participant's alliance ruptures while another's stays "
    "within their usual range (Pinsof & Catherall 1986; Friedlander et al. 2006)."
)
RULE_REPAIR = (
    "A rupture is repaired when the alliance returns to within 1 SD of the client's own "
    "baseline within the repair window (Stiles et al. 2004; Eubanks, Muran & Safran 2018)."
)
RULE_DISENGAGEMENT = (
    "Missed or cancelled sessions in a row straight after a rupture or a score in the clinical "
    "range: unrepaired ruptures predict dropout (McLaughlin et al. 2014)."
)
FELT_OFF_DETAIL = "The client said something felt off, unhelpful or uncomfortable."
SCALE_POINTS = 40.0  # Parameters give points on the 0-40 alliance check
FLAG_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "client_id": pl.String,
    "participant_id": pl.String,
    "measure": pl.String,
    "session": pl.Int32,
    "attendance": pl.String,
    "total": pl.Float64,
    "felt_off": pl.Boolean,
    "history": pl.Int32,
    "baseline": pl.Float64,
    "sd": pl.Float64,
    "threshold": pl.Float64,
    "drop": pl.Float64,
    "dropped": pl.Boolean,
    "usual": pl.Boolean,
    "rupture": pl.Boolean,
}
IDS: dict[str, pl.DataType | type[pl.DataType]] = {SERIES_ID: pl.Int32, PERSON_ID: pl.Int32}
VERDICTS = ["history", "baseline", "sd", "threshold", "drop", "usual", "_dropped"]


def signals(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """All four alliance families for `frame`, in the signal schema."""
    frame = with_ids(frame)
    flags = _flags(frame, context)
    found = [
        empty_signals(),
        _ruptures(flags, context),
        _splits(flags),
        _repairs(flags, context),
        _disengagement(frame, flags, context),
    ]
    return pl.concat([f.select(SIGNAL_COLUMNS) for f in found])


def rupture_flags(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """One row per alliance row of `frame` (missed sessions included), with the baseline,
    combined SD, threshold and drop the rupture model judged it by, `dropped` (a drop
    rupture), `rupture` (a drop or felt_off) and `usual` (total >= baseline - SD).

    Model: Stiles et al. 2004, Strauss et al. 2006, Gumz et al. 2012 (see the module docstring).
    A drop is left out of later baselines, so the baseline depends on earlier verdicts; the
    verdicts are found by iterating the vectorised judgement to its fixed point. Each pass fixes
    at least one more session of every series, so it ends; usually within three passes."""
    return _flags(with_ids(frame), context).select(list(FLAG_COLUMNS))


def _flags(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`rupture_flags` with the `_series` and `_person` ids of `frame`, which has them."""
    schema = FLAG_COLUMNS | IDS
    defs = _alliance_definitions(context)
    rows = frame.select(*SERIES_KEY, *IDS, "session", "attendance", "total", "felt_off").filter(
        pl.col("measure").is_in(list(defs))
    )
    if rows.is_empty():
        return pl.DataFrame(schema=schema)
    scale = per_measure(defs, lambda d: (d.max_total - d.min_total) / SCALE_POINTS)
    series = rows.select(SERIES_ID, "total", scale.cast(pl.Float64).alias("_scale"))
    # The verdicts come back in the order of `rows`, so they sit beside them; rechunked, as
    # polars 2.1 panics formatting columns whose chunks do not line up.
    verdicts = _fixed_point(series, context.parameters)
    return (
        rows.hstack(verdicts)
        .rechunk()
        .with_columns(
            pl.col("_dropped").alias("dropped"),
            (pl.col("_dropped") | pl.col("felt_off").fill_null(False)).alias("rupture"),
        )
        .select([pl.col(c).cast(t) for c, t in schema.items()])  # type: ignore[arg-type]
    )


def _fixed_point(series: pl.DataFrame, p: Parameters) -> pl.DataFrame:
    """`_judge` iterated until no verdict changes, over `series` (`_series`, total, `_scale`;
    some rows): the verdict columns, in the order of `series`. A pass leaves out the series
    whose verdicts held, and only numbers go through the passes, which keeps them cheap."""
    whole = _whole_numbers(series)
    pending = series.with_row_index("_row").with_columns(pl.lit(False).alias("dropped"))
    passes: list[pl.DataFrame] = []  # the verdicts each pass settled; all of the first pass's
    while not pending.is_empty():  # each pass settles at least one more session of each series
        judged = _judge(pending, p, whole)
        changed = judged.select(pl.col(SERIES_ID).filter(pl.col("_dropped") != pl.col("dropped")))
        done = ~pl.col(SERIES_ID).is_in(changed.to_series().unique().implode())
        verdicts = pl.col("_row", *VERDICTS)
        passes.append(judged.select(verdicts.filter(done) if passes else verdicts))
        inputs = judged.select("_row", *series.columns, pl.col("_dropped").alias("dropped"))
        pending = inputs.filter(~done)
    first, *later = passes
    if not later:
        return first.drop("_row")
    # The later passes' verdicts written over the first's: cheaper than sorting rows back.
    fixes = pl.concat(later)
    return first.select(first[c].scatter(fixes["_row"], fixes[c]) for c in VERDICTS)


def _whole_numbers(rows: pl.DataFrame) -> bool:
    """Whether every total is a whole number, small enough that every running sum of the
    totals or their squares over all `rows` is a whole number below 2**53. Such sums are
    exact in float64, so they come out the same whatever the order of the additions."""
    total = pl.col("total")
    whole = ((total == total.floor()) & total.is_finite()).all()
    small = total.abs().max().fill_null(0) ** 2 * pl.len() < 2.0**53
    return bool(rows.select(whole & small).item())


def _judge(rows: pl.DataFrame, p: Parameters, whole: bool) -> pl.DataFrame:
    """Baseline, SD, threshold and verdict at each row, given last pass's `dropped` column.
    `whole`: the totals are whole numbers (`_whole_numbers`)."""
    kept = pl.col("total").is_not_null() & ~pl.col("dropped")
    value = pl.when(kept).then(pl.col("total")).otherwise(0.0)
    first = _series_start()

    def before(expr: pl.Expr) -> pl.Expr:
        """The sum of `expr` over the series' earlier rows."""
        if whole:
            # Exact sums, so the running sum over every row less its value where the series
            # starts is the series' own, at a fraction of the cost of a window.
            earlier = expr.cum_sum() - expr
            return earlier - pl.when(first).then(earlier).forward_fill()
        # The series' running sum, moved down a row outside the window: polars runs a bare
        # cum_sum over a window several times faster than one with a shift inside it, and
        # these are the same additions in the same order.
        return pl.when(first).then(0).otherwise(expr.cum_sum().over(SERIES_ID).shift(1))

    # Lazily: polars then computes the expressions they share once.
    sums = rows.lazy().with_columns(
        before(kept.cast(pl.Int32)).alias("history"),
        before(value).alias("_sum"),
        before(value * value).alias("_squares"),
    )
    n, total, squares, scale = (pl.col(c) for c in ("history", "_sum", "_squares", "_scale"))
    own_var = ((squares - total * total / n) / (n - 1)).clip(0.0)
    dof = n - 1 + p.rupture_prior_weight
    pooled = (
        (n - 1) * pl.when(n > 1).then(own_var).otherwise(0.0)
        + p.rupture_prior_weight * (p.rupture_prior_sd * scale) ** 2
    ) / dof
    sd = pl.max_horizontal(
        pl.when(dof > 0).then(pooled.sqrt()).otherwise(0.0), p.rupture_sd_floor * scale
    )
    judged = sums.with_columns(
        pl.when(n >= p.rupture_min_history).then(total / n).alias("baseline"),
        pl.when(n >= p.rupture_min_history).then(sd).alias("sd"),
    ).with_columns(
        pl.max_horizontal(
            p.rupture_z * pl.col("sd") * (1.0 + 1.0 / n).sqrt(), p.rupture_min_drop * scale
        ).alias("threshold"),
        (pl.col("baseline") - pl.col("total")).alias("drop"),
        (pl.col("total") >= pl.col("baseline") - pl.col("sd")).alias("usual"),
    )
    return judged.with_columns(
        (pl.col("drop") >= pl.col("threshold")).fill_null(False).alias("_dropped")
    ).collect()


def _ruptures(flags: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`alliance_rupture`: one signal per session, the drop and felt_off combined. A drop is
    signalled where it starts, not again at each session it lasts (the repair rules follow
    it); a felt_off answer is always signalled, because the client said it."""
    p = context.parameters
    felt_off = pl.col("felt_off").fill_null(False)
    fired = _titled(flags.filter(felt_off | _starts(pl.col("dropped"))), context)
    drop_text = pl.when(pl.col("dropped")).then(
        pl.format(
            "{} {}, down {} from this client's usual {} — a drop this size happens by chance "
            "in fewer than 1 in {} sessions.",
            pl.col("_title"),
            fmt(pl.col("total")),
            fmt(pl.col("drop")),
            fmt(pl.col("baseline")),
            pl.lit(_one_in(p.rupture_z)),
        )
    )
    detail = _sentences(drop_text, pl.when(felt_off).then(pl.lit(FELT_OFF_DETAIL)))
    rule = _sentences(
        pl.when(pl.col("dropped")).then(pl.lit(RULE_DROP)),
        pl.when(felt_off).then(pl.lit(RULE_FELT_OFF)),
    )
    fired = fired.with_columns(rule.alias("_rule"))
    rows = signal_rows(fired, signal="alliance_rupture", severity=WARNING, detail=detail, rule="")
    return rows.with_columns(fired["_rule"].alias("rule"))


def _splits(flags: pl.DataFrame) -> pl.DataFrame:
    """`split_alliance`: at a session where one participant of a joint case ruptures, another
    stays within their own usual range and said nothing felt off (Pinsof & Catherall 1986;
    Friedlander et al. 2006). One signal for the participant who ruptured, naming those who
    held steady; signalled where the split starts, not again while it lasts."""
    flags = _joint(flags)
    if flags.is_empty():
        return empty_signals()
    steady = flags.filter(~pl.col("rupture") & pl.col("usual").fill_null(False)).select(
        "client_id",
        "measure",
        "session",
        pl.col("participant_id").alias("_other_id"),
        pl.format("participant {}'s ({})", pl.col("participant_id"), fmt(pl.col("total"))).alias(
            "_other"
        ),
    )
    others = (
        flags.filter(pl.col("rupture"))
        .select(*SERIES_KEY, "session")
        .join(steady, on=["client_id", "measure", "session"])
        .filter(pl.col("participant_id") != pl.col("_other_id"))
        .group_by([*SERIES_KEY, "session"])
        .agg(pl.col("_other").sort().str.join(" and "))
    )
    split = flags.join(others, on=[*SERIES_KEY, "session"], how="left").sort(SERIES_ID, "session")
    fired = split.filter(_starts(pl.col("_other").is_not_null()))
    who = pl.format("Participant {}", pl.col("participant_id"))
    what = (
        pl.when(pl.col("dropped"))
        .then(
            pl.format(
                "{}'s alliance fell to {}, down {} from their usual {},",
                who,
                fmt(pl.col("total")),
                fmt(pl.col("drop")),
                fmt(pl.col("baseline")),
            )
        )
        .otherwise(pl.format("{} said something felt off,", who))
    )
    detail = pl.format("{} while {} stayed within their usual range.", what, pl.col("_other"))
    return signal_rows(
        fired, signal="split_alliance", severity=WARNING, detail=detail, rule=RULE_SPLIT
    )


def _joint(flags: pl.DataFrame) -> pl.DataFrame:
    """The rows of clients with more than one participant: few clients are joint cases, and
    only they can have a split alliance."""
    another = _new(PERSON_ID) & (pl.col("client_id") == pl.col("client_id").shift(1))
    clients = flags.filter(another).get_column("client_id")
    if clients.is_empty():
        return flags.clear()
    return flags.filter(pl.col("client_id").is_in(clients.implode()))


def _repairs(flags: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`repair_held` / `repair_not_held`: Stiles et al. 2004 (a rupture-repair sequence is a
    drop followed by a return to the client's own level); Eubanks, Muran & Safran 2018.

    A rupture at session k opens a repair that stays open until a check is back in the usual
    range (total >= baseline - 1 SD, nothing felt off). Further ruptures while it is open do
    not restart it. `repair_held` at that check when its session is <= k + repair_window;
    otherwise `repair_not_held` once, at the first alliance row at or after k + repair_window."""
    window = context.parameters.repair_window
    recovered = (
        pl.col("total").is_not_null()
        & ~pl.col("rupture")
        & (pl.col("baseline").is_null() | pl.col("usual").fill_null(False))
    )
    same_series = ~_series_start()
    rupture = pl.col("rupture").cast(pl.Int32)
    staged = (
        flags.with_columns(
            recovered.alias("_recovered"),
            pl.when(same_series).then(pl.col("session").shift(1)).alias("_previous"),
            (rupture.cum_sum() - rupture).alias("_ruptures_before"),
        )
        .with_columns(
            # A stretch runs from a series' start, or just after a recovery, to the next recovery.
            (~same_series | pl.col("_recovered").shift(1)).alias("_start")
        )
        .with_columns(
            (pl.col("_ruptures_before") - _at_start(pl.col("_ruptures_before"))).alias("_earlier")
        )
        .with_columns(
            # The repair opened at the stretch's first rupture, when there was one before this row.
            pl.when(pl.col("_earlier") > 0)
            .then(
                pl.when(pl.col("rupture") & (pl.col("_earlier") == 0))
                .then(pl.col("session"))
                .forward_fill()
            )
            .alias("_opened")
        )
    )
    end = pl.col("_opened") + window
    held = pl.col("_recovered") & (pl.col("session") <= end)
    not_held = (
        (pl.col("session") >= end)
        & (pl.col("_previous") < end)
        & ~(pl.col("_recovered") & (pl.col("session") == end))
    )
    usual = pl.format(" (usually {})", fmt(pl.col("baseline")))
    after = pl.format("the possible rupture at session {}", pl.col("_opened"))
    held_detail = pl.concat_str(
        pl.format(
            "{} {}, back to this client's usual level", pl.col("_title"), fmt(pl.col("total"))
        ),
        usual,
        pl.format(" after {}.", after),
        ignore_nulls=True,
    )
    now = (
        pl.when(pl.col("total").is_null())
        .then(pl.lit("this session was missed"))
        .otherwise(pl.format("now {}", fmt(pl.col("total"))))
    )
    sessions = f"{window} session{'' if window == 1 else 's'}"
    not_held_detail = pl.concat_str(
        pl.format("{} not back to this client's usual level", pl.col("_title")),
        usual,
        pl.format(" within {} of {}; {}.", pl.lit(sessions), after, now),
        ignore_nulls=True,
    )
    return pl.concat(
        [
            signal_rows(
                _titled(staged.filter(held.fill_null(False)), context),
                signal="repair_held",
                severity=INFO,
                detail=held_detail,
                rule=RULE_REPAIR,
            ),
            signal_rows(
                _titled(staged.filter(not_held.fill_null(False)), context),
                signal="repair_not_held",
                severity=WARNING,
                detail=not_held_detail,
                rule=RULE_REPAIR,
            ),
        ]
    )


def _disengagement(frame: pl.DataFrame, flags: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`disengagement`: `disengagement_misses` sessions in a row cancelled or missed, straight
    after an attended session with an alliance rupture or an outcome total in the clinical
    range. Sessions are counted per client and participant, once each whatever the measures.
    Source: unrepaired ruptures predict dropout (McLaughlin et al. 2014)."""
    outcome = {
        m: d for m, d in context.definitions.items() if d.kind == "outcome" and d.cutoff is not None
    }
    cutoff = per_measure(outcome, lambda d: d.cutoff.value)
    better = per_measure(outcome, lambda d: d.higher_is_better)
    low = pl.when(better).then(pl.col("total") < cutoff).otherwise(pl.col("total") >= cutoff)
    lows = (
        frame.select(PERSON_ID, "session", "measure", "total")
        .filter(pl.col("measure").is_in(list(outcome)))
        .filter(low.fill_null(False))
    )
    ruptures = flags.filter(pl.col("rupture")).select(PERSON_ID, "session").unique()
    difficult = pl.concat([lows.select(PERSON_ID, "session"), ruptures]).select(_visit())
    missed = pl.col("_missed")
    streaks = (
        _visits(frame)
        .with_columns(pl.col("_visit").is_in(difficult.to_series().implode()).alias("_difficult"))
        .with_columns(
            # A run starts at each attended session (or a new person) and takes the misses after.
            (~missed | _new(PERSON_ID)).alias("_start"),
            (missed.cast(pl.Int32).cum_sum() - missed.cast(pl.Int32)).alias("_misses_before"),
        )
        .with_columns(
            (missed.cast(pl.Int32).cum_sum() - _at_start(pl.col("_misses_before"))).alias(
                "_misses"
            ),
            _at_start(pl.col("session")).alias("_after"),
            _at_start(~missed & pl.col("_difficult")).alias("_trigger"),
        )
    )
    n = context.parameters.disengagement_misses
    fired = streaks.filter(missed & pl.col("_trigger") & (pl.col("_misses") == n))
    anchors = fired.select(PERSON_ID, pl.col("_after").alias("session"))
    title = per_measure(outcome, lambda d: d.short_title)
    reasons = (
        pl.concat(
            [
                lows.join(anchors, on=[PERSON_ID, "session"], how="semi")
                .sort("measure")
                .select(
                    PERSON_ID,
                    "session",
                    pl.format("{} {}, in the clinical range", title, fmt(pl.col("total"))).alias(
                        "_reason"
                    ),
                ),
                ruptures.join(anchors, on=[PERSON_ID, "session"], how="semi").with_columns(
                    pl.lit("a possible alliance rupture").alias("_reason")
                ),
            ]
        )
        .group_by([PERSON_ID, "session"], maintain_order=True)
        .agg(pl.col("_reason").str.join("; "))
        .rename({"session": "_after"})
    )
    people = frame.select(PERSON_ID, *PERSON_KEY).filter(_new(PERSON_ID))
    fired = (
        fired.join(reasons, on=[PERSON_ID, "_after"], how="left")
        .join(people, on=PERSON_ID, how="left")
        .with_columns(pl.lit("").alias("measure"))
    )
    detail = pl.format(
        "Cancelled or missed {} sessions in a row straight after session {} ({}).",
        pl.col("_misses"),
        pl.col("_after"),
        pl.col("_reason"),
    )
    return signal_rows(
        fired, signal="disengagement", severity=WARNING, detail=detail, rule=RULE_DISENGAGEMENT
    )


def _visits(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per person and session, in order, `_missed` when none of its rows was attended.
    Sorting one integer key and grouping the sorted runs is far cheaper than grouping the
    million rows by person and session."""
    return (
        frame.select(
            _visit(),
            PERSON_ID,
            "session",
            (pl.col("attendance") != ATTENDED).alias("_missed"),
        )
        .sort("_visit")
        .group_by("_visit", maintain_order=True)
        .agg(pl.col(PERSON_ID).first(), pl.col("session").first(), pl.col("_missed").all())
    )


def _visit() -> pl.Expr:
    """One integer for each person and session, ordered as (person, session) are."""
    return (pl.col(PERSON_ID).cast(pl.Int64) * 2**32 + pl.col("session")).alias("_visit")


def _new(column: str) -> pl.Expr:
    """True where `column` differs from the previous row's (and on the first row)."""
    return pl.col(column).ne_missing(pl.col(column).shift(1))


def _series_start() -> pl.Expr:
    return _new(SERIES_ID)


def _titled(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`frame` with each alliance measure's short title in `_title`, for the details."""
    titles = per_measure(_alliance_definitions(context), lambda d: d.short_title, default="")
    return frame.with_columns(titles.alias("_title"))


def _at_start(expr: pl.Expr) -> pl.Expr:
    """`expr`'s value at the start of the current run (rows marked `_start`). Runs never
    straddle two series, and only integer sums go through it, so it is exact and looks at
    nothing after the current row."""
    return pl.when(pl.col("_start")).then(expr).forward_fill()


def _starts(condition: pl.Expr) -> pl.Expr:
    """True where `condition` holds and did not at the series' previous scored session.
    `condition` is never null."""
    first = _series_start()
    # The condition at the latest scored session so far, False before the series' first one.
    # Each series starts with a value, so the fill never reaches back into the one before.
    latest = (
        pl.when(pl.col("total").is_not_null())
        .then(condition)
        .when(first)
        .then(False)
        .forward_fill()
    )
    before = pl.when(~first).then(latest.shift(1))
    return condition & ~before.fill_null(False)


def _sentences(*parts: pl.Expr) -> pl.Expr:
    return pl.concat_str(list(parts), separator=" ", ignore_nulls=True)


def _one_in(z: float) -> int:
    """'1 in N': the one-sided normal tail beyond z (1.96 gives 40)."""
    return round(1.0 / (0.5 * math.erfc(z / math.sqrt(2.0))))


def _alliance_definitions(context: Context) -> Mapping[str, MeasureDefinition]:
    return {m: d for m, d in context.definitions.items() if d.kind == "alliance"}
