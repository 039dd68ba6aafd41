"""`not_on_track`: worse since intake than nearly all clients who started in the same range.

Rule (Finch, Lambert & Schaalje 2001): at session s >= 2 of an outcome series, the change since
intake in the worse direction exceeds the tolerance for the client's intake band at session s
(the 90th percentile of that change among the clinic's closed cases, or the published defaults;
see reattune/detection/expected.py). Signalled at the session where it starts to hold, and again
if the client comes back within the band and leaves it later. docs/detection/not_on_track.md
explains why this is the plain band test and not a smoothed or trend-based variant.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from reattune.detection.expected import (
    CLINIC,
    Calibration,
    band_positions,
    outcome_definitions,
    percentile_name,
    previous,
    series_start,
)
from reattune.detection.frame import WARNING, Context, Parameters, sort_measurements, with_ids
from reattune.detection.rules.common import fmt, per_measure, signal_rows
from reattune.measures.definitions import MeasureDefinition

RULE = (
    "Expected treatment response (Finch, Lambert & Schaalje 2001): not on track when the change "
    "since intake is beyond the {percentile} percentile of change among clients who started in "
    "the same range, at the same session. Tolerances: {source}."
)
DEFAULTS_SOURCE = (
    "Reattune's published defaults (Jacobson & Truax 1991; Howard et al. 1986), "
    "see docs/detection/not_on_track.md"
)


def finch_band_flags(
    frame: pl.DataFrame,
    calibration: Calibration | None,
    definitions: Mapping[str, MeasureDefinition],
    parameters: Parameters | None = None,
) -> pl.DataFrame:
    """The plain Finch, Lambert & Schaalje (2001) band test at every scored outcome session after
    intake: `off_track` is true where `change` (since intake, worse direction) exceeds
    `tolerance` (the calibration's percentile for the intake band at that session; published
    defaults where `calibration` is None). One row per series and session, in series order,
    with client_id, participant_id, measure, session, total, intake, band, band_label, change,
    table_session, tolerance, n_clients, origin and off_track."""
    return _band_test(sort_measurements(frame), calibration, definitions, parameters)


def _band_test(
    ordered: pl.DataFrame,
    calibration: Calibration | None,
    definitions: Mapping[str, MeasureDefinition],
    parameters: Parameters | None,
) -> pl.DataFrame:
    """`finch_band_flags` for a frame already sorted by series and session."""
    positions = band_positions(ordered, calibration, definitions, parameters)
    return positions.with_columns(
        (pl.col("change") > pl.col("tolerance")).fill_null(False).alias("off_track")
    )


def signals(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`not_on_track` where the Finch, Lambert & Schaalje (2001) band test starts to hold, with
    tolerances from `context.calibration` (published defaults where it is None)."""
    calibration: Calibration | None = context.calibration
    # In series order (the engine's frame is already), and only the columns the test reads.
    columns = with_ids(frame).select("client_id", "participant_id", "session", "measure", "total")
    tested = _band_test(columns, calibration, context.definitions, context.parameters)
    off = pl.col("off_track")
    # Fire when the client leaves the band, not at every session they stay outside it.
    # rechunk: polars 2.1 panics formatting a filtered column made by shift() otherwise.
    fired = tested.filter(off & ~previous(off, series_start()).fill_null(False)).rechunk()
    outcome = outcome_definitions(context.definitions)
    share = calibration.percentile if calibration else context.parameters.band_percentile
    percentile = percentile_name(share)
    closed = calibration.closed_cases if calibration else 0
    min_clients = (
        calibration.min_clients if calibration else context.parameters.min_calibration_clients
    )
    from_clinic = pl.col("origin") == CLINIC
    clinic_source = pl.format("this clinic's {} closed cases", pl.lit(closed))
    detail = pl.format(
        "{} {} at session {}, {} intake. Fewer than 1 in {} clients who started in the same "
        "range ({}) were this far off track by session {} ({} percentile: {}). Source: {}.",
        per_measure(outcome, lambda d: d.short_title),
        fmt(pl.col("total")),
        pl.col("session"),
        _how_far(pl.col("change")),
        pl.lit(round(1 / (1 - share))),
        pl.col("band_label"),
        _by_session(),
        pl.lit(percentile),
        _signed(pl.col("tolerance")),
        pl.when(from_clinic)
        .then(
            pl.format(
                "{} ({} in this range at session {})", clinic_source, "n_clients", "table_session"
            )
        )
        .otherwise(
            pl.lit(
                f"published defaults, until {min_clients} of this clinic's closed cases "
                "started in this range"
            )
        ),
    )
    rule = pl.format(
        RULE.format(percentile=percentile, source="{}"),
        pl.when(from_clinic).then(clinic_source).otherwise(pl.lit(DEFAULTS_SOURCE)),
    )
    rows = signal_rows(fired, signal="not_on_track", severity=WARNING, detail=detail, rule="")
    return rows.with_columns(fired.select(rule.alias("rule")).get_column("rule"))


def _how_far(change: pl.Expr) -> pl.Expr:
    points = pl.when(change.abs() == 1).then(pl.lit("point")).otherwise(pl.lit("points"))
    return (
        pl.when(change > 0)
        .then(pl.format("{} {} worse than", fmt(change), points))
        .when(change == 0)
        .then(pl.lit("no better than"))
        .otherwise(pl.format("only {} {} better than", fmt(change.abs()), points))
    )


def _by_session() -> pl.Expr:
    later = pl.col("table_session") < pl.col("session")
    return (
        pl.when(later)
        .then(pl.format("{} or later", "table_session"))
        .otherwise(pl.col("session").cast(pl.String))
    )


def _signed(value: pl.Expr) -> pl.Expr:
    return pl.when(value >= 0).then(pl.format("+{}", fmt(value))).otherwise(fmt(value))
