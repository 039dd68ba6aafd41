"""The check form's questions are rendered once per measure while blank (reattune/checks/
form_render.py); a form that comes back with answers or problems must never be served from that
store, nor leave its answers in it for the next client."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reattune.checks.form_render import _BLANK
from reattune.checks.models import CheckLink
from reattune.checks.services import check_link_create
from reattune.measures.registry import get_definition
from tests.checks.helpers import full_check

pytestmark = pytest.mark.django_db

CHECKED = re.compile(r'name="([a-z0-9_-]+)" value="([^"]*)" checked')


def _link(world, number: int) -> CheckLink:
    session = world.case.sessions.create(number=number)
    return check_link_create(
        session=session, participant=world.case.participants.get(), created_by=world.clinician
    )


def test_a_returned_form_keeps_its_answers_and_the_next_blank_form_has_none(client, world):
    first, second = _link(world, 2), _link(world, 3)
    blank = client.get(reverse("check_form", args=[first.token])).content.decode()
    assert not CHECKED.findall(blank)
    assert id(get_definition("alliance")) in _BLANK  # kept for the next client

    answers = full_check(phq9__q3="")  # one question missed
    returned = client.post(reverse("check_form", args=[first.token]), answers)
    assert returned.status_code == 400
    checked = dict(CHECKED.findall(returned.content.decode()))
    assert checked["phq9-q1"] == "1"
    assert checked["alliance-respected"] == "9"
    assert "phq9-q3" not in checked
    assert 'id="phq9-q3-error"' in returned.content.decode()

    again = client.get(reverse("check_form", args=[second.token])).content.decode()
    assert not CHECKED.findall(again)
    assert "-error" not in again
    # Every question of the blank form is still there, the same as the first client's.
    assert again.count('type="radio"') == blank.count('type="radio"') > 0
