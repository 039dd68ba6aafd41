"""Taking a backup while the app runs, and restoring one only after proving it whole.

backup_create  an online, consistent copy of the configured database and its manifest
backup_restore checks the file against its manifest, puts it in place, then checks the result:
               integrity, rows per table, and the audit chain
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from reattune.backups import postgres, sqlite
from reattune.backups.manifest import (
    DatabaseState,
    Manifest,
    ManifestError,
    manifest_path,
    manifest_read,
    sha256_of,
    state_differences,
)
from reattune.vault.keys import KEY_FILE_NAME

KEYS_FROM_ENVIRONMENT = "the REATTUNE_ENCRYPTION_KEYS variable"
KEY_REMINDER = (
    "This backup does not contain the encryption key ({keys}). Without the key the encrypted "
    "notes in it cannot be read: keep a copy of the key somewhere safe and separate from the "
    "backups (docs/backups.md)."
)
KEY_NEEDED = (
    "Reattune reads the encrypted notes with the key that sealed them: before starting it, put "
    "the key kept from when this backup was taken in place ({keys})."
)
BACKUP_EXISTS = "{path} already exists; choose a new name so no backup is overwritten."
BACKUP_MISSING = "There is no backup at {path}."
BACKUP_TAMPERED = (
    "The backup file does not match its manifest (sha256 {found}, manifest says {expected}): "
    "it was changed or damaged after it was taken. Nothing was restored."
)
WRONG_DATABASE = (
    "This is a {backup} backup, but Reattune is configured for {configured}. Nothing was restored."
)
IN_USE = (
    "The database is in use ({who}). Stop Reattune (the server and any other reattune "
    "command) before restoring. Nothing was restored."
)
HOLDS_DATA = (
    "The database already holds data. Restoring replaces all of it; run again with --force "
    "if that is what you want. Nothing was restored."
)
BACKUP_BROKEN = "The backup failed its checks before anything was replaced: {problems}"
RESTORED_BROKEN = "The restored database failed its checks: {problems}"
CHAIN_CHECK_MISSING = (
    "the audit chain could not be checked: this version has no reattune.audit.chain.verify_chain"
)
CHAIN_BROKEN = "the audit chain does not verify: {report}"


class BackupRefused(Exception):
    """No backup was written; the message says why."""


class RestoreRefused(Exception):
    """Nothing was changed; the message says why."""


class RestoreFailedChecks(Exception):
    """The backup was put in place but the result does not check out."""


@dataclass(frozen=True)
class BackupDone:
    path: Path
    manifest_path: Path
    manifest: Manifest
    keys: str


@dataclass(frozen=True)
class RestoreDone:
    manifest: Manifest
    chain: str
    integrity_checked: bool
    previous: Path | None = None
    notes: list[str] = field(default_factory=list)


def _vendor(db: Mapping[str, Any]) -> str:
    return "sqlite" if "sqlite3" in str(db["ENGINE"]) else "postgresql"


def _default_db() -> Mapping[str, Any]:
    return connections[DEFAULT_DB_ALIAS].settings_dict


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def default_output() -> Path:
    suffix = "sqlite3" if _vendor(_default_db()) == "sqlite" else "pgdump"
    return Path(settings.DATA_DIR) / "backups" / f"reattune-{_stamp()}.{suffix}"


def backup_create(*, output: Path | None = None) -> BackupDone:
    """Copy the configured database into a new file while the app keeps running, and write
    its manifest beside it. Both files are readable by their owner only."""
    db = _default_db()
    vendor = _vendor(db)
    path = (output or default_output()).resolve()
    if path.exists() or manifest_path(path).exists():
        raise BackupRefused(BACKUP_EXISTS.format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if vendor == "sqlite":
            state = sqlite.sqlite_backup(source=Path(db["NAME"]), output=path)
        else:
            state = postgres.postgres_backup(settings_dict=db, output=path)
    except (sqlite.SQLiteProblem, postgres.PostgresProblem) as e:
        raise BackupRefused(str(e)) from None
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database=vendor,
        file=path.name,
        sha256=sha256_of(path),
        state=state,
    )
    written = manifest_path(path)
    partial = written.with_name(f".{written.name}.partial")
    partial.write_text(manifest.to_json())
    partial.chmod(0o600)
    os.replace(partial, written)
    return BackupDone(path=path, manifest_path=written, manifest=manifest, keys=keys_location())


def keys_location() -> str:
    """Where this installation's encryption key comes from, for the reminders."""
    key_file = getattr(settings, "ENCRYPTION_KEY_FILE", None)
    if key_file == "":
        return KEYS_FROM_ENVIRONMENT
    return str(key_file or Path(settings.DATA_DIR) / KEY_FILE_NAME)


def backup_restore(*, backup: Path, force: bool = False) -> RestoreDone:
    """Restore `backup` into the configured database. Refuses (changing nothing) when the file
    does not match its manifest, the database is in use, or it holds data and `force` is off.
    After restoring, checks integrity, rows per table and the audit chain; RestoreFailedChecks
    if any of them fails."""
    manifest = _checked_manifest(backup)
    db = _default_db()
    vendor = _vendor(db)
    if manifest.database != vendor:
        raise RestoreRefused(WRONG_DATABASE.format(backup=manifest.database, configured=vendor))
    # Our own connections must not count as "in use", nor hold the old file open.
    connections.close_all()
    if vendor == "sqlite":
        previous = _restore_sqlite(backup, manifest, Path(db["NAME"]), force=force)
        problems = _sqlite_result_problems(Path(db["NAME"]), manifest.state)
    else:
        previous = None
        try:
            _restore_postgres(backup, db, force=force)
        except postgres.PostgresProblem as e:
            raise RestoreRefused(str(e)) from None
        problems = state_differences(manifest.state, postgres.current_state(db))
    chain, chain_problem = _chain()
    problems += [chain_problem] if chain_problem else []
    if problems:
        kept = f" The database as it was before is kept at {previous}." if previous else ""
        raise RestoreFailedChecks(RESTORED_BROKEN.format(problems="; ".join(problems)) + kept)
    return RestoreDone(
        manifest=manifest,
        chain=chain,
        integrity_checked=vendor == "sqlite",
        previous=previous,
        notes=[*_migration_notes(), KEY_NEEDED.format(keys=keys_location())],
    )


def _checked_manifest(backup: Path) -> Manifest:
    if not backup.is_file():
        raise RestoreRefused(BACKUP_MISSING.format(path=backup))
    try:
        manifest = manifest_read(backup)
    except ManifestError as e:
        raise RestoreRefused(str(e)) from None
    found = sha256_of(backup)
    if found != manifest.sha256:
        raise RestoreRefused(BACKUP_TAMPERED.format(found=found, expected=manifest.sha256))
    return manifest


def _restore_sqlite(backup: Path, manifest: Manifest, target: Path, *, force: bool) -> Path | None:
    if sqlite.in_use(target):
        raise RestoreRefused(IN_USE.format(who=f"{target} is open in another process"))
    had_data = sqlite.holds_data(target)
    if had_data and not force:
        raise RestoreRefused(HOLDS_DATA)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = sqlite.stage(backup=backup, target=target)
    # The copy is what gets restored, so it is the copy whose checksum must match.
    found = sha256_of(staged)
    if found != manifest.sha256:
        staged.unlink()
        raise RestoreRefused(BACKUP_TAMPERED.format(found=found, expected=manifest.sha256))
    problems = _sqlite_result_problems(staged, manifest.state)
    if problems:
        staged.unlink()
        raise RestoreRefused(BACKUP_BROKEN.format(problems="; ".join(problems)))
    keep_as = target.with_name(f"{target.name}.before-restore-{_stamp()}") if had_data else None
    sqlite.swap_in(staged=staged, target=target, keep_as=keep_as)
    return keep_as


def _sqlite_result_problems(path: Path, expected: DatabaseState) -> list[str]:
    verdict, state = sqlite.file_state(path)
    problems = [] if verdict == sqlite.INTEGRITY_OK else [f"integrity check: {verdict}"]
    return problems + state_differences(expected, state)


def _restore_postgres(backup: Path, db: Mapping[str, Any], *, force: bool) -> None:
    others = postgres.others_connected(db)
    if others:
        raise RestoreRefused(IN_USE.format(who=f"{others} other connection(s) to {db['NAME']}"))
    if postgres.holds_data(db) and not force:
        raise RestoreRefused(HOLDS_DATA)
    postgres.postgres_restore(settings_dict=db, backup=backup)


def _chain() -> tuple[str, str]:
    """The audit chain's report, and a problem ('' when it verifies)."""
    try:
        from reattune.audit.chain import verify_chain
    except ImportError:
        return "", CHAIN_CHECK_MISSING
    connections.close_all()
    report = verify_chain()
    return str(report), "" if report.ok else CHAIN_BROKEN.format(report=report)


def _migration_notes() -> list[str]:
    """An older backup restores into an older schema; say what to run next."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return []
    return [
        f"The backup predates {len(plan)} migration(s) in this version: run `reattune migrate`."
    ]
