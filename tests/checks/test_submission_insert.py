"""A client's answers are written with one INSERT where the database returns the new rows'
ids, and one row at a time where it cannot (SQLite before 3.35): the same rows either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from reattune.checks.models import Response
from reattune.checks.services import check_link_create
from tests.checks.helpers import full_check

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("returns_ids", [True, False])
def test_the_answers_are_stored_with_their_ids_either_way(client, world, monkeypatch, returns_ids):
    # A property on some backends: replaced on the class for this test only.
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", returns_ids)
    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    response = client.post(reverse("check_form", args=[link.token]), full_check())
    assert response.status_code == 200 and "Thank you" in response.text
    stored = {r.measure_id: r.total for r in Response.objects.filter(link=link)}
    assert stored == {"alliance": 35, "phq9": 8, "gad7": 7}
