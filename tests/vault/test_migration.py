"""Requirement 16: the migrations that encrypt free text seal what is already stored, leave
sealed values alone when run again, and open them on the way back."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from reattune.checks.models import Response
from reattune.learning.models import GoalNote
from reattune.vault.crypto import PREFIX
from reattune.vault.migration import _open_all, _seal_all
from tests.factories import ClinicWorld
from tests.vault.helpers import column_of, one_of_each, raw_value, set_raw_value

pytestmark = pytest.mark.django_db
EDITOR = SimpleNamespace(connection=connection)


def test_existing_plain_text_and_json_are_sealed_and_opened_again(world: ClinicWorld) -> None:
    one_of_each(world)
    note, response = GoalNote.objects.get(), Response.objects.first()
    assert response is not None
    text_column, json_column = column_of(GoalNote, "text"), column_of(Response, "answers")
    answers = json.dumps({"change": "Slower, please", "felt_off": "yes"})
    # As the rows were before the migration: plain text, and JSON as the JSON field kept it.
    set_raw_value(text_column, note.pk, "Plain before the migration.")
    set_raw_value(json_column, response.pk, answers)

    _seal_all("learning", ["goalnote.text"], apps, EDITOR)
    _seal_all("checks", ["response.answers"], apps, EDITOR)
    sealed = raw_value(text_column, note.pk)
    assert sealed.startswith(PREFIX) and "Plain" not in sealed
    assert raw_value(json_column, response.pk).startswith(PREFIX)
    assert GoalNote.objects.get(pk=note.pk).text == "Plain before the migration."
    assert Response.objects.get(pk=response.pk).answers["change"] == "Slower, please"

    _seal_all("learning", ["goalnote.text"], apps, EDITOR)  # run again: nothing changes
    assert raw_value(text_column, note.pk) == sealed

    _open_all("learning", ["goalnote.text"], apps, EDITOR)
    _open_all("checks", ["response.answers"], apps, EDITOR)
    assert raw_value(text_column, note.pk) == "Plain before the migration."
    assert json.loads(raw_value(json_column, response.pk))["change"] == "Slower, please"
