"""Items leave the queue when dealt with or discussed, never silently: each is listed under
"Recently left the queue" with the reason."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.alerts.services import alert_acknowledge, alert_dismiss
from reattune.repairs.obligations import obligation_complete
from reattune.repairs.services import repair_close
from reattune.supervision.left import recently_left
from reattune.supervision.models import SupervisionRequest
from reattune.supervision.queue import queue_for
from reattune.supervision.services import meeting_create, request_create
from tests.repairs.helpers import body
from tests.supervision.helpers import alert, harmful_with_overdue, not_held, signed_meeting

pytestmark = pytest.mark.django_db


def _keys(user):
    return {item.key for item in queue_for(user)}


def test_an_acknowledged_safety_alert_leaves_and_says_who_acknowledged_it(world):
    safety = alert(world.trainee_case, "safety", severity="urgent")
    alert_acknowledge(alert=safety, by=world.trainee)
    assert f"alert:{safety.pk}" not in _keys(world.supervisor)
    [left] = recently_left(world.supervisor)
    assert left.reason.startswith(f"Acknowledged by {world.trainee} on ")


def test_a_dismissed_alert_leaves_with_its_reason(world):
    off = alert(world.trainee_case, "not_on_track")
    alert_dismiss(alert=off, by=world.trainee, reason="Scores were from the wrong form.")
    assert _keys(world.supervisor) == set()
    [left] = recently_left(world.supervisor)
    assert "Dismissed by" in left.reason and "wrong form" in left.reason


def test_a_done_obligation_leaves_with_who_did_it_and_when_it_was_due(world):
    _, overdue = harmful_with_overdue(world.trainee_case, world.trainee)
    obligation_complete(obligation=overdue, by=world.trainee)
    assert f"obligation:{overdue.pk}" not in _keys(world.supervisor)
    reasons = [item.reason for item in recently_left(world.supervisor)]
    assert any(r.startswith(f"Done by {world.trainee}") and "was due on" in r for r in reasons)


def test_a_repair_closed_after_it_did_not_hold_leaves_with_the_reason(world):
    repair = not_held(world.trainee_case, world.trainee)
    repair_close(repair=repair, by=world.trainee, reason="The client ended therapy.")
    assert _keys(world.supervisor) == set()
    [left] = recently_left(world.supervisor)
    assert "Closed by" in left.reason and "ended therapy" in left.reason


def test_discussed_in_a_signed_meeting_leaves_with_the_meetings_date(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    meeting = signed_meeting(world.supervisor, world.trainee, [f"repair:{repair.pk}"])
    assert _keys(world.supervisor) == set()
    [left] = recently_left(world.supervisor)
    assert left.reason == f"Discussed in the supervision meeting of {meeting.held_on:%-d %b %Y}."
    assert left.url == reverse("meeting_detail", args=[meeting.pk])
    page = body(login(world.supervisor).get(reverse("supervision_queue")))
    assert "Recently left the queue" in page and "Discussed in the supervision meeting" in page


def test_a_draft_meeting_keeps_the_item_in_the_queue_and_says_so(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=timezone.localdate(),
        item_keys=[f"repair:{repair.pk}"],
        form_key=uuid.uuid4(),
    )
    assert f"repair:{repair.pk}" in _keys(world.supervisor)
    page = body(login(world.supervisor).get(reverse("supervision_queue")))
    assert "on the agenda of the draft meeting" in page


def test_a_request_leaves_when_its_meeting_is_signed_and_is_resolved_by_it(world):
    request, _ = request_create(
        by=world.trainee, note="Fees?", client=world.trainee_case.participants.get().client
    )
    meeting = signed_meeting(world.supervisor, world.trainee, [f"request:{request.pk}"])
    assert SupervisionRequest.objects.get(pk=request.pk).resolved_by_meeting == meeting
    assert _keys(world.supervisor) == set()


def test_a_repair_that_fails_again_after_discussion_comes_back(world):
    """Discussion counts for the verdict it discussed; a later "did not hold" is new."""
    repair = not_held(world.trainee_case, world.trainee)
    signed_meeting(world.supervisor, world.trainee, [f"repair:{repair.pk}"])
    repair.verified_at = timezone.now()
    repair.save()
    assert f"repair:{repair.pk}" in _keys(world.supervisor)
