"""Expected treatment response: how far off track clients who started in the same range get.

Finch, Lambert & Schaalje (2001): take a reference sample of treated clients, group them by
intake severity, and at each session find the spread of their change since intake; a client
beyond the band's tolerance (here the 90th percentile of change in the "worse" direction) is
not on track. The reference sample is the clinic's own closed cases (`calibrate`). Where a cell
(measure, intake band, session) has too few clients, the published defaults below stand in until
the clinic's history replaces them. docs/detection/not_on_track.md explains every constant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from statistics import NormalDist
from typing import Any

import polars as pl

from reattune.detection.frame import SERIES_KEY, Parameters, sort_measurements
from reattune.detection.rules.common import per_measure
from reattune.measures.definitions import MeasureDefinition

CLINIC = "clinic"
DEFAULT = "default"
PUBLISHED_DEFAULTS = "published defaults"

TABLE_SCHEMA: dict[str, Any] = {
    "measure": pl.String,
    "band": pl.Int32,
    "band_label": pl.String,
    "session": pl.Int32,
    "tolerance": pl.Float64,
    "n_clients": pl.Int32,
    "origin": pl.String,
}
TABLE_COLUMNS = list(TABLE_SCHEMA)

# Published defaults (docs/detection/not_on_track.md, "Published defaults").
RELIABLE_Z = 1.96  # Jacobson & Truax (1991): the RC threshold is 1.96 x SD of a change from error
DEFAULT_FIRST_SESSION = 2
# Howard et al. (1986): about half of clients have measurably improved by session 8. From here on
# the default tolerance stays flat, and later sessions use this one.
DEFAULT_RECOVERY_SESSION = 8

# Intake bands of the shipped measures: (name, lowest total, highest total), least severe first.
PUBLISHED_BANDS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "phq9": (
        ("below cut-off", 0, 9),
        ("moderate", 10, 14),
        ("moderately severe", 15, 19),
        ("severe", 20, 27),
    ),
    "gad7": (
        ("below cut-off", 0, 7),
        ("mild", 8, 9),
        ("moderate", 10, 14),
        ("severe", 15, 21),
    ),
    "core10": (
        ("below cut-off", 0, 10),
        ("mild", 11, 14),
        ("moderate", 15, 19),
        ("moderately severe or severe", 20, 40),
    ),
}
BAND_SOURCES: dict[str, str] = {
    "phq9": "Kroenke, Spitzer & Williams (2001) severity cut points 10, 15 and 20; minimal and "
    "mild (0–9) together lie below the caseness cut-off of 10.",
    "gad7": "Spitzer et al. (2006) cut points 10 and 15; NHS Talking Therapies caseness (8) is "
    "the lower edge of the mild band.",
    "core10": "Barkham et al. (2013) and the CORE System Trust bands 11, 15, 20 and 25; 20–24 "
    "and 25–40 are merged because few clients start at 25 or above.",
}
GENERIC_BAND_SOURCE = (
    "Generic bands: the range on the healthy side of the measure's clinical cut-off, then the "
    "clinical range in three near-equal parts (or the whole range in four without a cut-off)."
)


@dataclass(frozen=True)
class Band:
    index: int  # 0 is the least severe
    name: str
    low: int
    high: int
    clinical: bool

    @property
    def label(self) -> str:
        return f"{self.name}, {self.low}–{self.high}"


def intake_bands(definition: MeasureDefinition) -> tuple[Band, ...]:
    """The intake severity bands of a measure, least severe first: the published bands for the
    shipped measures (BAND_SOURCES), generic ones from the cut-off and range otherwise."""
    published = PUBLISHED_BANDS.get(definition.id)
    if published is not None and _fits(definition, published):
        return tuple(
            Band(i, name, low, high, clinical=i > 0)
            for i, (name, low, high) in enumerate(published)
        )
    return _generic_bands(definition)


def band_source(definition: MeasureDefinition) -> str:
    """Where a measure's intake bands come from, for a person to read."""
    published = PUBLISHED_BANDS.get(definition.id)
    if published is not None and _fits(definition, published):
        return BAND_SOURCES[definition.id]
    return GENERIC_BAND_SOURCE


def _fits(definition: MeasureDefinition, bands: tuple[tuple[str, int, int], ...]) -> bool:
    cutoff = definition.cutoff
    return (
        not definition.higher_is_better
        and cutoff is not None
        and bands[0][1] == definition.min_total
        and bands[-1][2] == definition.max_total
        and bands[1][1] == math.ceil(cutoff.value)
        and all(a[2] + 1 == b[1] for a, b in pairwise(bands))
    )


def _generic_bands(definition: MeasureDefinition) -> tuple[Band, ...]:
    lo, hi = definition.min_total, definition.max_total
    better = definition.higher_is_better
    cutoff = definition.cutoff
    first_clinical = None if cutoff is None else math.ceil(cutoff.value)
    if first_clinical is None or not lo < first_clinical <= hi:
        parts = _split(lo, hi, 4)
        quarters = (
            "least severe quarter",
            "second quarter",
            "third quarter",
            "most severe quarter",
        )
        ordered = parts[::-1] if better else parts
        return tuple(Band(i, quarters[i], a, b, clinical=True) for i, (a, b) in enumerate(ordered))
    if better:  # clinical when total < cut-off
        healthy, clinical = (first_clinical, hi), _split(lo, first_clinical - 1, 3)[::-1]
    else:
        healthy, clinical = (lo, first_clinical - 1), _split(first_clinical, hi, 3)
    names = ("mild", "moderate", "severe")[3 - len(clinical) :]
    bands = [Band(0, "outside the clinical range", *healthy, clinical=False)]
    bands += [Band(i + 1, names[i], a, b, clinical=True) for i, (a, b) in enumerate(clinical)]
    return tuple(bands)


def _split(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """[lo, hi] in up to `parts` consecutive near-equal integer ranges, lowest first."""
    size, extra = divmod(hi - lo + 1, parts)
    out, start = [], lo
    for i in range(parts):
        width = size + (1 if i < extra else 0)
        if width:
            out.append((start, start + width - 1))
            start += width
    return out


def outcome_definitions(
    definitions: Mapping[str, MeasureDefinition],
) -> dict[str, MeasureDefinition]:
    return {m: d for m, d in definitions.items() if d.kind == "outcome"}


def band_of(definitions: Mapping[str, MeasureDefinition], total: pl.Expr) -> pl.Expr:
    """The intake band index of `total` for each row's measure (null for other measures)."""
    cases = []
    for measure, definition in definitions.items():
        this = pl.col("measure") == measure
        for band in reversed(intake_bands(definition)):
            if band.index == 0:
                inside = this
            elif definition.higher_is_better:
                inside = this & (total < band.high + 1)
            else:
                inside = this & (total >= band.low)
            cases.append(pl.when(inside).then(pl.lit(band.index, dtype=pl.Int32)))
    return pl.coalesce(cases) if cases else pl.lit(None, dtype=pl.Int32)


def bands_frame(definitions: Mapping[str, MeasureDefinition]) -> pl.DataFrame:
    rows = [
        {"measure": m, "band": b.index, "band_label": b.label, "clinical": b.clinical}
        for m, d in definitions.items()
        for b in intake_bands(d)
    ]
    schema = {"measure": pl.String, "band": pl.Int32, "band_label": pl.String}
    return pl.DataFrame(rows, schema={**schema, "clinical": pl.Boolean})


def series_start() -> pl.Expr:
    """True on the first row of each series. The frame must be sorted by series; cheaper at a
    million rows than a window over the string keys."""
    changed = [pl.col(c) != pl.col(c).shift(1) for c in SERIES_KEY]
    return pl.any_horizontal(changed).fill_null(True)


def previous(expr: pl.Expr, start: pl.Expr) -> pl.Expr:
    """`expr` at the row before, within the series (null on its first row)."""
    return pl.when(~start).then(expr.shift(1))


def first_of_series(expr: pl.Expr, start: pl.Expr) -> pl.Expr:
    return pl.when(start).then(expr).forward_fill()


def cum_sum_within(expr: pl.Expr, start: pl.Expr) -> pl.Expr:
    """Running sum of `expr` (nulls count as 0) from the start of each series."""
    running = expr.fill_null(0).cum_sum()
    return running - first_of_series(running - expr.fill_null(0), start)


def changes_since_intake(
    ordered: pl.DataFrame, definitions: Mapping[str, MeasureDefinition]
) -> pl.DataFrame:
    """Scored outcome rows after each series' intake (its first scored session), with the
    intake total, its band and the change since intake in the worse direction (positive is
    worse, whichever way the measure runs). `ordered` is sorted by series and session."""
    outcome = outcome_definitions(definitions)
    scored = ordered.filter(pl.col("measure").is_in(list(outcome)) & pl.col("total").is_not_null())
    worse_sign = per_measure(outcome, lambda d: -1.0 if d.higher_is_better else 1.0)
    start = series_start()
    return (
        scored.with_columns(start.alias("_start"))
        .with_columns(first_of_series(pl.col("total"), pl.col("_start")).alias("intake"))
        .filter(~pl.col("_start"))
        .with_columns(
            ((pl.col("total") - pl.col("intake")) * worse_sign).alias("change"),
            band_of(outcome, pl.col("intake")).alias("band"),
        )
        .drop("_start")
    )


def default_fraction(session: int, clinical: bool, percentile: float) -> float:
    """The published-default tolerance as a fraction of the reliable-change threshold.

    At session 2 change is mostly measurement error: its SD is RC / 1.96 (Jacobson & Truax
    1991), so the percentile is z * RC / 1.96 (0.65 RC at the 90th). By session 8 about half of
    clients have improved (Howard et al. 1986): a median change of -RC with an SD of about RC
    puts the percentile at (z - 1) * RC (0.28 RC). Between the two, linear in log(session), as
    dose-response curves are. Clients who start outside the clinical range are not expected to
    improve: they keep the measurement-error tolerance throughout."""
    z = NormalDist().inv_cdf(percentile)
    noise = z / RELIABLE_Z
    if not clinical:
        return noise
    late = min(z - 1.0, noise)
    s = min(max(session, DEFAULT_FIRST_SESSION), DEFAULT_RECOVERY_SESSION)
    weight = math.log(s / DEFAULT_FIRST_SESSION) / math.log(
        DEFAULT_RECOVERY_SESSION / DEFAULT_FIRST_SESSION
    )
    return noise + (late - noise) * weight


def default_table(
    definitions: Mapping[str, MeasureDefinition], parameters: Parameters
) -> pl.DataFrame:
    """The published-default cells for every outcome measure with a reliable-change threshold."""
    rows = [
        {
            "measure": m,
            "band": band.index,
            "band_label": band.label,
            "session": s,
            "tolerance": round(
                d.reliable_change.value
                * default_fraction(s, band.clinical, parameters.band_percentile),
                2,
            ),
            "n_clients": 0,
            "origin": DEFAULT,
        }
        for m, d in outcome_definitions(definitions).items()
        if d.reliable_change is not None
        for band in intake_bands(d)
        for s in range(DEFAULT_FIRST_SESSION, DEFAULT_RECOVERY_SESSION + 1)
    ]
    return pl.DataFrame(rows, schema=TABLE_SCHEMA)


@dataclass(frozen=True, eq=False)
class Calibration:
    """Tolerances by measure, intake band and session: `table` in TABLE_SCHEMA, one row per
    cell, `origin` "clinic" (this clinic's history) or "default" (published defaults).
    A session beyond a band's last row uses the last row."""

    table: pl.DataFrame
    source: str
    closed_cases: int
    percentile: float
    min_clients: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form for the web app to store."""
        return {
            "version": 1,
            "source": self.source,
            "closed_cases": self.closed_cases,
            "percentile": self.percentile,
            "min_clients": self.min_clients,
            "cells": self.table.select(TABLE_COLUMNS).to_dicts(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        try:
            if data["version"] != 1:
                raise ValueError(f"unknown calibration version {data['version']!r}")
            table = pl.DataFrame(list(data["cells"]), schema=TABLE_SCHEMA)
            return cls(
                table=table,
                source=str(data["source"]),
                closed_cases=int(data["closed_cases"]),
                percentile=float(data["percentile"]),
                min_clients=int(data["min_clients"]),
            )
        except (KeyError, TypeError, pl.exceptions.PolarsError) as e:
            raise ValueError(f"not a stored calibration: {e}") from None


def published_defaults(
    definitions: Mapping[str, MeasureDefinition], parameters: Parameters | None = None
) -> Calibration:
    """The calibration a clinic without a history uses: the published defaults alone."""
    parameters = parameters or Parameters()
    return Calibration(
        table=default_table(definitions, parameters),
        source=PUBLISHED_DEFAULTS,
        closed_cases=0,
        percentile=parameters.band_percentile,
        min_clients=parameters.min_calibration_clients,
    )


def calibrate(
    history: pl.DataFrame,
    definitions: Mapping[str, MeasureDefinition],
    parameters: Parameters | None = None,
) -> Calibration:
    """Expected-response tolerances from a history of closed cases (Finch, Lambert & Schaalje
    2001): for each outcome measure, intake band and session, the `band_percentile` of change
    since intake (worse direction; linear interpolation between order statistics). A cell with
    fewer than `min_calibration_clients` clients takes the published default instead."""
    parameters = parameters or Parameters()
    outcome = outcome_definitions(definitions)
    keys = ["measure", "band", "session"]
    observed = (
        changes_since_intake(sort_measurements(history), outcome)
        .group_by(keys)
        .agg(
            pl.col("change")
            .quantile(parameters.band_percentile, interpolation="linear")
            .alias("_observed"),
            pl.len().cast(pl.Int32).alias("n_clients"),
        )
    )
    enough = pl.col("n_clients").fill_null(0) >= parameters.min_calibration_clients
    defaults = default_table(outcome, parameters)
    last_default = defaults.group_by("measure", "band").agg(pl.col("session").max().alias("_ld"))
    last_clinic = (
        observed.filter(enough)
        .group_by("measure", "band")
        .agg(pl.col("session").max().alias("_lc"))
    )
    table = (
        bands_frame(outcome)
        .join(last_default, on=["measure", "band"], how="left")
        .join(last_clinic, on=["measure", "band"], how="left")
        .with_columns(pl.max_horizontal("_ld", "_lc").alias("_last"))
        .filter(pl.col("_last").is_not_null())
        .with_columns(
            pl.int_ranges(DEFAULT_FIRST_SESSION, pl.col("_last") + 1, dtype=pl.Int32).alias(
                "session"
            )
        )
        .explode("session")
        .join(observed, on=keys, how="left")
        .with_columns(pl.min_horizontal("session", "_ld").alias("_ds"))
        .join(
            defaults.select("measure", "band", pl.col("session").alias("_ds"), "tolerance"),
            on=["measure", "band", "_ds"],
            how="left",
        )
        .with_columns(
            pl.when(enough)
            .then(pl.col("_observed"))
            .otherwise(pl.col("tolerance"))
            .alias("tolerance"),
            pl.when(enough).then(pl.lit(CLINIC)).otherwise(pl.lit(DEFAULT)).alias("origin"),
            pl.col("n_clients").fill_null(0),
        )
        .filter(pl.col("tolerance").is_not_null())
        .select(TABLE_COLUMNS)
        .cast(TABLE_SCHEMA)  # type: ignore[arg-type]
        .sort(keys)
    )
    cases = history.select(pl.col("client_id").n_unique()).item()
    from_clinic = table.filter(pl.col("origin") == CLINIC).height > 0
    return Calibration(
        table=table,
        source=f"clinic history, {cases} closed cases" if from_clinic else PUBLISHED_DEFAULTS,
        closed_cases=int(cases),
        percentile=parameters.band_percentile,
        min_clients=parameters.min_calibration_clients,
    )


def tolerance_table(
    calibration: Calibration | None,
    definitions: Mapping[str, MeasureDefinition],
    parameters: Parameters | None = None,
) -> pl.DataFrame:
    """The calibration's cells, with published defaults for any outcome measure it lacks (one
    loaded after the calibration was made, say)."""
    parameters = parameters or Parameters()
    defaults = default_table(definitions, parameters)
    if calibration is None:
        return defaults
    known = calibration.table.get_column("measure").unique().to_list()
    missing = defaults.filter(~pl.col("measure").is_in(known))
    return pl.concat([calibration.table.select(TABLE_COLUMNS), missing])


def band_positions(
    ordered: pl.DataFrame,
    calibration: Calibration | None,
    definitions: Mapping[str, MeasureDefinition],
    parameters: Parameters | None = None,
) -> pl.DataFrame:
    """Each scored outcome row after intake with its change since intake and the tolerance of
    its intake band at its session (`table_session` is the table row used: the session itself,
    or the band's last row for later sessions). `ordered` is sorted by series and session; the
    result keeps that order."""
    changes = changes_since_intake(ordered, definitions).with_row_index("_row")
    table = tolerance_table(calibration, outcome_definitions(definitions), parameters).rename(
        {"session": "table_session"}
    )
    return (
        changes.sort("session")
        .join_asof(
            table.sort("table_session"),
            left_on="session",
            right_on="table_session",
            by=["measure", "band"],
            strategy="backward",
            check_sortedness=False,
        )
        .sort("_row")
        .drop("_row")
    )


def calibration_summary(
    calibration: Calibration, definitions: Mapping[str, MeasureDefinition] | None = None
) -> str:
    """A few lines for a person: where the tolerances come from, band by band."""
    titles = {m: d.short_title for m, d in (definitions or {}).items()}
    percentile = percentile_name(calibration.percentile)
    lines = [
        f"Expected-response bands (Finch, Lambert & Schaalje 2001): the {percentile} percentile "
        "of change since intake, by intake range and session.",
        f"Source: {calibration.source}.",
    ]
    per_band = (
        calibration.table.group_by("measure", "band", "band_label")
        .agg(
            pl.col("session").min().alias("first"),
            pl.col("session").max().alias("last"),
            (pl.col("origin") == CLINIC).sum().alias("clinic"),
            (pl.col("origin") == DEFAULT).sum().alias("default"),
        )
        .sort("measure", "band")
    )
    for row in per_band.iter_rows(named=True):
        title = titles.get(row["measure"], row["measure"])
        parts = []
        if row["clinic"]:
            parts.append(f"{row['clinic']} from this clinic's history")
        if row["default"]:
            why = f" (fewer than {calibration.min_clients} clients)" if row["clinic"] else ""
            parts.append(f"{row['default']} from published defaults{why}")
        lines.append(
            f"{title}, {row['band_label']}: sessions {row['first']}–{row['last']}; "
            + ", ".join(parts)
            + "."
        )
    for measure in per_band["measure"].unique(maintain_order=True):
        if definitions and measure in definitions:
            lines.append(f"{titles[measure]} intake ranges: {band_source(definitions[measure])}")
    return "\n".join(lines)


def percentile_name(percentile: float) -> str:
    """0.9 -> '90th'."""
    n = round(percentile * 100)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
