"""Placeholder while this rule family is being written; it raises no signals yet."""

from __future__ import annotations

import polars as pl

from reattune.detection.frame import Context, empty_signals


def signals(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    del frame, context
    return empty_signals()
