"""Requirement 13: the audit log is append-only and hash-chained; `reattune audit verify`
detects an edited, deleted or reordered row, and the database refuses UPDATE and DELETE."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from reattune.audit.chain import BROKEN_LINK, EDITED, verify_chain
from reattune.audit.log import GENESIS_HASH, hash_of, record
from reattune.audit.models import Action, AuditEvent, Category
from tests.audit.helpers import TABLE, execute, last_seq, run, tampering_allowed

pytestmark = pytest.mark.django_db


def five_rows() -> list[AuditEvent]:
    return [
        record(category=Category.CLIENT, action=Action.READ, target=f"client_detail client_id={n}")
        for n in range(5)
    ]


def test_each_row_follows_on_from_the_last_and_hashes_everything_it_holds():
    first, second = five_rows()[:2]
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.row_hash
    assert hash_of(second) == second.row_hash
    stored = AuditEvent.objects.get(pk=second.pk)
    assert hash_of(stored) == second.row_hash, "the hash survives a round trip to the database"
    assert AuditEvent.objects.get(seq=1).prev_hash == GENESIS_HASH


def test_a_row_with_an_address_hashes_the_same_after_the_database_has_stored_it(rf):
    for address in ("203.0.113.9", "2001:DB8:0:0::1", "::ffff:198.51.100.7"):
        event = record(
            category=Category.SIGN_IN,
            action=Action.LOGIN,
            request=rf.get("/", REMOTE_ADDR=address),
        )
        stored = AuditEvent.objects.get(pk=event.pk)
        assert hash_of(stored) == stored.row_hash, address
    assert verify_chain().ok


def test_a_clean_chain_verifies():
    five_rows()
    report = verify_chain()
    assert report.ok, str(report)
    assert report.rows == last_seq()
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_the_database_refuses_to_update_an_audit_row():
    event = five_rows()[2]
    with pytest.raises(DatabaseError), transaction.atomic():
        run("UPDATE audit_auditevent SET target = 'nothing to see' WHERE seq = %s", event.seq)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="ok", user_label="someone else")
    assert AuditEvent.objects.get(pk=event.pk).target == event.target


def test_the_database_refuses_to_delete_an_audit_row():
    event = five_rows()[2]
    with pytest.raises(DatabaseError), transaction.atomic():
        run("DELETE FROM audit_auditevent WHERE seq = %s", event.seq)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_emptying_the_whole_table_is_refused():
    """Requirement 13: TRUNCATE on PostgreSQL, and on SQLite a DELETE with no WHERE (SQLite's
    only way to empty a table) are both refused by the database."""
    five_rows()
    statement = f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}"
    with pytest.raises(DatabaseError), transaction.atomic():
        execute(statement)
    assert AuditEvent.objects.count() >= 5


def test_the_runtime_role_can_add_rows_but_not_change_remove_or_unguard_them():
    """Requirement 13: on PostgreSQL the application runs as a role with only SELECT and INSERT
    on the audit table (docs/audit.md); as that role UPDATE, DELETE, TRUNCATE, switching the
    triggers off and granting itself more are all refused, while writing a row still works. On
    SQLite, which has no roles, the triggers are the guard: they refuse UPDATE and DELETE."""
    event = five_rows()[2]
    if connection.vendor != "postgresql":
        for statement in (
            f"UPDATE {TABLE} SET user_label = 'x' WHERE seq = %s",
            f"DELETE FROM {TABLE} WHERE seq = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                run(statement, event.seq)
        return
    role = f"reattune_runtime_{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        execute(f"CREATE ROLE {role} NOLOGIN")
        execute(f"GRANT SELECT, INSERT ON {TABLE} TO {role}")
        execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        execute(f"SET LOCAL ROLE {role}")
        for statement in (
            f"UPDATE {TABLE} SET user_label = 'x' WHERE seq = {event.seq}",
            f"DELETE FROM {TABLE} WHERE seq = {event.seq}",
            f"TRUNCATE {TABLE}",
            f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        ):
            with (
                pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
                transaction.atomic(),
            ):
                execute(statement)
        # Granting itself more only warns "no privileges were granted": check it gained none.
        execute(f"GRANT UPDATE, DELETE ON {TABLE} TO {role}")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT has_table_privilege(%s, %s, 'UPDATE') OR "
                "has_table_privilege(%s, %s, 'DELETE')",
                [role, TABLE, role, TABLE],
            )
            assert cursor.fetchone() == (False,)
        record(category=Category.SYSTEM, action=Action.READ, target="as the runtime role")
        execute("RESET ROLE")
        transaction.set_rollback(True)
    assert AuditEvent.objects.filter(pk=event.pk, user_label=event.user_label).exists()


def verify_fails_at(seq: int, reason: str) -> None:
    report = verify_chain()
    assert not report.ok
    assert (report.first_bad_seq, report.reason) == (seq, reason), str(report)
    with pytest.raises(CommandError, match=f"broken at row {seq}") as failure:
        call_command("audit", "verify")
    assert failure.value.returncode == 1


def test_verify_finds_an_edited_row():
    event = five_rows()[2]
    with tampering_allowed():
        run("UPDATE audit_auditevent SET outcome = 'ok', target = 'home' WHERE seq = %s", event.seq)
    verify_fails_at(event.seq, EDITED)


def test_verify_finds_an_edited_row_whose_hash_was_recomputed():
    event = five_rows()[2]
    with tampering_allowed():
        event.user_label = "someone-else@example.org"
        fixed = hash_of(event)
        run(
            "UPDATE audit_auditevent SET user_label = %s, row_hash = %s WHERE seq = %s",
            event.user_label,
            fixed,
            event.seq,
        )
    verify_fails_at(event.seq + 1, BROKEN_LINK)


def test_verify_finds_a_deleted_middle_row():
    rows = five_rows()
    with tampering_allowed():
        run("DELETE FROM audit_auditevent WHERE seq = %s", rows[2].seq)
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == rows[3].seq
    assert f"should be {rows[2].seq}" in report.reason
    with pytest.raises(CommandError, match=f"broken at row {rows[3].seq}"):
        call_command("audit", "verify")


def test_verify_finds_two_swapped_rows():
    rows = five_rows()
    a, b = rows[1].seq, rows[2].seq
    with tampering_allowed():
        run("UPDATE audit_auditevent SET seq = 999999999 WHERE seq = %s", a)
        run("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", a, b)
        run("UPDATE audit_auditevent SET seq = %s WHERE seq = 999999999", b)
    verify_fails_at(a, BROKEN_LINK)


def test_tampering_needs_the_triggers_switched_off_and_they_come_back():
    rows = five_rows()
    with tampering_allowed():
        pass
    with pytest.raises(DatabaseError), transaction.atomic():
        run("DELETE FROM audit_auditevent WHERE seq = %s", rows[0].seq)
    assert verify_chain().ok
