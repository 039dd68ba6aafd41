"""Requirement 22: the client's check link takes any posted junk without a server error, says
what is wrong in plain words, uses nothing up, and still saves a valid answer afterwards.

The fields are the ones the real form shows; each gets generated junk (strategies.py), mixed
with the answers the page itself offers, plus keys the form never asked for.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.checks.models import CheckLink, Response
from reattune.checks.services import check_link_create
from tests.bad_input.pages import form_fields
from tests.bad_input.strategies import junk, posted
from tests.checks.helpers import full_check
from tests.factories import ClinicWorld, make_session

pytestmark = pytest.mark.django_db

THANKS = "Thank you"
# What the form says about a problem: the summary at the top, or the item's own message.
PROBLEM_WORDS = ("Please", "problem", "answer")


def new_link(world: ClinicWorld, number: int) -> CheckLink:
    return check_link_create(
        session=make_session(world.case, number),
        participant=world.case.participants.get(),
        created_by=world.clinician,
    )


def test_junk_posted_to_a_check_link_never_breaks_it(world):
    link = new_link(world, 2)
    url = reverse("check_form", args=[link.token])
    phone = Client()
    fields = form_fields(phone.get(url).content.decode())
    assert len(fields) > 10, "the walk reads the real form's fields"
    sessions = iter(range(3, 10_000))
    state = {"url": url}

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        values=st.fixed_dictionaries({k: posted(v) for k, v in fields.items()}),
        extra=st.dictionaries(st.text(max_size=20), st.lists(junk(), max_size=2), max_size=3),
    )
    def check(values: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
        before = Response.objects.count()
        response = phone.post(state["url"], {**extra, **values})
        page = response.content.decode()
        assert response.status_code in (200, 400), response.status_code
        if response.status_code == 400:
            assert any(word in page for word in PROBLEM_WORDS), page[:500]
            assert Response.objects.count() == before, "a refused post stores nothing"
        elif THANKS in page:
            # Junk that happens to be a whole valid answer: carry on with a fresh link.
            state["url"] = reverse("check_form", args=[new_link(world, next(sessions)).token])

    check()
    answered = phone.post(state["url"], full_check())
    assert THANKS in answered.content.decode()


def test_a_nul_or_control_character_in_any_answer_is_refused_kindly(world):
    link = new_link(world, 2)
    url = reverse("check_form", args=[link.token])
    phone = Client()
    for name in form_fields(phone.get(url).content.decode()):
        for bad in ("\x00", "1\x00", "\x1b[31m", "\u202e9"):
            response = phone.post(url, full_check() | {name: bad})
            assert response.status_code in (200, 400), (name, bad)
            if response.status_code == 200:
                # Only the free-text comment may take it, and it is stored without NUL.
                assert name == "alliance-change", (name, bad)
                stored = Response.objects.get(link=link, measure_id="alliance")
                assert "\x00" not in str(stored.answers)
                link = new_link(world, 3 + Response.objects.count())
                url = reverse("check_form", args=[link.token])
