"""Key rotation and retirement, without stopping Reattune.

`keys_rotate` puts a new primary key in the key file (a running server notices within
RELOAD_SECONDS and seals new text with it; it opens text under any key on the ring), then seals
every stored value again under the new key, a batch at a time. If values are still under older
keys when it starts (a rotation that was interrupted, or a new key put first in
REATTUNE_ENCRYPTION_KEYS), it finishes that rotation instead of starting another.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from reattune.vault.columns import (
    BATCH_SIZE,
    NOT_ENCRYPTED,
    Column,
    column_reseal,
    encrypted_columns,
    key_counts,
    stored_values,
)
from reattune.vault.keys import (
    ENV_KEYS,
    RELOAD_SECONDS,
    KeyRing,
    new_key,
    new_key_id,
    read_key_file,
    reload_ring,
    reset_ring,
    write_key_file,
)

MAX_PASSES = 5
# After writing a new primary key: long enough for running servers to have looked at the file.
SETTLE_SECONDS = RELOAD_SECONDS + 0.5

ENV_ROTATE_STEPS = (
    f"The keys come from {ENV_KEYS}, which this command cannot change. To rotate: run "
    f"`reattune keys new`, put the new entry first in {ENV_KEYS} (keep the old ones after "
    "it), restart Reattune, then run `reattune keys rotate` again: it will re-encrypt "
    "everything under the new key."
)
NOT_ON_RING = "There is no key {key_id} on the key ring (keys: {ids})."
RETIRE_PRIMARY = (
    "Key {key_id} is the primary key: it seals new text. Rotate to a new key first "
    "(`reattune keys rotate`), then retire this one."
)
RETIRE_IN_USE = (
    "Key {key_id} still seals {count} stored value(s) ({where}). Run `reattune keys rotate` "
    "to finish re-encrypting them, then retire it. Nothing was changed."
)
RETIRE_ENV_STEP = (
    f"Nothing is stored under key {{key_id}} any more. Remove its entry from {ENV_KEYS} and "
    "restart Reattune."
)


class KeyRingError(Exception):
    """A key command that cannot go ahead; the message says why and what to do."""


@dataclass
class RotationReport:
    primary_id: str
    new_key: bool
    resealed: Counter[str] = field(default_factory=Counter)  # column label -> count
    failed: list[tuple[str, object, str]] = field(default_factory=list)  # label, pk, why
    left: Counter[str] = field(default_factory=Counter)  # column label -> values not moved

    @property
    def complete(self) -> bool:
        return not self.failed and not self.left


def keys_status() -> dict[str, Counter[str]]:
    """Column label -> how many stored values each key id seals."""
    return {column.label: key_counts(column) for column in encrypted_columns()}


def _pending(ring: KeyRing, columns: list[Column]) -> bool:
    return any(
        next(stored_values(c, not_under=ring.primary_id, batch_size=1), None) for c in columns
    )


def _key_file() -> Path | None:
    path = settings.ENCRYPTION_KEY_FILE
    return Path(path) if path else None


def keys_rotate(
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> RotationReport:
    ring = reload_ring()
    columns = encrypted_columns()
    made_key = False
    if not _pending(ring, columns):
        key_file = _key_file()
        if key_file is None:
            raise KeyRingError(ENV_ROTATE_STEPS)
        if dry_run:
            return RotationReport(primary_id="(new)", new_key=True)
        ring = _add_primary(key_file)
        made_key = True
        progress(f"New primary key {ring.primary_id} written to {key_file}.")
        # Let running servers pick the new key up before the sweep, so that little is
        # written under the old one behind it (a later pass catches what is).
        time.sleep(SETTLE_SECONDS)
    else:
        progress(f"Finishing the rotation to key {ring.primary_id}.")
    report = RotationReport(primary_id=ring.primary_id, new_key=made_key)
    failed: dict[tuple[str, object], str] = {}
    for _ in range(MAX_PASSES):
        moved = 0
        for column in columns:
            result = column_reseal(column, ring=ring, batch_size=batch_size, dry_run=dry_run)
            report.resealed[column.label] += result.resealed
            moved += result.resealed + result.changed_meanwhile
            failed.update({(column.label, pk): why for pk, why in result.failed})
            if result.resealed:
                progress(f"{column.label}: {result.resealed} re-encrypted.")
        if dry_run or moved == 0:
            break
    report.failed = [(label, pk, why) for (label, pk), why in failed.items()]
    if not dry_run:
        for column in columns:
            left = sum(n for k, n in key_counts(column).items() if k != ring.primary_id)
            if left:
                report.left[column.label] = left
    return report


def _add_primary(key_file: Path) -> KeyRing:
    keys = read_key_file(key_file)
    added = ((new_key_id([k for k, _ in keys]), new_key()), *keys)
    write_key_file(key_file, added)
    reset_ring()
    return reload_ring()


def keys_retire(key_id: str) -> str:
    """Take a key off the ring once nothing is sealed under it; returns what was done."""
    ring = reload_ring()
    if ring.get(key_id) is None:
        raise KeyRingError(NOT_ON_RING.format(key_id=key_id, ids=", ".join(ring.ids)))
    if key_id == ring.primary_id:
        raise KeyRingError(RETIRE_PRIMARY.format(key_id=key_id))
    in_use = {label: counts[key_id] for label, counts in keys_status().items() if counts[key_id]}
    if in_use:
        where = ", ".join(f"{label}: {n}" for label, n in in_use.items())
        raise KeyRingError(
            RETIRE_IN_USE.format(key_id=key_id, count=sum(in_use.values()), where=where)
        )
    key_file = _key_file()
    if key_file is None:
        return RETIRE_ENV_STEP.format(key_id=key_id)
    keys = read_key_file(key_file)
    write_key_file(key_file, tuple((k, v) for k, v in keys if k != key_id))
    reset_ring()
    return f"Key {key_id} removed from {key_file}."


__all__ = ["NOT_ENCRYPTED", "KeyRingError", "keys_retire", "keys_rotate", "keys_status"]
