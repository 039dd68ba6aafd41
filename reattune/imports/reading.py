"""The rows of an import file, each with the line it starts on.

The file is first checked by `reattune detect`'s own reader (`read_measurements`), so an import
refuses exactly what detection refuses, with the same messages. That reader returns the
measurements sorted and without line numbers, and ignores the columns only the import uses
(`date`, `clinician_email`, `client_code`), so this module reads the checked file a second
time, as text, the same way: values trimmed, empty as missing, measure, attendance and
felt_off in lower case, real line numbers (the header is line 1; a quoted field's line breaks
and blank lines count). Plain polars, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from reattune.detection.csvio import read_measurements
from reattune.detection.frame import ATTENDED
from reattune.measures.definitions import MeasureDefinition

# Read when present, besides the detection columns.
DATE = "date"
CLINICIAN_EMAIL = "clinician_email"
CLIENT_CODE = "client_code"
TEXT_COLUMNS = ("client_id", "participant_id", "measure", "attendance", "felt_off")
OPTIONAL_TEXT = (DATE, CLINICIAN_EMAIL, CLIENT_CODE)
LOWER_CASE = ("measure", "attendance", "felt_off", CLINICIAN_EMAIL)

ROW_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "line": pl.Int64,
    "client_id": pl.String,
    "participant_id": pl.String,
    "session": pl.Int32,
    "measure": pl.String,
    "total": pl.Float64,
    "items": pl.List(pl.Int16),
    "attendance": pl.String,
    "felt_off": pl.Boolean,
    DATE: pl.String,
    CLINICIAN_EMAIL: pl.String,
    CLIENT_CODE: pl.String,
}


def read_rows(path: Path, definitions: Mapping[str, MeasureDefinition]) -> pl.DataFrame:
    """The file's rows in file order (ROW_SCHEMA). Raises `DetectInputError` naming the lines
    at fault, exactly as `reattune detect` would, when detection could not read the file."""
    read_measurements(path, definitions)
    raw = pl.read_csv(path, infer_schema=False, glob=False, row_index_name="_row")
    raw = raw.rename({c: c.strip() for c in raw.columns if c != "_row"})
    header_breaks = sum(c.count("\n") for c in raw.columns)
    breaks = pl.sum_horizontal(
        pl.exclude("_row").str.count_matches("\n", literal=True).fill_null(0)
    )
    raw = raw.with_columns(
        line=(
            2
            + header_breaks
            + pl.col("_row").cast(pl.Int64)
            + breaks.cum_sum().shift(1).fill_null(0)
        )
    )
    raw = raw.filter(~pl.all_horizontal(pl.exclude("_row", "line").is_null()))
    items = _text(raw, "items").str.replace_all(r"\s+", " ")
    return (
        raw.select(
            "line",
            *(_text(raw, c).alias(c) for c in TEXT_COLUMNS if c not in ("participant_id",)),
            _text(raw, "participant_id").fill_null("").alias("participant_id"),
            _text(raw, "session").cast(pl.Int32).alias("session"),
            _text(raw, "total").cast(pl.Float64).alias("total"),
            items.str.split(" ").cast(pl.List(pl.Int16)).alias("items"),
            *(_text(raw, c).alias(c) for c in OPTIONAL_TEXT),
        )
        .with_columns(
            pl.col("attendance").fill_null(ATTENDED),
            pl.col("felt_off") == "yes",
        )
        .select(list(ROW_SCHEMA))
    )


def _text(raw: pl.DataFrame, column: str) -> pl.Expr:
    if column not in raw.columns:
        return pl.lit(None, pl.String)
    value = pl.col(column).str.strip_chars()
    value = pl.when(value != "").then(value)
    return value.str.to_lowercase() if column in LOWER_CASE else value
