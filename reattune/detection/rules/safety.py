"""`safety`: a measure's safety item answered above its threshold.

Rule: PHQ-9 item 9 ("thoughts that you would be better off dead or of hurting yourself")
above 0 (Kroenke, Spitzer & Williams 2001); CORE-10 item 6 ("I made plans to end my life")
above 0 (Barkham et al. 2013). Any measure definition may mark its own safety items.
Never suppressed, never aggregated: every such answer is a signal.
"""

from __future__ import annotations

import polars as pl

from reattune.detection.frame import URGENT, Context, empty_signals
from reattune.detection.rules.common import signal_rows

RULE = (
    "A safety item answered above its threshold is followed up the same day "
    "(PHQ-9 item 9: Kroenke, Spitzer & Williams 2001; CORE-10 item 6: Barkham et al. 2013)."
)


def signals(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    found = [empty_signals()]
    for definition in context.definitions.values():
        alerts = [
            (position, item, item.alert.above)
            for position, item in enumerate(definition.scored_items)
            if item.is_safety and item.alert is not None and item.alert.above is not None
        ]
        if not alerts:
            continue
        # Only this measure's rows, and only the columns read: cheaper than reading each
        # answer of every row.
        rows = frame.select("client_id", "participant_id", "session", "measure", "items").filter(
            pl.col("measure") == definition.id
        )
        for position, item, above in alerts:
            answer = pl.col("items").list.get(position, null_on_oob=True)
            labels = {o.value: o.label for o in item.options}
            fired = rows.filter(pl.col("items").is_not_null() & (answer > above))
            fired = fired.with_columns(answer.alias("_answer"))
            if fired.is_empty():
                continue
            label = pl.col("_answer").replace_strict(labels, default=None, return_dtype=pl.String)
            detail = pl.format(
                "{} item {} (“{}”) answered “{}” ({}): ask about it today.",
                pl.lit(definition.short_title),
                pl.lit(position + 1),
                pl.lit(item.text),
                label.fill_null(pl.col("_answer").cast(pl.String)),
                pl.col("_answer"),
            )
            found.append(
                signal_rows(fired, signal="safety", severity=URGENT, detail=detail, rule=RULE)
            )
    return pl.concat(found)
