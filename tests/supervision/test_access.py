"""Who reaches which supervision page: anonymous, wrong role, another trainee, another clinic."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Role
from reattune.clinics.services import supervision_start
from reattune.supervision.models import ActionItem, Meeting, SupervisionRequest
from reattune.supervision.queue import queue_for
from reattune.supervision.services import meeting_create, topic_add
from tests.factories import make_person
from tests.repairs.helpers import body
from tests.supervision.helpers import alert, not_held

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world) -> Meeting:
    made, _ = meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=timezone.localdate(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    return made


def _urls(meeting: Meeting, action: ActionItem) -> list[str]:
    item = meeting.items.get()
    return [
        reverse("meeting_detail", args=[meeting.pk]),
        reverse("meeting_record", args=[meeting.pk]),
        reverse("meeting_amend", args=[item.pk]),
    ]


def _with_item(meeting: Meeting, world) -> ActionItem:
    topic_add(meeting=meeting, by=world.supervisor, title="Pacing")
    return ActionItem.objects.create(
        meeting=meeting, text="Read.", owner=world.trainee, due_on=timezone.localdate()
    )


def test_anonymous_is_sent_to_log_in_everywhere(world, client, meeting):
    action = _with_item(meeting, world)
    urls = [
        *_urls(meeting, action),
        reverse("supervision_queue"),
        reverse("meeting_list"),
        reverse("meeting_new"),
        reverse("hours"),
        reverse("hours_person", args=[world.trainee.pk]),
        reverse("supervision_request_new", args=["client", 1]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302, url
    for name in ("meeting_sign", "action_add", "meeting_topic"):
        assert client.post(reverse(name, args=[meeting.pk])).status_code == 302
    assert client.post(reverse("action_done", args=[action.pk])).status_code == 302
    assert not Meeting.objects.filter(status="signed").exists()


def test_another_trainee_cannot_see_a_trainees_meetings(world, login, meeting):
    action = _with_item(meeting, world)
    other = make_person(world.clinic, Role.TRAINEE)
    supervision_start(supervisor=world.supervisor, supervisee=other)
    them = login(other)
    for url in _urls(meeting, action):
        assert them.get(url).status_code == 404, url
    assert them.post(reverse("action_done", args=[action.pk])).status_code == 404
    listed = body(them.get(reverse("meeting_list")))
    assert reverse("meeting_detail", args=[meeting.pk]) not in listed


def test_another_supervisor_and_another_clinic_get_not_found(world, other_world, login, meeting):
    action = _with_item(meeting, world)
    outsiders = (
        make_person(world.clinic, Role.SUPERVISOR),
        other_world.supervisor,
        other_world.admin,
    )
    for outsider in outsiders:
        them = login(outsider)
        for url in _urls(meeting, action):
            assert them.get(url).status_code == 404, (outsider, url)
        assert them.post(reverse("meeting_sign", args=[meeting.pk])).status_code == 404


def test_the_supervisee_reads_their_meeting_but_sees_no_sign_button(world, login, meeting):
    page = body(login(world.trainee).get(reverse("meeting_detail", args=[meeting.pk])))
    assert "Sign off this meeting" not in page
    assert "can record notes and sign this meeting off" in page


def test_bring_to_supervision_on_someone_elses_record_is_not_found(world, other_world, login):
    theirs = alert(world.colleague_case, "not_on_track")
    url = reverse("supervision_request_new", args=["alert", theirs.pk])
    assert login(world.trainee).post(url, {"note": "x"}).status_code == 404
    elsewhere = alert(other_world.trainee_case, "not_on_track")
    url = reverse("supervision_request_new", args=["alert", elsewhere.pk])
    assert login(world.trainee).post(url, {"note": "x"}).status_code == 404
    bad_kind = reverse("supervision_request_new", args=["session", 1])
    assert login(world.trainee).get(bad_kind).status_code == 404
    assert not SupervisionRequest.objects.exists()


def test_bring_to_supervision_twice_makes_one_request_and_needs_a_note(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    url = reverse("supervision_request_new", args=["repair", repair.pk])
    trainee = login(world.trainee)
    assert trainee.post(url, {"note": ""}).status_code == 200
    assert trainee.post(url, {"note": "bad\x00"}).status_code == 200
    assert not SupervisionRequest.objects.exists()
    trainee.post(url, {"note": "Can we look at this?"})
    trainee.post(url, {"note": "Can we look at this?"})
    assert SupervisionRequest.objects.count() == 1
    assert [i.kind for i in queue_for(world.supervisor)] == ["not_held", "request"]


def test_an_admin_cannot_bring_to_supervision(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    url = reverse("supervision_request_new", args=["repair", repair.pk])
    assert login(world.admin).post(url, {"note": "x"}).status_code == 403
