"""SQLite backups through SQLite's online backup API, and restores by atomic rename.

The backup copies every page inside one read transaction, so it is one consistent moment even
while the app writes (WAL lets the writer go on meanwhile). The copy is switched out of WAL
mode so it is a single self-contained file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from reattune.backups.manifest import DatabaseState, database_state
from reattune.lib.database import SQLITE_BUSY_TIMEOUT

INTEGRITY_OK = "ok"
WAL_SUFFIXES = ("-wal", "-shm")


class SQLiteProblem(Exception):
    """A backup or restore step cannot go on; the message is for the admin."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [str(name) for (name,) in rows]


def integrity(connection: sqlite3.Connection) -> str:
    """'ok', or SQLite's own list of what is wrong."""
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def file_state(path: Path) -> tuple[str, DatabaseState]:
    """The integrity check's verdict and the state of a database file nobody else is using."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        verdict = integrity(connection)
        state = database_state(connection.cursor(), tables(connection), quote)
    finally:
        connection.close()
    return verdict, state


def sqlite_backup(*, source: Path, output: Path) -> DatabaseState:
    """Copy the live database at `source` into a new file at `output`; the state returned is
    read from the copy."""
    if not source.exists():
        raise SQLiteProblem(f"There is no database at {source}, so nothing to back up.")
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # client data: the owner's eyes only, from the first byte
    live = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT)
    copy = sqlite3.connect(partial, isolation_level=None)
    try:
        # All pages in one step: one read transaction, so one consistent moment.
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = integrity(copy)
        state = database_state(copy.cursor(), tables(copy), quote)
    finally:
        copy.close()
        live.close()
    if verdict != INTEGRITY_OK:
        partial.unlink(missing_ok=True)
        raise SQLiteProblem(f"The copy failed SQLite's integrity check: {verdict}")
    _fsync(partial)
    os.replace(partial, output)
    _fsync(output.parent)
    return state


def in_use(target: Path) -> bool:
    """True when another connection has the database open. Leaving WAL mode needs the only
    connection, so trying it is the test; on success the file is left checkpointed and alone,
    with no -wal file that could be paired with a new database put in its place."""
    if not target.exists():
        return False
    connection = sqlite3.connect(target, timeout=0, isolation_level=None)
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()
    return str(mode).lower() != "delete" or any(
        target.with_name(target.name + suffix).exists() for suffix in WAL_SUFFIXES
    )


def holds_data(target: Path) -> bool:
    if not target.exists() or target.stat().st_size == 0:
        return False
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        return bool(tables(connection))
    finally:
        connection.close()


def stage(*, backup: Path, target: Path) -> Path:
    """A copy of the backup beside the target, ready to be renamed into place."""
    staged = target.with_name(f".{target.name}.restoring")
    staged.unlink(missing_ok=True)
    with backup.open("rb") as src, staged.open("wb") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())
    return staged


def swap_in(*, staged: Path, target: Path, keep_as: Path | None) -> None:
    """Put the staged file in the target's place in one rename. The database it replaces is
    kept under `keep_as` (a second name for the same file, so nothing is copied)."""
    if keep_as is not None and target.exists():
        os.link(target, keep_as)
    os.replace(staged, target)
    _fsync(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
