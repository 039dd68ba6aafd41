"""The rules Reattune is measured against, as plain functions returning frames in SIGNAL_SCHEMA.

- `openfit_alliance`: the alliance total below 36 of 40, or any drop since the previous rated
  session. OpenFIT's alert on the SRS, whose published cut-off is 36.
- `cutoff36_alliance`: the alliance total below 36 of 40, the fixed cut-off alone.
- `rc_only_deterioration`: worse than intake by at least the measure's reliable-change threshold,
  at every session where that holds (Jacobson & Truax 1991; thresholds from the definitions).
- `finch_not_on_track`: outside the 90th-percentile band of change by intake band and session,
  calibrated on the history (Finch, Lambert & Schaalje 2001), through
  `finch_band_flags` in reattune.detection.expected or its rule module.

They are scored side by side with Reattune's own signals by `reattune evaluate --peers`. Each
looks only backwards along a series, as Reattune's rules do. The 36 cut-off is on a 0-40 scale;
an alliance measure with another range gets the same fraction of its range.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import polars as pl

from reattune.detection.frame import (
    SIGNAL_COLUMNS,
    WARNING,
    Parameters,
    empty_signals,
    sort_measurements,
)
from reattune.detection.rules.common import fmt, over_series, per_measure, signal_rows
from reattune.measures.definitions import MeasureDefinition

CUTOFF = 36.0
CUTOFF_SCALE = 40.0
OPENFIT = "openfit_alliance"
CUTOFF36 = "cutoff36_alliance"
RC_ONLY = "rc_only_deterioration"
FINCH = "finch_not_on_track"

OPENFIT_RULE = (
    "OpenFIT-style alert: alliance below 36 of 40 or any drop since the last session "
    "(the SRS cut-off of 36; OpenFIT flags either)."
)
CUTOFF_RULE = "Fixed cut-off: alliance below 36 of 40 (the SRS cut-off)."
RC_RULE = (
    "Reliable change alone: worse than intake by at least the measure's reliable-change "
    "threshold (Jacobson & Truax 1991), at every session where that holds."
)
FINCH_RULE = (
    "Expected-response band: change since intake beyond the 90th percentile of the history's "
    "change for the same intake band and session (Finch, Lambert & Schaalje 2001)."
)

Definitions = Mapping[str, MeasureDefinition]


def openfit_alliance(frame: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """OpenFIT's alliance alert: the total below the cut-off, or lower than at the previous
    rated session (a missed session is skipped, not counted as a drop)."""
    rated = _alliance_rows(frame, definitions)
    previous = over_series(pl.col("total").shift(1))
    dropped = (pl.col("total") < previous).fill_null(False)
    fired = rated.filter((pl.col("total") < pl.col("_cutoff")) | dropped).with_columns(
        previous.alias("_previous")
    )
    detail = pl.format(
        "{} {} (cut-off {}; previous {}).",
        pl.col("measure"),
        fmt(pl.col("total")),
        fmt(pl.col("_cutoff")),
        fmt(pl.col("_previous")).fill_null("none"),
    )
    return signal_rows(fired, signal=OPENFIT, severity=WARNING, detail=detail, rule=OPENFIT_RULE)


def cutoff36_alliance(frame: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """A fixed cut-off: every rated session with the alliance total below 36 of 40."""
    fired = _alliance_rows(frame, definitions).filter(pl.col("total") < pl.col("_cutoff"))
    detail = pl.format(
        "{} {}, below the cut-off {}.",
        pl.col("measure"),
        fmt(pl.col("total")),
        fmt(pl.col("_cutoff")),
    )
    return signal_rows(fired, signal=CUTOFF36, severity=WARNING, detail=detail, rule=CUTOFF_RULE)


def rc_only_deterioration(frame: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """Reliable change alone (Jacobson & Truax 1991): every session at which the outcome is
    worse than at intake (the series' first rated session) by at least the measure's
    reliable-change threshold."""
    defs = {
        m: d
        for m, d in definitions.items()
        if d.kind == "outcome" and d.reliable_change is not None
    }
    if not defs:
        return empty_signals()
    threshold = per_measure(defs, lambda d: d.reliable_change.value)
    worse_sign = per_measure(defs, lambda d: -1.0 if d.higher_is_better else 1.0)
    rated = sort_measurements(frame).filter(
        pl.col("measure").is_in(list(defs)) & pl.col("total").is_not_null()
    )
    worse = (pl.col("total") - over_series(pl.col("total").first())) * worse_sign
    fired = rated.with_columns(worse.alias("_worse"), threshold.alias("_threshold")).filter(
        pl.col("_worse") >= pl.col("_threshold")
    )
    detail = pl.format(
        "{} {}, {} points worse than at intake (threshold {}).",
        pl.col("measure"),
        fmt(pl.col("total")),
        fmt(pl.col("_worse")),
        fmt(pl.col("_threshold")),
    )
    return signal_rows(fired, signal=RC_ONLY, severity=WARNING, detail=detail, rule=RC_RULE)


def finch_available() -> bool:
    """Whether the expected-response modules offer calibrate() and finch_band_flags()."""
    return _finch() is not None


def finch_not_on_track(
    frame: pl.DataFrame,
    history: pl.DataFrame,
    definitions: Definitions,
    parameters: Parameters | None = None,
) -> pl.DataFrame:
    """Finch, Lambert & Schaalje (2001) bands, calibrated on `history`: the plain rule, flagged
    at every session outside the band, with none of Reattune's additions. Empty when the
    expected-response modules are not there yet."""
    found = _finch()
    if found is None:
        return empty_signals()
    calibrate, band_flags = found
    calibration = calibrate(history, definitions, parameters or Parameters())
    flags: pl.DataFrame = band_flags(sort_measurements(frame), calibration, definitions)
    if "off_track" in flags.columns:
        flags = flags.filter(pl.col("off_track"))
    detail = pl.format(
        "{} {}: {} worse than intake, beyond the band's {}.",
        pl.col("measure"),
        fmt(pl.col("total")),
        fmt(pl.col("change")),
        fmt(pl.col("tolerance")),
    )
    return signal_rows(flags, signal=FINCH, severity=WARNING, detail=detail, rule=FINCH_RULE)


def peer_signals(
    frame: pl.DataFrame,
    definitions: Definitions,
    history: pl.DataFrame | None = None,
    parameters: Parameters | None = None,
) -> pl.DataFrame:
    """Every peer rule's signals for `frame` (the Finch bands only when a history is given)."""
    found = [
        openfit_alliance(frame, definitions),
        cutoff36_alliance(frame, definitions),
        rc_only_deterioration(frame, definitions),
    ]
    if history is not None:
        found.append(finch_not_on_track(frame, history, definitions, parameters))
    return pl.concat([f.select(SIGNAL_COLUMNS) for f in found]).sort(
        ["client_id", "session", "signal", "measure"]
    )


def _finch() -> tuple[Any, Any] | None:
    """calibrate() and finch_band_flags(), looked up now: they are being written alongside this
    module (finch_band_flags in reattune.detection.expected or in its rule module)."""
    modules = []
    for name in ("reattune.detection.expected", "reattune.detection.rules.expected"):
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    calibrate = next(
        (m.calibrate for m in modules if callable(getattr(m, "calibrate", None))), None
    )
    flags = next(
        (m.finch_band_flags for m in modules if callable(getattr(m, "finch_band_flags", None))),
        None,
    )
    return None if calibrate is None or flags is None else (calibrate, flags)


def _alliance_rows(frame: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """Rated sessions of every alliance measure, with the cut-off on that measure's range."""
    defs = {m: d for m, d in definitions.items() if d.kind == "alliance"}
    cutoff = per_measure(
        defs, lambda d: d.min_total + CUTOFF / CUTOFF_SCALE * (d.max_total - d.min_total)
    )
    return (
        sort_measurements(frame)
        .filter(pl.col("measure").is_in(list(defs)) & pl.col("total").is_not_null())
        .with_columns(cutoff.cast(pl.Float64).alias("_cutoff"))
    )
