"""Requirement 16: free text is stored with authenticated encryption; the raw database shows
ciphertext, tampered or moved ciphertext raises, and the ORM reads the text back unchanged.

Every EncryptedTextField in every installed model is walked, so a field encrypted later is
covered without touching this module (one_of_each fails if it cannot make a row for it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.checks.models import Response
from reattune.learning.models import GoalNote, Reflection
from reattune.supervision.models import AgendaItem, Meeting
from reattune.vault.columns import encrypted_columns
from reattune.vault.crypto import PREFIX, TamperedCiphertext, UnknownKey
from reattune.vault.fields import ENCRYPTED_NOT_SEARCHABLE
from reattune.vault.keys import reset_ring
from tests.factories import ClinicWorld
from tests.vault.helpers import (
    column_of,
    encrypted_models,
    fill_every_encrypted_field,
    one_of_each,
    raw_value,
    set_raw_value,
)

pytestmark = pytest.mark.django_db


def test_every_model_with_encrypted_text_has_a_row_here(world: ClinicWorld) -> None:
    """Requirement 16: the walk below reaches every encrypted column."""
    made = {type(row) for row in one_of_each(world)}
    assert set(encrypted_models()) <= made, "add a row of the new model to one_of_each"


def test_the_raw_database_shows_ciphertext_and_the_orm_the_text_for_every_column(
    world: ClinicWorld, key_file: Path
) -> None:
    """Requirement 16: for each encrypted column, a SELECT on the raw table shows a sealed
    token and never the words; reading through the ORM gives the words back."""
    rows = one_of_each(world)
    by_table = {type(row)._meta.db_table: row for row in rows}
    written = fill_every_encrypted_field(rows)
    assert len(written) == len(encrypted_columns()) > 30
    for column, marker in written.items():
        row = by_table[column.table]
        stored = raw_value(column, row.pk)
        assert stored.startswith(f"{PREFIX}k1:"), column.label
        assert marker not in stored and "marker" not in stored, column.label
        fresh = type(row)._default_manager.get(pk=row.pk)
        value = getattr(fresh, column.label.rsplit(".", 1)[1])
        assert marker in (value["change"] if isinstance(value, dict) else value), column.label


def test_text_written_by_the_app_itself_is_stored_sealed(world: ClinicWorld) -> None:
    """Requirement 16: the narrative, the client's comment and the alert quoting it, as the
    services store them, are ciphertext in the table."""
    rows = one_of_each(world)
    repair_version = next(r for r in rows if type(r).__name__ == "RepairVersion")
    response = next(r for r in rows if type(r).__name__ == "Response")
    for column, pk, words in [
        (column_of(type(repair_version), "what_happened"), repair_version.pk, "rushed"),
        (column_of(type(response), "answers"), response.pk, "felt_off"),
    ]:
        stored = raw_value(column, pk)
        assert stored.startswith(PREFIX) and words not in stored


def test_empty_text_stays_empty_so_blank_and_has_text_rules_still_work(
    world: ClinicWorld,
) -> None:
    meeting = next(r for r in one_of_each(world) if isinstance(r, Meeting))
    item = AgendaItem.objects.create(
        meeting=meeting, position=2, source="topic", title="Blank notes"
    )
    assert raw_value(column_of(AgendaItem, "notes"), item.pk) == ""
    assert AgendaItem.objects.get(pk=item.pk).notes == ""
    assert AgendaItem.objects.filter(pk=item.pk, notes="").exists()


def test_a_flipped_byte_in_the_raw_column_raises_a_named_error(world: ClinicWorld) -> None:
    """Requirement 16: tampered ciphertext raises TamperedCiphertext, never a silent blank."""
    one_of_each(world)
    note = GoalNote.objects.get()
    column = column_of(GoalNote, "text")
    stored = raw_value(column, note.pk)
    middle = len(stored) - 20
    flipped = stored[:middle] + ("A" if stored[middle] != "A" else "B") + stored[middle + 1 :]
    set_raw_value(column, note.pk, flipped)
    with pytest.raises(TamperedCiphertext, match="failed its integrity check"):
        GoalNote.objects.get(pk=note.pk)


@pytest.mark.parametrize("where", ["last character", "plain text"])
def test_other_edits_to_the_raw_column_raise_too(world: ClinicWorld, where: str) -> None:
    one_of_each(world)
    note = GoalNote.objects.get()
    column = column_of(GoalNote, "text")
    stored = raw_value(column, note.pk)
    # The last character carries spare bits a lax decoder would ignore.
    last = stored[-1]
    changed = {
        "last character": stored[:-1] + ("B" if last == "A" else "A"),
        "plain text": "Did it twice.",
    }[where]
    set_raw_value(column, note.pk, changed)
    with pytest.raises(TamperedCiphertext):
        GoalNote.objects.get(pk=note.pk)


def test_a_value_copied_into_another_column_fails(world: ClinicWorld) -> None:
    """Requirement 16: the ciphertext is bound to its table and column."""
    rows = one_of_each(world)
    reflection = next(r for r in rows if isinstance(r, Reflection))
    note = GoalNote.objects.get()
    set_raw_value(
        column_of(GoalNote, "text"),
        note.pk,
        raw_value(column_of(Reflection, "text"), reflection.pk),
    )
    with pytest.raises(TamperedCiphertext):
        GoalNote.objects.get(pk=note.pk)
    # And within one table, from one column to its neighbour.
    set_raw_value(
        column_of(Reflection, "about"),
        reflection.pk,
        raw_value(column_of(Reflection, "text"), reflection.pk),
    )
    with pytest.raises(TamperedCiphertext):
        Reflection.objects.get(pk=reflection.pk)


def test_text_under_a_key_the_installation_lacks_says_so(
    world: ClinicWorld, key_file: Path, settings
) -> None:
    one_of_each(world)
    note_pk = GoalNote.objects.get().pk
    settings.ENCRYPTION_KEY_FILE = ""
    settings.ENCRYPTION_KEYS = (("k9", b"\x01" * 32),)
    reset_ring()
    with pytest.raises(UnknownKey, match="key k1, which this installation does not have"):
        GoalNote.objects.get(pk=note_pk)


def test_searching_encrypted_text_in_the_database_is_refused_not_silently_empty(
    world: ClinicWorld,
) -> None:
    one_of_each(world)
    with pytest.raises(FieldError, match="encrypted in the database"):
        GoalNote.objects.filter(text="Did it twice.").exists()
    with pytest.raises(FieldError):
        GoalNote.objects.filter(text__icontains="twice").exists()
    assert "encrypted" in ENCRYPTED_NOT_SEARCHABLE


def test_the_keys_are_not_the_secret_key(world: ClinicWorld, settings) -> None:
    """Requirement 16: changing Django's SECRET_KEY changes nothing about the stored text."""
    one_of_each(world)
    settings.SECRET_KEY = "an entirely different secret key, at least 32 characters"
    assert GoalNote.objects.get().text == "Did it twice."


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.one_of(
        st.just(""),
        st.text(),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=6000),
        st.just("enc1:k1:not-really-sealed"),
        st.just("\x00 NUL, emoji 🧭 and RTL שלום"),
    )
)
def test_any_text_survives_the_round_trip_through_the_orm(text: str, world: ClinicWorld) -> None:
    """Requirement 16: hypothesis writes arbitrary text (empty, unicode, long, NUL, text
    that looks like a sealed value) and reads the same text back."""
    reflection = Reflection.objects.create(
        clinic=world.clinic, person=world.clinician, prompt="noticed", text="x", about=text
    )
    assert Reflection.objects.get(pk=reflection.pk).about == text
    stored = raw_value(column_of(Reflection, "about"), reflection.pk)
    assert (stored == "") if text == "" else stored.startswith(PREFIX)


def test_a_client_s_answers_emptied_in_the_raw_column_raise_rather_than_read_as_nothing(
    world: ClinicWorld,
) -> None:
    response = next(r for r in one_of_each(world) if isinstance(r, Response))
    set_raw_value(column_of(Response, "answers"), response.pk, "")
    with pytest.raises(TamperedCiphertext, match="emptied"):
        Response.objects.get(pk=response.pk)
