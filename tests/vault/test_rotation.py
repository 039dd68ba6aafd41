"""Requirement 16: `reattune keys rotate` re-encrypts everything under a new key without
downtime: old text reads during and after, the app keeps writing while it runs, and a rotation
stopped half-way finishes when run again. `keys retire` refuses while a key still seals text."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from reattune.learning.models import GoalNote
from reattune.vault import columns, keys, rotation
from reattune.vault.crypto import seal
from reattune.vault.keys import KeyRing, new_key, parse_keys, read_key_file, reset_ring
from reattune.vault.rotation import (
    ENV_ROTATE_STEPS,
    KeyRingError,
    keys_retire,
    keys_rotate,
    keys_status,
)
from tests.factories import ClinicWorld
from tests.vault.helpers import (
    column_of,
    fill_every_encrypted_field,
    one_of_each,
    raw_value,
    set_raw_value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_settling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rotation, "SETTLE_SECONDS", 0)


def _all_read(rows: list[models.Model], written: dict[Any, str]) -> None:
    """Every marker reads back through the ORM (what a page would show)."""
    by_table = {type(row)._meta.db_table: row for row in rows}
    for column, marker in written.items():
        row = by_table[column.table]
        value = getattr(type(row)._default_manager.get(pk=row.pk), column.label.rsplit(".", 1)[1])
        assert marker in (value["change"] if isinstance(value, dict) else value), column.label


def _keys_in_use() -> set[str]:
    return {key_id for counts in keys_status().values() for key_id in counts}


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, calls: int, also: Callable[[], None]) -> None:
    real = columns.replace_value
    seen = {"n": 0}

    def replace(*args: Any, **kwargs: Any) -> bool:
        seen["n"] += 1
        if seen["n"] > calls:
            raise RuntimeError("the rotation was stopped")
        done = real(*args, **kwargs)
        also()
        return done

    monkeypatch.setattr(columns, "replace_value", replace)


def test_rotation_re_encrypts_everything_under_a_new_key_and_old_text_reads_after(
    world: ClinicWorld, key_file: Path
) -> None:
    """Requirement 16: after `keys rotate`, every encrypted column holds values under the new
    primary key only, the old key stays on the ring for reading, and every text reads back."""
    rows = one_of_each(world)
    written = fill_every_encrypted_field(rows)
    report = keys_rotate(batch_size=3)
    ring_ids = [k for k, _ in read_key_file(key_file)]
    assert report.new_key and report.complete
    assert ring_ids == [report.primary_id, "k1"]
    assert _keys_in_use() == {report.primary_id}
    assert sum(report.resealed.values()) >= len(written)
    _all_read(rows, written)
    # Nothing left under k1: it can go, and everything still reads.
    keys_retire("k1")
    assert [k for k, _ in read_key_file(key_file)] == [report.primary_id]
    reset_ring()
    _all_read(rows, written)


def test_the_app_reads_and_writes_while_the_rotation_runs(
    world: ClinicWorld, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requirement 16, without downtime: between the rotation's batches, old and new text
    both read, and a note saved meanwhile is sealed under the new key and survives."""
    rows = one_of_each(world)
    written = fill_every_encrypted_field(rows)
    goal = GoalNote.objects.get().goal
    saved: list[int] = []

    def app_at_work() -> None:
        if len(saved) < 3:
            _all_read(rows, written)
            saved.append(
                GoalNote.objects.create(goal=goal, written_by=world.trainee, text="Mid").pk
            )

    _interrupt_after(monkeypatch, 10_000, app_at_work)
    report = keys_rotate(batch_size=2)
    assert report.complete and len(saved) == 3
    assert {n.text for n in GoalNote.objects.filter(pk__in=saved)} == {"Mid"}
    for pk in saved:
        assert raw_value(column_of(GoalNote, "text"), pk).startswith(f"enc1:{report.primary_id}:")


def test_an_interrupted_rotation_resumes_under_the_same_new_key(
    world: ClinicWorld, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requirement 16: a rotation stopped half-way leaves every text readable (some under
    the old key, some under the new); run again, it finishes that rotation, adding no key."""
    rows = one_of_each(world)
    written = fill_every_encrypted_field(rows)
    _interrupt_after(monkeypatch, 5, lambda: None)
    with pytest.raises(RuntimeError):
        keys_rotate(batch_size=2)
    new_primary = read_key_file(key_file)[0][0]
    assert _keys_in_use() == {"k1", new_primary}
    _all_read(rows, written)
    with pytest.raises(KeyRingError, match="still seals"):
        keys_retire("k1")

    monkeypatch.undo()
    monkeypatch.setattr(rotation, "SETTLE_SECONDS", 0)
    report = keys_rotate(batch_size=2)
    assert not report.new_key and report.primary_id == new_primary and report.complete
    assert [k for k, _ in read_key_file(key_file)] == [new_primary, "k1"]
    assert _keys_in_use() == {new_primary}
    _all_read(rows, written)


def test_a_running_server_picks_up_a_key_another_process_added(
    world: ClinicWorld, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requirement 16, without downtime: a server started before the rotation opens text
    sealed under the new key (it re-reads the key file) and then seals with it."""
    one_of_each(world)
    note = GoalNote.objects.get()
    monkeypatch.setattr(keys, "RELOAD_SECONDS", 3600)  # it will not look on its own
    assert keys.current_ring().primary_id == "k1"
    fresh = (("k2", new_key()), *read_key_file(key_file))
    keys.write_key_file(key_file, fresh)  # what `keys rotate` in another process does
    column = column_of(GoalNote, "text")
    set_raw_value(column, note.pk, seal("Sealed elsewhere.", column.place, KeyRing(fresh)))
    assert GoalNote.objects.get(pk=note.pk).text == "Sealed elsewhere."
    assert keys.current_ring().primary_id == "k2"


def test_rotation_with_keys_from_the_environment_says_what_to_do_then_finishes(
    world: ClinicWorld, settings
) -> None:
    """Requirement 16: with REATTUNE_ENCRYPTION_KEYS the command cannot change the keys; once
    the new key is put first, `keys rotate` re-encrypts everything under it."""
    k1 = ("k1", new_key())
    settings.ENCRYPTION_KEY_FILE = ""
    settings.ENCRYPTION_KEYS = (k1,)
    reset_ring()
    rows = one_of_each(world)
    written = fill_every_encrypted_field(rows)
    with pytest.raises(KeyRingError) as refused:
        keys_rotate()
    assert str(refused.value) == ENV_ROTATE_STEPS
    settings.ENCRYPTION_KEYS = (("k2", new_key()), k1)
    reset_ring()
    assert keys_rotate(batch_size=50).complete
    assert _keys_in_use() == {"k2"}
    _all_read(rows, written)
    assert "Remove its entry from REATTUNE_ENCRYPTION_KEYS" in keys_retire("k1")
    reset_ring()


def test_retire_refuses_the_primary_and_a_key_not_on_the_ring(key_file: Path) -> None:
    with pytest.raises(KeyRingError, match="is the primary key"):
        keys_retire("k1")
    with pytest.raises(KeyRingError, match="no key k7"):
        keys_retire("k7")


def test_a_value_that_fails_its_check_is_reported_and_the_rotation_does_not_finish(
    world: ClinicWorld, key_file: Path
) -> None:
    one_of_each(world)
    note = GoalNote.objects.get()
    column = column_of(GoalNote, "text")
    stored = raw_value(column, note.pk)
    set_raw_value(column, note.pk, stored[:30] + ("A" if stored[30] != "A" else "B") + stored[31:])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="not finished"):
        call_command("keys", "rotate", stdout=out, stderr=err)
    assert f"learning.GoalNote.text, row {note.pk}" in err.getvalue()
    assert "Did it twice" not in out.getvalue() + err.getvalue()


def test_the_command_prints_a_new_key_status_and_rotates(
    world: ClinicWorld, key_file: Path
) -> None:
    """Requirement 16: `reattune keys new|status|rotate|retire`."""
    one_of_each(world)
    out = io.StringIO()
    call_command("keys", "new", stdout=out, stderr=io.StringIO())
    entry = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{6}:[A-Za-z0-9_-]{43}", entry)
    assert parse_keys(entry, where="test")[0][1] != new_key()

    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "Primary key: k1." in out.getvalue()
    assert re.search(r"learning\.GoalNote\.text: k1: 1\b", out.getvalue())

    call_command("keys", "rotate", "--dry-run", stdout=io.StringIO())
    assert [k for k, _ in read_key_file(key_file)] == ["k1"]
    call_command("keys", "rotate", "--batch-size", "4", stdout=io.StringIO())
    call_command("keys", "retire", "k1", stdout=io.StringIO())
    assert len(read_key_file(key_file)) == 1
    assert "k1" not in _keys_in_use()
