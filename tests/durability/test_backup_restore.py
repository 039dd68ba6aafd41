"""Requirement 21: `reattune backup` takes an online, consistent backup while the app keeps
writing; `reattune restore` puts it into a fresh database and proves it: integrity, rows per
table as in the manifest, and the audit chain verified end to end."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing
from pathlib import Path

import psycopg
import pytest

from reattune.backups.manifest import manifest_path
from reattune.backups.services import BACKUP_TAMPERED, HOLDS_DATA, KEY_REMINDER
from reattune.vault.keys import KEY_FILE_NAME
from tests.durability.owndb import OwnDatabase, database_like

WRITES_BEFORE_BACKUP = 6


@pytest.fixture
def fresh_database(migrated_template: OwnDatabase, tmp_path: Path) -> Iterator[OwnDatabase]:
    """A database with no tables at all, as on a new server."""
    with database_like(migrated_template, tmp_path, empty=True) as database:
        yield database


def backup_name(database: OwnDatabase, folder: Path) -> Path:
    return folder / ("drill.sqlite3" if database.vendor == "sqlite" else "drill.pgdump")


def take_backup(database: OwnDatabase, path: Path) -> subprocess.CompletedProcess[str]:
    return database.reattune("backup", "--output", str(path))


def row_counts(database: OwnDatabase, tables: list[str]) -> dict[str, int]:
    return {t: int(database.query(f'SELECT count(*) FROM "{t}"')[0][0]) for t in tables}


def test_the_backup_drill_restores_everything_the_backup_holds(
    own_database: OwnDatabase, fresh_database: OwnDatabase, tmp_path
):
    writer = own_database.start_worker("write")
    try:
        assert writer.stdout is not None
        acks = 0
        while acks < WRITES_BEFORE_BACKUP:
            line = writer.stdout.readline()
            assert line, writer.stderr.read() if writer.stderr else ""
            acks += line.startswith("ack ")
        path = backup_name(own_database, tmp_path)
        backed_up = take_backup(own_database, path)
        # The writer was still going through the backup and after it.
        assert writer.stdout.readline().startswith("ack ")
        assert writer.poll() is None
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(timeout=30)

    manifest = json.loads(manifest_path(path).read_text())
    state = manifest["state"]
    assert state["row_counts"]["checks_response"] >= WRITES_BEFORE_BACKUP
    assert state["audit"]["last_seq"] >= WRITES_BEFORE_BACKUP
    assert "checks" in state["migrations"]

    # As the admin would: the key goes across separately, never inside the backup.
    shutil.copy(own_database.data_dir / KEY_FILE_NAME, fresh_database.data_dir / KEY_FILE_NAME)
    restored = fresh_database.reattune("restore", str(path), check=False)
    assert restored.returncode == 0, restored.stderr
    assert f"Audit chain intact: {state['row_counts']['audit_auditevent']} rows" in restored.stdout

    if fresh_database.vendor == "sqlite":
        assert fresh_database.sqlite_integrity() == "ok"
    assert row_counts(fresh_database, list(state["row_counts"])) == state["row_counts"]
    # The restored database takes new writes, its ids and audit chain carrying on.
    fresh_database.worker("write", "--count", "1")
    assert "Audit chain intact" in fresh_database.reattune("audit", "verify").stdout
    assert backed_up.returncode == 0


def test_a_backup_leaves_out_the_encryption_key_says_so_and_is_private(
    own_database: OwnDatabase, tmp_path
):
    path = backup_name(own_database, tmp_path)
    done = take_backup(own_database, path)
    key_file = own_database.data_dir / KEY_FILE_NAME
    keys = [
        line.split(":", 1)[1]
        for line in key_file.read_text().splitlines()
        if ":" in line and not line.startswith("#")
    ]
    assert keys
    backup_bytes = path.read_bytes()
    assert all(key.encode() not in backup_bytes for key in keys)
    assert all(
        base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)) not in backup_bytes for key in keys
    )
    assert KEY_REMINDER.format(keys=key_file) in done.stdout
    # Client data: the backup and its manifest are for their owner's eyes only.
    assert path.stat().st_mode & 0o077 == 0
    assert manifest_path(path).stat().st_mode & 0o077 == 0


def test_a_tampered_backup_is_refused_and_nothing_is_restored(
    own_database: OwnDatabase, fresh_database: OwnDatabase, tmp_path
):
    path = backup_name(own_database, tmp_path)
    take_backup(own_database, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    refused = fresh_database.reattune("restore", str(path), check=False)
    assert refused.returncode != 0
    assert BACKUP_TAMPERED.split("(")[0] in refused.stderr
    assert _tables(fresh_database) == []


def test_a_database_holding_data_is_only_replaced_with_force(own_database: OwnDatabase, tmp_path):
    path = backup_name(own_database, tmp_path)
    take_backup(own_database, path)
    own_database.worker("write", "--count", "1")

    refused = own_database.reattune("restore", str(path), check=False)
    assert refused.returncode != 0
    assert HOLDS_DATA in refused.stderr.replace("\n", " ")
    assert len(own_database.query("SELECT id FROM checks_response")) > 0

    forced = own_database.reattune("restore", str(path), "--force", check=False)
    assert forced.returncode == 0, forced.stderr
    if own_database.vendor == "sqlite":
        assert len(list(own_database.data_dir.glob("reattune.sqlite3.before-restore-*"))) == 1
    assert own_database.query("SELECT id FROM checks_response") == []


def test_a_database_in_use_is_not_restored_over(own_database: OwnDatabase, tmp_path):
    path = backup_name(own_database, tmp_path)
    take_backup(own_database, path)
    with _open_connection(own_database):
        refused = own_database.reattune("restore", str(path), "--force", check=False)
    assert refused.returncode != 0
    assert "The database is in use" in refused.stderr


def _open_connection(database: OwnDatabase) -> AbstractContextManager[object]:
    """Another process's connection, as a running server would hold."""
    if database.vendor == "sqlite":
        connection = sqlite3.connect(database.sqlite_path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("SELECT count(*) FROM django_migrations").fetchall()
        return closing(connection)
    return psycopg.connect(database.url)


def _tables(database: OwnDatabase) -> list[str]:
    if database.vendor == "sqlite":
        if not database.sqlite_path.exists():
            return []
        return [r[0] for r in database.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [
        r[0] for r in database.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
