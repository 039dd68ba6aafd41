"""Requirement 18: SQLite runs in WAL mode with full synchronous writes, a busy timeout and
immediate transactions. The connection is a fresh one built by the settings code for a data
folder of the test's own, so this runs the same on the SQLite and the PostgreSQL CI runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler

from reattune import settings as settings_module
from reattune.lib.database import SQLITE_FILE_NAME

ALIAS = "durability_probe"
FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def settings_for(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """What reattune/settings.py gives DATABASES["default"] with no REATTUNE_DATABASE_URL and
    the data folder at `data_dir`: the real settings code, whatever this run is set up for."""
    monkeypatch.delenv("REATTUNE_DATABASE_URL", raising=False)
    monkeypatch.setattr(settings_module, "DATA_DIR", data_dir)
    return settings_module._database()


@pytest.fixture
def fresh_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, django_db_blocker
) -> Iterator[BaseDatabaseWrapper]:
    config = settings_for(tmp_path, monkeypatch)
    # The handler fills in Django's defaults; it insists on a "default" entry too.
    connection = ConnectionHandler({DEFAULT_DB_ALIAS: config, ALIAS: config})[ALIAS]
    # Registered so that transaction.atomic(using=ALIAS) finds it.
    connections[ALIAS] = connection
    with django_db_blocker.unblock():
        try:
            connection.ensure_connection()
            yield connection
        finally:
            connection.close()
            del connections[ALIAS]


def pragma(connection: BaseDatabaseWrapper, name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_without_a_database_url_the_settings_put_sqlite_in_the_data_folder(tmp_path, monkeypatch):
    config = settings_for(tmp_path / "data", monkeypatch)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == tmp_path / "data" / SQLITE_FILE_NAME


def test_a_fresh_connection_is_in_wal_mode(fresh_connection):
    assert pragma(fresh_connection, "journal_mode") == "wal"


def test_a_fresh_connection_syncs_every_commit_fully(fresh_connection):
    assert pragma(fresh_connection, "synchronous") == FULL


def test_a_fresh_connection_waits_for_a_busy_database_rather_than_failing(fresh_connection):
    busy_timeout = pragma(fresh_connection, "busy_timeout")
    assert isinstance(busy_timeout, int)
    assert busy_timeout >= 5000


def test_an_atomic_block_takes_the_write_lock_as_it_begins(fresh_connection, tmp_path):
    # A deferred BEGIN would take no lock until the first write; IMMEDIATE takes it at once,
    # so a second writer is refused while the first has only begun.
    other = sqlite3.connect(tmp_path / SQLITE_FILE_NAME, timeout=0, isolation_level=None)
    try:
        with transaction.atomic(using=fresh_connection.alias):
            assert fresh_connection.in_atomic_block
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            # WAL: a reader is not held up by the writer.
            assert other.execute("SELECT count(*) FROM sqlite_master").fetchone() is not None
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
