"""Small expression helpers the rules share."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from reattune.detection.frame import SERIES_KEY
from reattune.measures.definitions import MeasureDefinition


def per_measure(
    definitions: Mapping[str, MeasureDefinition], value: object, default: object = None
) -> pl.Expr:
    """An expression mapping each row's measure id to a per-measure constant.
    `value` is a function of the definition (return None where it does not apply)."""
    mapping = {m: value(d) for m, d in definitions.items()}  # type: ignore[operator]
    return pl.col("measure").replace_strict(mapping, default=default)  # type: ignore[arg-type]


def over_series(expr: pl.Expr) -> pl.Expr:
    return expr.over(SERIES_KEY)


def signal_rows(
    frame: pl.DataFrame, *, signal: str, severity: str | pl.Expr, detail: pl.Expr, rule: str
) -> pl.DataFrame:
    """Shape the rows of `frame` that fired into the signal schema."""
    return frame.select(
        pl.col("client_id"),
        pl.col("session"),
        pl.lit(signal).alias("signal"),
        pl.col("measure"),
        (severity if isinstance(severity, pl.Expr) else pl.lit(severity)).alias("severity"),
        detail.alias("detail"),
        pl.col("participant_id"),
        pl.lit(rule).alias("rule"),
    )


def fmt(expr: pl.Expr) -> pl.Expr:
    """A number as a clinician reads it: 31 rather than 31.0, 31.5 where needed."""
    rounded = expr.round(1)
    return (
        pl.when(rounded == rounded.floor())
        .then(rounded.cast(pl.Int64).cast(pl.String))
        .otherwise(rounded.cast(pl.String))
    )
