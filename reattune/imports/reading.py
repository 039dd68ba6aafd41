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

import csv
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from reattune.detection.csvio import (
    NOT_CSV,
    DetectInputError,
    Problem,
    read_measurements,
)
from reattune.detection.frame import ATTENDED
from reattune.measures.definitions import MeasureDefinition

# Read when present, besides the detection columns.
DATE = "date"
CLINICIAN_EMAIL = "clinician_email"
CLIENT_CODE = "client_code"
TEXT_COLUMNS = ("client_id", "participant_id", "measure", "attendance", "felt_off")
OPTIONAL_TEXT = (DATE, CLINICIAN_EMAIL, CLIENT_CODE)
LOWER_CASE = ("measure", "attendance", "felt_off", CLINICIAN_EMAIL)
# Reattune's own export writes a value a spreadsheet would run as a formula (one starting with
# = + - @, a tab or a carriage return) with an apostrophe in front (exports/measurements.py,
# `safe_cell`); reading these columns takes that apostrophe off again, so that a clinic's own
# export imports as the codes it holds.
FORMULA_GUARDED = ("client_id", "participant_id", CLIENT_CODE, CLINICIAN_EMAIL)
FORMULA_GUARD = r"^'([=+\-@\t\r])"
# Names the readers give columns of their own; a file's header may not use them.
RESERVED = ("_row",)

RESERVED_COLUMN = (
    "the header has a column named {name}, a name Reattune uses while reading the file: "
    "rename or remove that column"
)
UNNAMED_COLUMNS = (
    "the header has {count} columns with no name (columns {where}): give them names or remove them"
)

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
    at fault, exactly as `reattune detect` would, when detection could not read the file.

    Whatever polars cannot read (a header naming `_row`, columns whose names clash once
    trimmed) is a refusal too, never an exception a page would show as a server error."""
    source = str(path)
    _check_header(path, source)
    try:
        read_measurements(path, definitions)
        return _rows(path)
    except pl.exceptions.PolarsError as e:
        raise DetectInputError(source, [_unreadable(e)]) from None


def _check_header(path: Path, source: str) -> None:
    """Refuse header names the readers would choke on, with a message better than theirs. A
    header that is not UTF-8 text or not CSV at all is left to detection's reader, which says
    so with the line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return
    names = [name.strip() for name in header]
    for name in RESERVED:
        if name in names:
            raise DetectInputError(source, [Problem(1, RESERVED_COLUMN.format(name=name))])
    unnamed = [str(n) for n, name in enumerate(names, start=1) if name == ""]
    if len(unnamed) > 1:
        where = ", ".join(unnamed[:-1]) + " and " + unnamed[-1]
        message = UNNAMED_COLUMNS.format(count=len(unnamed), where=where)
        raise DetectInputError(source, [Problem(1, message)])


def _unreadable(error: Exception) -> Problem:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return Problem(None, NOT_CSV.format(error=first))


def _rows(path: Path) -> pl.DataFrame:
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
    if column in FORMULA_GUARDED:
        value = value.str.replace(FORMULA_GUARD, "${1}")
    value = pl.when(value != "").then(value)
    return value.str.to_lowercase() if column in LOWER_CASE else value
