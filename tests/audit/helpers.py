"""Breaking and tampering with the audit table for real, inside the test's own transaction (so
the database is as it was when the test ends, whatever happens)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from reattune.audit.models import AuditEvent

TABLE = "audit_auditevent"
MIGRATION = importlib.import_module("reattune.audit.migrations.0001_initial")


def execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def run(statement: str, *params: int | str) -> None:
    """One statement with %s parameters (the table name is written out in each)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@contextmanager
def audit_inserts_fail() -> Iterator[None]:
    """The audit table refuses every new row, as a full disk or a broken table would."""
    if connection.vendor == "postgresql":
        execute(
            "CREATE FUNCTION test_audit_down() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit store down'; END $$",
            f"CREATE TRIGGER test_audit_down BEFORE INSERT ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION test_audit_down()",
        )
    else:
        execute(
            f"CREATE TRIGGER test_audit_down BEFORE INSERT ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'audit store down'); END"
        )
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            execute(f"DROP TRIGGER test_audit_down ON {TABLE}", "DROP FUNCTION test_audit_down()")
        else:
            execute("DROP TRIGGER test_audit_down")


@contextmanager
def tampering_allowed() -> Iterator[None]:
    """Someone with direct database access switches the append-only triggers off."""
    if connection.vendor == "postgresql":
        execute(
            f"ALTER TABLE {TABLE} DISABLE TRIGGER USER",
            f"GRANT UPDATE, DELETE ON {TABLE} TO CURRENT_USER",
        )
    else:
        execute(*MIGRATION.SQLITE_DROP)
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            execute(
                f"ALTER TABLE {TABLE} ENABLE TRIGGER USER",
                f"REVOKE UPDATE, DELETE ON {TABLE} FROM CURRENT_USER",
            )
        else:
            execute(*MIGRATION.SQLITE_TRIGGERS)


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def rows_since(seq: int, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq, **filters).order_by("seq"))


def request_rows(response: Any) -> list[AuditEvent]:
    """The rows written for one request (by its X-Request-ID), oldest first."""
    return list(AuditEvent.objects.filter(request_id=response["X-Request-ID"]).order_by("seq"))
