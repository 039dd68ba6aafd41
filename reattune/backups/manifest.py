"""The manifest written beside every backup: what the backup holds, so a restore can prove it
got all of it back. Read from the backup's own snapshot, never from the live database, so the
numbers match the backup exactly even while the app keeps writing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
AUDIT_TABLE = "audit_auditevent"

MANIFEST_MISSING = "There is no manifest beside the backup (expected {path})."
MANIFEST_UNREADABLE = "The backup's manifest {path} cannot be read: {problem}"


class Cursor(Protocol):
    """The part of a DB-API cursor the manifest needs (sqlite3 and psycopg both fit)."""

    def execute(self, query: str, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class AuditTail:
    """The last row of the audit chain: a restore must end on the same one."""

    last_seq: int | None = None
    last_hash: str = ""


@dataclass(frozen=True)
class DatabaseState:
    migrations: dict[str, list[str]]
    row_counts: dict[str, int]
    audit: AuditTail = field(default_factory=AuditTail)


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str  # "sqlite" or "postgresql"
    file: str
    sha256: str
    state: DatabaseState
    format: int = MANIFEST_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        state = raw["state"]
        return cls(
            created_at=str(raw["created_at"]),
            database=str(raw["database"]),
            file=str(raw["file"]),
            sha256=str(raw["sha256"]),
            format=int(raw["format"]),
            state=DatabaseState(
                migrations={str(k): [str(n) for n in v] for k, v in state["migrations"].items()},
                row_counts={str(k): int(v) for k, v in state["row_counts"].items()},
                audit=AuditTail(**state["audit"]),
            ),
        )


class ManifestError(Exception):
    """The manifest is missing or unreadable; the message is for the admin."""


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def manifest_read(backup: Path) -> Manifest:
    path = manifest_path(backup)
    if not path.exists():
        raise ManifestError(MANIFEST_MISSING.format(path=path))
    try:
        return Manifest.from_json(path.read_text())
    except (ValueError, KeyError, TypeError) as e:
        raise ManifestError(MANIFEST_UNREADABLE.format(path=path, problem=e)) from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def database_state(
    cursor: Cursor, tables: Iterable[str], quote: Callable[[str], str]
) -> DatabaseState:
    """Migrations applied, rows per table and the audit chain's tail, all through one cursor,
    so inside one snapshot they describe one moment."""
    names = sorted(tables)
    counts = {}
    for table in names:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(str(app), []).append(str(name))
    audit = AuditTail()
    if AUDIT_TABLE in counts:
        cursor.execute(f"SELECT seq, row_hash FROM {AUDIT_TABLE} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
        if row is not None:
            audit = AuditTail(last_seq=int(row[0]), last_hash=str(row[1]))
    return DatabaseState(migrations=migrations, row_counts=counts, audit=audit)


def state_differences(expected: DatabaseState, found: DatabaseState) -> list[str]:
    """What the restored database lacks or holds differently, in plain words."""
    problems = []
    for table, count in expected.row_counts.items():
        got = found.row_counts.get(table)
        if got is None:
            problems.append(f"table {table} is missing (the backup has {count} rows)")
        elif got != count:
            problems.append(f"table {table} has {got} rows; the backup has {count}")
    if found.migrations != expected.migrations:
        problems.append("the migrations recorded differ from the backup's")
    if found.audit != expected.audit:
        problems.append(
            f"the audit log ends at #{found.audit.last_seq} ({found.audit.last_hash[:12]}); "
            f"the backup's ends at #{expected.audit.last_seq} ({expected.audit.last_hash[:12]})"
        )
    return problems
