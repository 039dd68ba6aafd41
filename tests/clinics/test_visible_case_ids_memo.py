"""`visible_case_ids` is read once per page view (reattune/clinics/access.py): a page asks for
it once per `for_user()`. Only a read by the person themself is kept, and never across requests
or in a request that changes things, which must see its own changes."""

from __future__ import annotations

import pytest

from reattune.audit.log import current_request
from reattune.cases.models import CaseClinician
from reattune.clinics.access import visible_case_ids

pytestmark = pytest.mark.django_db


def _during(request, call):
    token = current_request.set(request)
    try:
        return call()
    finally:
        current_request.reset(token)


def test_a_page_view_reads_the_ids_once(rf, world, django_assert_num_queries):
    request = rf.get("/")
    request.user = world.clinician

    def twice():
        first = visible_case_ids(world.clinician)
        with django_assert_num_queries(0):
            again = visible_case_ids(world.clinician)
        return first, again

    first, again = _during(request, twice)
    assert first == again == [world.case.pk]
    # Someone else's ids, asked for during this person's page view, are their own.
    theirs = _during(request, lambda: visible_case_ids(world.colleague))
    assert theirs == [world.colleague_case.pk]


def test_a_change_sees_its_own_new_assignment(rf, world):
    request = rf.post("/")
    request.user = world.clinician

    def assign_then_read():
        before = visible_case_ids(world.clinician)
        CaseClinician.objects.create(
            case=world.colleague_case, clinician=world.clinician, clinic=world.clinic
        )
        return before, visible_case_ids(world.clinician)

    before, after = _during(request, assign_then_read)
    assert before == [world.case.pk]
    assert sorted(after) == sorted([world.case.pk, world.colleague_case.pk])


def test_the_next_page_view_reads_them_afresh(rf, world):
    first = rf.get("/")
    first.user = world.clinician
    assert _during(first, lambda: visible_case_ids(world.clinician)) == [world.case.pk]
    CaseClinician.objects.filter(case=world.case, clinician=world.clinician).delete()
    second = rf.get("/")
    second.user = world.clinician
    assert _during(second, lambda: visible_case_ids(world.clinician)) == []
