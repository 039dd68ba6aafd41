"""The supervision queue: what is in it, in what order, and whose cases it reaches."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Role, Supervision
from reattune.clinics.services import supervision_start
from reattune.supervision.queue import queue_for
from reattune.supervision.services import request_create
from tests.factories import make_case, make_person
from tests.repairs.helpers import body, open_by_hand
from tests.supervision.helpers import alert, harmful_with_overdue, not_held

pytestmark = pytest.mark.django_db


def _kinds(user, **kwargs):
    return [item.kind for item in queue_for(user, **kwargs)]


def test_it_holds_every_kind_most_urgent_first(world):
    case, trainee = world.trainee_case, world.trainee
    repair = not_held(case, trainee)
    alert(case, "not_on_track", number=2)
    alert(case, "safety", severity="urgent", number=3)
    harmful_with_overdue(case, trainee)
    request_create(by=trainee, note="How do I raise the fees?", client=repair.client)
    kinds = _kinds(world.supervisor)
    assert kinds[0] == "safety"
    assert kinds == sorted(
        kinds, key=["safety", "not_held", "overdue", "off_track", "request", "harm"].index
    )
    assert {"not_held", "overdue", "off_track", "request", "harm"} <= set(kinds)


def test_each_item_says_why_links_to_its_record_and_since_when(world):
    repair = not_held(world.trainee_case, world.trainee)
    item = next(i for i in queue_for(world.supervisor) if i.kind == "not_held")
    assert item.url == reverse("repair_detail", args=[repair.pk])
    assert "not back to their usual level by session 7" in item.why
    assert item.since == repair.verified_at
    assert item.clinician_ids == {world.trainee.pk}


def test_a_repair_that_did_not_hold_and_caused_harm_appears_once_with_both_reasons(world):
    case = world.trainee_case
    repair = not_held(case, world.trainee)
    repair.harm = "harm_mild"
    repair.save()
    items = [i for i in queue_for(world.supervisor) if i.key == f"repair:{repair.pk}"]
    assert [i.kind for i in items] == ["not_held"]
    assert "caused harm (mild)" in items[0].why


def test_a_harmless_open_repair_is_not_in_the_queue(world):
    open_by_hand(world.trainee_case, world.trainee)
    assert _kinds(world.supervisor) == []


def test_a_colleagues_records_never_appear(world):
    """The colleague is nobody's supervisee: their safety alert is not the supervisor's."""
    alert(world.colleague_case, "safety", severity="urgent")
    not_held(world.case, world.clinician)
    assert _kinds(world.supervisor) == []


def test_an_ended_supervision_takes_the_cases_out_at_once(world):
    alert(world.trainee_case, "safety", severity="urgent")
    assert _kinds(world.supervisor) == ["safety"]
    Supervision.objects.filter(supervisee=world.trainee).update(ends_on=timezone.localdate())
    assert _kinds(world.supervisor) == []


def test_another_clinics_supervisor_sees_nothing(world, other_world):
    alert(world.trainee_case, "safety", severity="urgent")
    assert _kinds(other_world.supervisor) == []


def test_the_supervisee_sees_their_own_items_and_nobody_elses(world):
    alert(world.trainee_case, "safety", severity="urgent")
    alert(world.case, "safety", severity="urgent")
    assert [i.url for i in queue_for(world.trainee)] == [
        reverse("alert_detail", args=[world.trainee_case.alerts.get().pk])
    ]


def test_with_two_supervisees_each_item_is_grouped_under_its_own(world, login):
    second = make_person(world.clinic, Role.TRAINEE, name="Second Trainee")
    supervision_start(supervisor=world.supervisor, supervisee=second)
    theirs = make_case(second)
    alert(theirs, "safety", severity="urgent")
    alert(world.trainee_case, "not_on_track")
    assert _kinds(world.supervisor, supervisee=second) == ["safety"]
    assert _kinds(world.supervisor, supervisee=world.trainee) == ["off_track"]
    assert _kinds(world.supervisor, supervisee=world.colleague) == []


def test_the_queue_page_for_a_supervisor_offers_a_meeting_per_supervisee(world, login):
    alert(world.trainee_case, "safety", severity="urgent")
    page = body(login(world.supervisor).get(reverse("supervision_queue")))
    assert "Supervision queue" in page
    assert f"Start a meeting with {world.trainee}" in page
    assert 'name="items"' in page


def test_the_queue_page_for_a_trainee_is_their_items(world, login):
    alert(world.trainee_case, "safety", severity="urgent")
    page = body(login(world.trainee).get(reverse("supervision_queue")))
    assert "My items for supervision" in page
    assert "Start a meeting" not in page


def test_the_queue_page_is_not_for_admins_or_anonymous(world, login, client):
    assert client.get(reverse("supervision_queue")).status_code == 302
    response = login(world.admin).get(reverse("supervision_queue"))
    assert response.status_code == 403
    assert "belongs to supervisors" in body(response)
