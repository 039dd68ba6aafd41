"""Checking the audit chain end to end: `reattune audit verify`, and the backup drill."""

from __future__ import annotations

from dataclasses import dataclass

from reattune.audit.log import GENESIS_HASH, hash_of
from reattune.audit.models import AuditEvent

EDITED = "its contents do not match its hash (the row was changed)"
BROKEN_LINK = "it does not point at the row before it (a row was removed, added or moved)"
GAP = "its number should be {expected} (rows are missing or out of order)"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_seq: int | None = None
    head_hash: str = ""

    def __str__(self) -> str:
        if self.ok:
            head = f"; last row {self.head_seq}, hash {self.head_hash}" if self.rows else ""
            return f"Audit chain intact: {self.rows} rows{head}."
        return f"Audit chain broken at row {self.first_bad_seq}: {self.reason}."


def verify_chain() -> ChainReport:
    """Walk every row in `seq` order, checking its number follows on, it points at the row
    before it, and its hash matches its contents. Stops at the first bad row."""
    expected_seq, prev_hash, rows = 1, GENESIS_HASH, 0
    events = AuditEvent.objects.order_by("seq")
    for event in events.iterator(chunk_size=2000):
        problem = _problem(event, expected_seq, prev_hash)
        if problem:
            return ChainReport(ok=False, rows=rows, first_bad_seq=event.seq, reason=problem)
        rows += 1
        expected_seq, prev_hash = event.seq + 1, event.row_hash
    return ChainReport(
        ok=True, rows=rows, head_seq=expected_seq - 1 if rows else None, head_hash=prev_hash
    )


def _problem(event: AuditEvent, expected_seq: int, prev_hash: str) -> str:
    if event.seq != expected_seq:
        return GAP.format(expected=expected_seq)
    if event.prev_hash != prev_hash:
        return BROKEN_LINK
    if hash_of(event) != event.row_hash:
        return EDITED
    return ""
