"""Meetings: created from queue items, actions carried over, signed off by the supervisor
only, amended (never edited) once signed, and double submits that create nothing twice."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reattune.supervision import services
from reattune.supervision.forms import ACTION_DUE_PAST
from reattune.supervision.models import ActionItem, AgendaItem, Amendment, Meeting, Source
from tests.repairs.helpers import body, flashed
from tests.supervision.helpers import alert, not_held, signed_meeting

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def _create(login, world, keys, form_key=None, **extra):
    data = {
        "supervisee": str(world.trainee.pk),
        "held_on": timezone.localdate().isoformat(),
        "items": keys,
        "form_key": str(form_key or uuid.uuid4()),
    } | extra
    return login(world.supervisor).post(reverse("meeting_new"), data)


def _meeting(world) -> Meeting:
    return Meeting.objects.get(supervisee=world.trainee, status="draft")


def test_a_meeting_is_created_from_the_ticked_queue_items(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    safety = alert(world.trainee_case, "safety", severity="urgent", number=2)
    response = _create(login, world, [f"alert:{safety.pk}", f"repair:{repair.pk}"])
    meeting = _meeting(world)
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk])
    items = list(meeting.items.all())
    assert [(i.source, i.alert_id or i.repair_id) for i in items] == [
        (Source.ALERT, safety.pk),
        (Source.REPAIR, repair.pk),
    ]
    assert all(i.why for i in items)
    assert meeting.created_by == world.supervisor and not meeting.is_signed


def test_the_same_form_submitted_twice_makes_one_meeting(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    key = uuid.uuid4()
    first = _create(login, world, [f"repair:{repair.pk}"], form_key=key)
    second = _create(login, world, [f"repair:{repair.pk}"], form_key=key)
    assert first["Location"] == second["Location"]
    assert Meeting.objects.count() == 1 and AgendaItem.objects.count() == 1


def test_an_item_outside_this_supervisees_queue_is_refused(world, login):
    """Another caseload's alert, guessed by id: nothing is created and nothing leaks."""
    theirs = alert(world.colleague_case, "safety", severity="urgent")
    response = _create(login, world, [f"alert:{theirs.pk}"])
    assert response.status_code == 200
    assert escape(services.ITEM_LEFT_QUEUE) in body(response)
    assert not Meeting.objects.exists()


def test_a_meeting_with_someone_not_supervised_is_refused(world, login):
    response = _create(login, world, [], supervisee=str(world.colleague.pk))
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_only_supervisors_create_meetings(world, login):
    response = login(world.trainee).post(reverse("meeting_new"), {})
    assert response.status_code == 403


def test_an_open_action_comes_back_at_the_next_meeting_and_a_done_one_does_not(world):
    repair = not_held(world.trainee_case, world.trainee)
    first = signed_meeting(world.supervisor, world.trainee, [f"repair:{repair.pk}"])
    kept = ActionItem.objects.create(
        meeting=first, text="Read about withdrawal.", owner=world.trainee, due_on=TODAY()
    )
    done = ActionItem.objects.create(
        meeting=first, text="Book a session.", owner=world.trainee, due_on=TODAY()
    )
    services.action_done(action=done, by=world.trainee)
    second, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    [carried] = second.items.all()
    assert (carried.source, carried.carried_action) == (Source.ACTION, kept)
    assert carried.title == "Action carried over: Read about withdrawal."
    assert "not done yet" in carried.why


def test_notes_and_an_action_recorded_then_signed_then_the_action_returns(world, login):
    """The whole loop through the pages, as a supervisor would do it."""
    repair = not_held(world.trainee_case, world.trainee)
    sup = login(world.supervisor)
    _create(login, world, [f"repair:{repair.pk}"])
    meeting = _meeting(world)
    item = meeting.items.get()
    sup.post(
        reverse("meeting_item_save", args=[item.pk]),
        {"revision": "0", "notes": "Talked it through.", "guidance": "Slow the pace."},
    )
    sup.post(
        reverse("action_add", args=[meeting.pk]),
        {
            "agenda_item": str(item.pk),
            "text": "Try a check-in question.",
            "owner": str(world.trainee.pk),
            "due_on": (TODAY() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert sup.post(reverse("meeting_sign", args=[meeting.pk])).status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_signed and meeting.signed_by == world.supervisor
    page = body(sup.get(reverse("meeting_detail", args=[meeting.pk])))
    assert "Talked it through." in page and "Try a check-in question." in page
    _create(login, world, [])
    nxt = Meeting.objects.exclude(pk=meeting.pk).get()
    carried = nxt.items.get().carried_action
    assert carried is not None and carried.text == "Try a check-in question."
    record = body(sup.get(reverse("meeting_record", args=[meeting.pk])))
    assert "Supervision meeting record" in record and "Slow the pace." in record


def test_a_trainee_can_never_sign_their_own_meeting(world, login):
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    response = login(world.trainee).post(reverse("meeting_sign", args=[meeting.pk]))
    assert response.status_code == 403
    assert "sign off your own supervision meeting" in body(response)
    meeting.refresh_from_db()
    assert not meeting.is_signed


def test_an_admin_reads_but_cannot_sign(world, login):
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    admin = login(world.admin)
    assert admin.get(reverse("meeting_detail", args=[meeting.pk])).status_code == 200
    assert admin.post(reverse("meeting_sign", args=[meeting.pk])).status_code == 403


def test_signing_twice_signs_once(world, login):
    meeting = signed_meeting(world.supervisor, world.trainee, [])
    first_at = meeting.signed_at
    response = login(world.supervisor).post(reverse("meeting_sign", args=[meeting.pk]), follow=True)
    assert "already signed off" in " ".join(flashed(response))
    meeting.refresh_from_db()
    assert meeting.signed_at == first_at


def test_a_meeting_dated_in_the_future_cannot_be_signed_yet(world, login):
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY() + dt.timedelta(days=3),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    response = login(world.supervisor).post(reverse("meeting_sign", args=[meeting.pk]), follow=True)
    assert services.FUTURE_MEETING in flashed(response)
    meeting.refresh_from_db()
    assert not meeting.is_signed


def test_a_signed_meeting_is_not_edited_but_amended_keeping_the_earlier_text(world, login):
    repair = not_held(world.trainee_case, world.trainee)
    meeting = signed_meeting(
        world.supervisor, world.trainee, [f"repair:{repair.pk}"], notes="First words."
    )
    item = meeting.items.get()
    sup = login(world.supervisor)
    edit = sup.post(
        reverse("meeting_item_save", args=[item.pk]),
        {"revision": "1", "notes": "Rewritten.", "guidance": ""},
    )
    assert edit.status_code == 400 and services.SIGNED_IS_AMENDED in body(edit)
    response = sup.post(
        reverse("meeting_amend", args=[item.pk]),
        {"number": "1", "notes": "Better words.", "guidance": "Slow down.", "reason": "Typo."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.notes == "First words."
    assert item.current() == ("Better words.", "Slow down.")
    page = body(sup.get(reverse("meeting_detail", args=[meeting.pk])))
    assert "First words." in page and "Better words." in page and "Typo." in page


def test_a_stale_amendment_form_saves_nothing(world, login):
    meeting = signed_meeting(world.supervisor, world.trainee, [])
    item = AgendaItem.objects.create(
        meeting=meeting, position=1, source=Source.TOPIC, title="Pacing"
    )
    services.agenda_item_amend(
        item=item, by=world.supervisor, notes="A", guidance="", reason="r", number=1
    )
    response = login(world.supervisor).post(
        reverse("meeting_amend", args=[item.pk]),
        {"number": "1", "notes": "B", "guidance": "", "reason": "r2"},
    )
    assert escape(services.STALE) in body(response)
    assert Amendment.objects.filter(item=item).count() == 1


def test_an_amendment_needs_a_reason_and_only_the_supervisor_amends(world, login):
    meeting = signed_meeting(world.supervisor, world.trainee, [])
    item = AgendaItem.objects.create(meeting=meeting, position=1, source="topic", title="T")
    url = reverse("meeting_amend", args=[item.pk])
    no_reason = login(world.supervisor).post(url, {"number": "1", "notes": "x", "reason": ""})
    assert "Please say why" in body(no_reason)
    assert login(world.trainee).post(url, {"number": "1", "reason": "x"}).status_code == 403
    assert not Amendment.objects.exists()


def test_a_stale_notes_form_on_a_draft_keeps_the_words_and_saves_nothing(world, login):
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    item = services.topic_add(meeting=meeting, by=world.supervisor, title="Pacing")
    services.agenda_item_save(
        item=item, by=world.supervisor, notes="Saved first", guidance="", revision=0
    )
    response = login(world.supervisor).post(
        reverse("meeting_item_save", args=[item.pk]),
        {"revision": "0", "notes": "Typed in another tab", "guidance": ""},
    )
    assert escape(services.STALE) in body(response) and "Typed in another tab" in body(response)
    item.refresh_from_db()
    assert item.notes == "Saved first"


def test_the_supervisee_cannot_write_the_notes(world, login):
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    item = services.topic_add(meeting=meeting, by=world.supervisor, title="Pacing")
    response = login(world.trainee).post(
        reverse("meeting_item_save", args=[item.pk]), {"revision": "0", "notes": "Mine now"}
    )
    assert response.status_code == 403


def test_an_action_due_before_the_meeting_or_owned_by_an_outsider_is_refused(world, login):
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    sup = login(world.supervisor)
    url = reverse("action_add", args=[meeting.pk])
    past = {"text": "x", "owner": str(world.trainee.pk), "due_on": "2020-01-01"}
    assert escape(ACTION_DUE_PAST) in body(sup.post(url, past))
    outsider = past | {"owner": str(world.colleague.pk), "due_on": TODAY().isoformat()}
    assert sup.post(url, outsider).status_code == 400
    nul = past | {"text": "bad\x00text", "due_on": TODAY().isoformat()}
    assert sup.post(url, nul).status_code == 400
    assert not ActionItem.objects.exists()


def test_marking_an_action_done_twice_keeps_the_first(world, login):
    meeting = signed_meeting(world.supervisor, world.trainee, [])
    action = ActionItem.objects.create(
        meeting=meeting, text="Read.", owner=world.trainee, due_on=TODAY()
    )
    url = reverse("action_done", args=[action.pk])
    login(world.trainee).post(url)
    action.refresh_from_db()
    first = action.done_at
    login(world.supervisor).post(url)
    action.refresh_from_db()
    assert (action.done_at, action.done_by) == (first, world.trainee)


def _draft_with_two_topics(world) -> tuple[Meeting, AgendaItem, AgendaItem]:
    meeting, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    pacing = services.topic_add(meeting=meeting, by=world.supervisor, title="Pacing")
    endings = services.topic_add(meeting=meeting, by=world.supervisor, title="Endings")
    return meeting, pacing, endings


def test_notes_saved_by_htmx_come_back_as_that_item_alone_with_a_status(world, login):
    """The rest of the page is not redrawn, so words typed in other items stay where they are."""
    _, pacing, endings = _draft_with_two_topics(world)
    response = login(world.supervisor).post(
        reverse("meeting_item_save", args=[pacing.pk]),
        {"revision": "0", "notes": "Slower next time.", "guidance": "Pause more."},
        headers={"HX-Request": "true"},
    )
    page = body(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<li class="card agenda-item" id="item-{pacing.pk}"')
    assert "<html" not in page and f'id="item-{endings.pk}"' not in page
    assert '<p class="message message-success" role="status">Notes saved.</p>' in page
    assert "Slower next time." in page and 'name="revision" value="1"' in page
    assert f'hx-target="#item-{pacing.pk}"' in page
    pacing.refresh_from_db()
    assert (pacing.notes, pacing.guidance, pacing.revision) == (
        "Slower next time.",
        "Pause more.",
        1,
    )
    assert not flashed(login(world.supervisor).get(reverse("meeting_list"), follow=True))


def test_a_refused_htmx_save_keeps_the_typed_words_with_the_reason(world, login):
    _, pacing, _ = _draft_with_two_topics(world)
    services.agenda_item_save(
        item=pacing, by=world.supervisor, notes="Saved first", guidance="", revision=0
    )
    response = login(world.supervisor).post(
        reverse("meeting_item_save", args=[pacing.pk]),
        {"revision": "0", "notes": "Typed in another tab", "guidance": "x" * 10_001},
        headers={"HX-Request": "true"},
    )
    page = body(response)
    assert response.status_code == 200  # htmx swaps nothing on a 4xx
    assert page.lstrip().startswith(f'<li class="card agenda-item" id="item-{pacing.pk}"')
    assert "Typed in another tab" in page and "at most 10000 characters" in page
    assert "Notes saved." not in page
    pacing.refresh_from_db()
    assert pacing.notes == "Saved first"


def test_a_plain_notes_save_without_javascript_still_redirects_to_the_meeting(world, login):
    meeting, pacing, _ = _draft_with_two_topics(world)
    response = login(world.supervisor).post(
        reverse("meeting_item_save", args=[pacing.pk]),
        {"revision": "0", "notes": "Plain post.", "guidance": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk]) + (
        f"#item-{pacing.pk}"
    )
    page = login(world.supervisor).get(response["Location"], follow=True)
    assert "Notes saved." in flashed(page) and "Plain post." in body(page)


def test_the_meeting_page_gives_each_notes_form_its_own_htmx_target(world, login):
    meeting, pacing, endings = _draft_with_two_topics(world)
    page = body(login(world.supervisor).get(reverse("meeting_detail", args=[meeting.pk])))
    for item in (pacing, endings):
        assert f'hx-post="{reverse("meeting_item_save", args=[item.pk])}"' in page
        assert f'hx-target="#item-{item.pk}" hx-swap="outerHTML"' in page


def test_an_action_added_by_htmx_redraws_only_its_form_and_its_items_actions(world, login):
    meeting, pacing, _ = _draft_with_two_topics(world)
    data = {
        "agenda_item": str(pacing.pk),
        "text": "Try a check-in question.",
        "owner": str(world.trainee.pk),
        "due_on": (TODAY() + dt.timedelta(days=7)).isoformat(),
    }
    sup = login(world.supervisor)
    url = reverse("action_add", args=[meeting.pk])
    page = body(sup.post(url, data, headers={"HX-Request": "true"}))
    assert page.lstrip().startswith('<section class="card" aria-labelledby="add-action"')
    assert 'role="status">Action added.</p>' in page
    assert f'id="item-{pacing.pk}-actions" hx-swap-oob="true"' in page
    assert "Try a check-in question." in page and "agenda-item" not in page
    refused = sup.post(url, data | {"due_on": "2020-01-01"}, headers={"HX-Request": "true"})
    assert refused.status_code == 200
    assert escape(ACTION_DUE_PAST) in body(refused) and 'value="2020-01-01"' in body(refused)
    assert f'<option value="{pacing.pk}" selected>' in body(refused)
    assert ActionItem.objects.filter(meeting=meeting).count() == 1
    assert sup.post(url, data)["Location"] == reverse("meeting_detail", args=[meeting.pk])


def test_a_carried_action_past_its_due_date_is_marked_overdue(world, login):
    first = signed_meeting(world.supervisor, world.trainee, [])
    due = TODAY() - dt.timedelta(days=3)
    ActionItem.objects.create(
        meeting=first, text="Read about withdrawal.", owner=world.trainee, due_on=due
    )
    ActionItem.objects.create(
        meeting=first, text="Book a session.", owner=world.trainee, due_on=TODAY()
    )
    second, _ = services.meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=TODAY(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    page = body(login(world.supervisor).get(reverse("meeting_detail", args=[second.pk])))
    assert page.count("Overdue since") == 1
    assert f"Overdue since {due:%-d %b %Y}" in page
    carried = page[page.rindex("<li", 0, page.index("Read about withdrawal.")) :]
    assert f"Overdue since {due:%-d %b %Y}" in carried[: carried.index("</li>")]


def test_a_done_action_is_never_overdue(world, login):
    first = signed_meeting(world.supervisor, world.trainee, [])
    action = ActionItem.objects.create(
        meeting=first, text="Read.", owner=world.trainee, due_on=TODAY() - dt.timedelta(days=3)
    )
    sup = login(world.supervisor)
    assert "Overdue since" in body(sup.get(reverse("meeting_detail", args=[first.pk])))
    done = sup.post(
        reverse("action_done", args=[action.pk]),
        {"next_meeting": str(first.pk)},
        headers={"HX-Request": "true"},
    )
    assert body(done).lstrip().startswith(f'<li class="action action-done" id="action-{action.pk}"')
    assert "Overdue since" not in body(sup.get(reverse("meeting_detail", args=[first.pk])))
