"""Small series for the rule tests, all synthetic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from reattune.detection.frame import measurements
from reattune.measures.definitions import Threshold, load_definitions

DEFINITIONS = load_definitions()
# A higher-is-better outcome measure, as a clinic might load one: 0-27, clinical below 14.
WELLBEING = replace(
    DEFINITIONS["phq9"],
    id="wellbeing",
    short_title="Wellbeing",
    direction="higher_is_better",
    cutoff=Threshold(14, "a test cut-off"),
)
WITH_WELLBEING = {**DEFINITIONS, "wellbeing": WELLBEING}


def rows(
    measure: str, totals: Sequence[float | None], client: str = "A", participant: str = ""
) -> list[dict[str, Any]]:
    """One row per session from 1; a None total is a cancelled session."""
    return [
        {
            "client_id": client,
            "participant_id": participant,
            "session": n,
            "measure": measure,
            "total": total,
            "attendance": "attended" if total is not None else "cancelled",
        }
        for n, total in enumerate(totals, start=1)
    ]


def series(measure: str, totals: Sequence[float | None], client: str = "A") -> pl.DataFrame:
    return measurements(rows(measure, totals, client))
