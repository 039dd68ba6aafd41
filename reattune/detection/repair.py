"""Did a repair hold? The client's own alliance checks after the repair say.

The rule is the engine's `repair_held` / `repair_not_held` (rules/alliance.py, RULE_REPAIR),
anchored where the clinician says the repair began rather than at a detected rupture, so that
a repair opened from the clinician's own "I think I got something wrong" is verified the same
way as one opened from an alert:

- checks after session `after` count;
- the first one back in the client's usual range (total at least baseline - 1 SD, nothing felt
  off), at a session no later than `after + repair_window`, means the repair held;
- reaching session `after + repair_window` (a missed session counts) without that means it
  did not hold;
- anything else is still pending.

Baseline and SD are the rupture model's (`rupture_flags`): earlier drops are left out, so a
rupture does not drag down the level it is judged against. Plain Python and polars: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from reattune.detection.frame import Context
from reattune.detection.rules.alliance import RULE_REPAIR, rupture_flags

HELD = "held"
NOT_HELD = "not_held"
PENDING = "pending"
RULE = RULE_REPAIR


@dataclass(frozen=True)
class RepairVerdict:
    outcome: str  # HELD, NOT_HELD or PENDING
    session: int | None  # the check that decided it
    before: float | None  # the alliance total at the repair's session, or the last before it
    after: float | None  # the total at the deciding check (None when that session was missed)
    baseline: float | None  # the client's usual level, as judged at the deciding check
    points: tuple[tuple[int, float], ...]  # every alliance total of this participant, for a chart

    @property
    def decided(self) -> bool:
        return self.outcome != PENDING


def repair_verdict(
    frame: pl.DataFrame,
    context: Context,
    *,
    client_id: str,
    participant_id: str,
    after: int,
    incident: int | None = None,
) -> RepairVerdict:
    """The verdict on a repair whose checks count after session `after`, for one participant
    of one client (`frame` in the measurements shape; any rows of other clients are ignored).
    `before` is the total at the session of the mistake, `incident` (default `after`), or the
    last one before it."""
    window = context.parameters.repair_window
    flags = (
        rupture_flags(
            frame.filter(
                (pl.col("client_id") == client_id) & (pl.col("participant_id") == participant_id)
            ),
            context,
        )
        .sort("session", "measure")
        .unique(subset=["session"], keep="first", maintain_order=True)
    )
    rows = flags.iter_rows(named=True)
    points = tuple(
        (int(r["session"]), float(r["total"]))
        for r in flags.iter_rows(named=True)
        if r["total"] is not None
    )
    before = next(
        (total for session, total in reversed(points) if session <= (incident or after)),
        None,
    )
    for row in rows:
        session = int(row["session"])
        if session <= after:
            continue
        recovered = (
            row["total"] is not None
            and not row["rupture"]
            and (row["baseline"] is None or bool(row["usual"]))
        )
        if recovered and session <= after + window:
            return RepairVerdict(HELD, session, before, row["total"], row["baseline"], points)
        if session >= after + window:
            return RepairVerdict(NOT_HELD, session, before, row["total"], row["baseline"], points)
    return RepairVerdict(PENDING, None, before, None, None, points)
