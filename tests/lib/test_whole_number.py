"""Ids from query strings and hidden fields: only ASCII digits a database key can hold, so a
"²" or an Arabic-Indic "٣" is "no id" (a clear message or a 404), never a 500 or another row."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from reattune.lib.validation import whole_number

ODD = ["²", "٣", "1²", "-1", " 1", "1.0", "9" * 19, ""]


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_ascii_digits_are_read(value):
    assert whole_number(str(value)) == value


@given(st.text())
def test_anything_else_is_none_or_exactly_its_ascii_digits(raw):
    found = whole_number(raw)
    assert found is None or (raw.isascii() and raw.isdigit() and found == int(raw))


@pytest.mark.parametrize("raw", ODD)
def test_odd_ids_are_none(raw):
    assert whole_number(raw) is None


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["²", "٣", "9" * 30])
def test_odd_ids_in_query_strings_never_cause_a_server_error(world, login, raw):
    pages = [
        (world.supervisor, f"{reverse('review_new')}?repair={raw}"),
        (world.trainee, f"{reverse('reflection_new')}?repair={raw}"),
        (world.trainee, f"{reverse('reflection_new')}?meeting={raw}"),
        (world.supervisor, f"{reverse('rating_new', args=[world.trainee.pk])}?corrects={raw}"),
        (world.clinician, f"{reverse('repair_new')}?alert={raw}"),
        (world.supervisor, f"{reverse('meeting_new')}?supervisee={raw}"),
    ]
    for person, url in pages:
        assert login(person).get(url).status_code in (200, 302, 400, 404), url
