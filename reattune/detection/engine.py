"""Run every rule over a measurements frame and gather their signals.

Each rule module under `rules/` exposes `signals(frame, context) -> DataFrame` in
`SIGNAL_SCHEMA`, and only ever looks backwards along a series (shift, cumulative and
expanding windows), so a signal at session k depends on nothing after session k. Rules get the
frame sorted by series and session, with the integer ids of `frame.in_series_order`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from reattune.detection.frame import (
    SIGNAL_COLUMNS,
    Context,
    empty_signals,
    in_series_order,
)
from reattune.detection.rules import alliance, change, expected, safety, sudden

Rule = Callable[[pl.DataFrame, Context], pl.DataFrame]

# Frames this long or longer (a whole clinic, `reattune detect` on a file) run their rules in
# threads; shorter ones (a case) one after another.
PARALLEL_FROM_ROWS = 5_000

RULES: Sequence[Rule] = (
    safety.signals,
    change.signals,
    expected.signals,
    sudden.signals,
    alliance.signals,
)


def detect(frame: pl.DataFrame, context: Context, rules: Sequence[Rule] = RULES) -> pl.DataFrame:
    """All signals for the measurements in `frame`, ordered by client, session and signal."""
    if frame.is_empty():
        return empty_signals()
    ordered = in_series_order(frame)

    def run(rule: Rule) -> pl.DataFrame:
        return rule(ordered, context).select(SIGNAL_COLUMNS)

    if ordered.height < PARALLEL_FROM_ROWS:
        # One case after a client's check (the worker's task): starting and joining a thread
        # per rule cost more than the rules themselves, several times over.
        found = [run(rule) for rule in rules]
    else:
        # Side by side: the rules are independent, and polars lets go of the GIL while it
        # works, so one rule's single-threaded steps overlap another's.
        with ThreadPoolExecutor(max_workers=max(len(rules), 1)) as pool:
            found = list(pool.map(run, rules))
    return pl.concat(found, how="vertical").sort(["client_id", "session", "signal", "measure"])
