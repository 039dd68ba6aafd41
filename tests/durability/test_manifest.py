"""Requirement 21 (the manifest): what a backup holds, written beside it, and how a restore
compares the database it produced with it."""

from __future__ import annotations

import sqlite3

import pytest

from reattune.backups.manifest import (
    MANIFEST_MISSING,
    AuditTail,
    DatabaseState,
    Manifest,
    ManifestError,
    database_state,
    manifest_path,
    manifest_read,
    state_differences,
)
from reattune.backups.sqlite import quote, tables

STATE = DatabaseState(
    migrations={"checks": ["0001_initial"]},
    row_counts={"checks_response": 3, "audit_auditevent": 2},
    audit=AuditTail(last_seq=2, last_hash="ab" * 32),
)


def test_a_manifest_reads_back_as_it_was_written(tmp_path):
    backup = tmp_path / "b.sqlite3"
    manifest = Manifest(
        created_at="2026-11-26T20:00:00+00:00",
        database="sqlite",
        file=backup.name,
        sha256="0" * 64,
        state=STATE,
    )
    manifest_path(backup).write_text(manifest.to_json())
    assert manifest_read(backup) == manifest


def test_a_backup_without_its_manifest_is_refused(tmp_path):
    backup = tmp_path / "b.sqlite3"
    with pytest.raises(ManifestError) as refused:
        manifest_read(backup)
    assert str(refused.value) == MANIFEST_MISSING.format(path=manifest_path(backup))


def test_the_same_state_has_no_differences():
    assert state_differences(STATE, STATE) == []


def test_missing_rows_a_missing_table_and_a_shorter_audit_log_are_each_named():
    found = DatabaseState(
        migrations=STATE.migrations,
        row_counts={"checks_response": 2},
        audit=AuditTail(last_seq=1, last_hash="cd" * 32),
    )
    problems = state_differences(STATE, found)
    assert "table checks_response has 2 rows; the backup has 3" in problems
    assert "table audit_auditevent is missing (the backup has 2 rows)" in problems
    assert any(p.startswith("the audit log ends at #1") for p in problems)


def test_the_state_is_read_from_the_database_itself(tmp_path):
    connection = sqlite3.connect(tmp_path / "db.sqlite3")
    connection.executescript(
        """
        CREATE TABLE django_migrations (app TEXT, name TEXT);
        INSERT INTO django_migrations VALUES ('checks', '0001_initial');
        CREATE TABLE audit_auditevent (seq INTEGER, row_hash TEXT);
        INSERT INTO audit_auditevent VALUES (1, 'first'), (2, 'second');
        """
    )
    state = database_state(connection.cursor(), tables(connection), quote)
    connection.close()
    assert state.migrations == {"checks": ["0001_initial"]}
    assert state.row_counts == {"audit_auditevent": 2, "django_migrations": 1}
    assert state.audit == AuditTail(last_seq=2, last_hash="second")
