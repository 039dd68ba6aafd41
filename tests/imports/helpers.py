"""Import files for the tests: written by hand or by the detection simulator."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from reattune.detection.simulate import Settings, simulate

COLUMNS = (
    "client_id",
    "participant_id",
    "session",
    "date",
    "measure",
    "total",
    "items",
    "attendance",
    "felt_off",
)


def write_rows(path: Path, rows: Iterable[Mapping[str, object]], columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def simulated_file(
    path: Path, *, rows: int, seed: int = 7, settings: Settings | None = None
) -> Path:
    """A synthetic cohort from `reattune simulate` of `rows` rows (the last client may be cut
    short), in the detection input format with dates."""
    settings = settings or Settings()
    per_client = 3 * (settings.min_sessions + settings.max_sessions) // 2
    clients = max(1, rows // per_client)
    cohort, _ = simulate(clients, seed, history_clients=1, settings=settings)
    frame = cohort.measurements
    while frame.height < rows:
        clients = int(clients * rows / max(frame.height, 1)) + 10
        cohort, _ = simulate(clients, seed, history_clients=1, settings=settings)
        frame = cohort.measurements
    table = frame.select(
        "client_id",
        "participant_id",
        "session",
        pl.col("date").cast(pl.String),
        "measure",
        pl.col("total").cast(pl.Int64).cast(pl.String),
        pl.col("items").cast(pl.List(pl.String)).list.join(" "),
        "attendance",
        pl.col("felt_off").replace_strict({True: "yes", False: "no"}, return_dtype=pl.String),
    ).head(rows)
    table.write_csv(path)
    return path
