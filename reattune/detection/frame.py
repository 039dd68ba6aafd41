"""The shapes the detection core works on: one row per measurement in, one row per signal out.

Measurements (a polars DataFrame, one row per client, participant, measure and session):

| column | type | meaning |
| --- | --- | --- |
| client_id | str | the client, or in a joint case the case |
| participant_id | str | "" for an individual case; each partner or family member otherwise |
| session | int | 1 is the intake |
| measure | str | a measure id (phq9, gad7, core10, alliance, or any loaded definition) |
| total | float | the measure's total; null when the session was missed |
| items | list[int] or null | the scored items in the measure's item order, where known |
| attendance | str | attended, cancelled or no_show ("attended" when not given) |
| felt_off | bool or null | the alliance check's "did anything feel off?" answer, where known |

The engine sorts the frame by series and session and adds two integer ids
(`in_series_order`): `_series` for each client, participant and measure, and `_person` for
each client and participant, numbered in that order. Rules window, group and join on these
rather than on the string keys, which costs several times as much at a million rows.

Signals: `SIGNAL_SCHEMA` below. Plain Python and polars: no Django import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from reattune.measures.definitions import MeasureDefinition

MEASUREMENT_SCHEMA: dict[str, Any] = {
    "client_id": pl.String,
    "participant_id": pl.String,
    "session": pl.Int32,
    "measure": pl.String,
    "total": pl.Float64,
    "items": pl.List(pl.Int16),
    "attendance": pl.String,
    "felt_off": pl.Boolean,
}
SERIES_KEY = ["client_id", "participant_id", "measure"]
PERSON_KEY = ["client_id", "participant_id"]
SERIES_ID = "_series"
PERSON_ID = "_person"

SIGNAL_SCHEMA: dict[str, Any] = {
    "client_id": pl.String,
    "session": pl.Int32,
    "signal": pl.String,
    "measure": pl.String,
    "severity": pl.String,
    "detail": pl.String,
    "participant_id": pl.String,
    "rule": pl.String,
}
SIGNAL_COLUMNS = list(SIGNAL_SCHEMA)

URGENT = "urgent"
WARNING = "warning"
INFO = "info"

ATTENDED = "attended"


def empty_signals() -> pl.DataFrame:
    return pl.DataFrame(schema=SIGNAL_SCHEMA)


def measurements(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Build a measurements frame from dicts (the web app's path), filling optional columns."""
    filled = [
        {
            "client_id": str(r["client_id"]),
            "participant_id": str(r.get("participant_id") or ""),
            "session": int(r["session"]),
            "measure": str(r["measure"]),
            "total": None if r.get("total") is None else float(r["total"]),
            "items": r.get("items"),
            "attendance": r.get("attendance") or ATTENDED,
            "felt_off": r.get("felt_off"),
        }
        for r in rows
    ]
    return sort_measurements(pl.DataFrame(filled, schema=MEASUREMENT_SCHEMA))


def sort_measurements(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort([*SERIES_KEY, "session"])


def in_series_order(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` sorted by series and session, with fresh `_series` and `_person` ids. A frame
    in that order already (as `measurements` and `csvio.read_measurements` return it) is not
    sorted again: checking the order costs a fraction of sorting, in time and in memory."""
    keyed = _add_ids(frame.drop(SERIES_ID, PERSON_ID, strict=False))
    if _ids_in_order(keyed):
        return keyed
    return _add_ids(sort_measurements(keyed.drop(SERIES_ID, PERSON_ID)))


def with_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` in series order with its ids: as it is when it has them (the engine's frame,
    so every rule reuses them), and through `in_series_order` when it has not."""
    if SERIES_ID in frame.columns and PERSON_ID in frame.columns:
        return frame
    return in_series_order(frame)


def _add_ids(frame: pl.DataFrame) -> pl.DataFrame:
    # A series changes where its person or its measure does: compare each string column once.
    # In one chunk, as the ids are: polars 2.1 panics formatting columns whose chunks differ.
    new = "_new_person"
    return (
        frame.rechunk()
        .with_columns(_changed(PERSON_KEY).alias(new))
        .with_columns(
            (pl.col(new) | _changed(["measure"])).cum_sum().cast(pl.Int32).alias(SERIES_ID),
            pl.col(new).cum_sum().cast(pl.Int32).alias(PERSON_ID),
        )
        .drop(new)
        .with_columns(pl.col(SERIES_ID, PERSON_ID).set_sorted())
    )


def _ids_in_order(keyed: pl.DataFrame) -> bool:
    """Whether `keyed`, with ids numbering its runs of equal series, is sorted by series and
    session: sessions never go down within a run, and each run's series comes after the one
    before, so no series has two runs. Null keys count as out of order (sorting places them)."""
    start = pl.col(SERIES_ID).ne_missing(pl.col(SERIES_ID).shift(1))
    keys = [*SERIES_KEY, "session"]
    steady = keyed.select(
        pl.all_horizontal(pl.col(keys).is_not_null()).all()
        & (start | (pl.col("session") >= pl.col("session").shift(1))).all()
    ).item()
    if not steady:
        return False
    later, same = pl.lit(False), pl.lit(True)
    for key in SERIES_KEY:
        before = pl.col(key).shift(1)
        later = later | (same & (pl.col(key) > before))
        same = same & (pl.col(key) == before)
    starts = keyed.filter(start).select(SERIES_KEY)
    return bool(starts.select(later.all()).item())  # the first run has nothing before: null


def _changed(columns: list[str]) -> pl.Expr:
    """True where any of `columns` differs from the row before (and on the first row)."""
    return pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(1)) for c in columns)


@dataclass(frozen=True)
class Parameters:
    """Every tunable constant in one place; docs/detection/ explains each one's source."""

    # Alliance ruptures (Stiles et al. 2004; Strauss et al. 2006; Gumz et al. 2012).
    rupture_z: float = 1.96  # one-sided: a drop this size by chance in fewer than 1 in 40
    rupture_min_drop: float = 3.0  # points on the 0-40 check: smaller drops are noise
    rupture_prior_sd: float = 2.5  # prior for a client's own SD of alliance totals across sessions
    rupture_prior_weight: float = 3.0  # sessions' worth of weight the prior carries
    rupture_sd_floor: float = 1.5
    rupture_min_history: int = 2  # prior sessions needed before a drop can be judged
    # Repairs: back within the client's usual range within this many sessions.
    repair_window: int = 2
    # Disengagement: missed or cancelled sessions in a row after a rupture or low score.
    disengagement_misses: int = 2
    # Sudden gains and losses (Tang & DeRubeis 1999), prospective form.
    sudden_fraction: float = 0.25
    # Expected response: the percentile of change by intake band and session (Finch et al. 2001).
    band_percentile: float = 0.90
    min_calibration_clients: int = 30


@dataclass(frozen=True)
class Context:
    """What every rule may read besides the measurements themselves."""

    definitions: Mapping[str, MeasureDefinition]
    parameters: Parameters = field(default_factory=Parameters)
    calibration: Any = None  # reattune.detection.expected.Calibration, when there is one
