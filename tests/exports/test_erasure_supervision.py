"""Erasure and supervision: what was agreed about the client goes; what was agreed later under
an item that carried one of their actions over stays, since it may be about anything."""

from __future__ import annotations

import datetime as dt
import uuid

from reattune.cases.models import Client
from reattune.exports.erasure import client_erase, erasure_plan
from reattune.exports.mentions import mentions_of
from reattune.supervision.models import ActionItem, AgendaItem, Meeting
from tests.exports.records import full_record

REASON = "The client's written request of 3 March."


def _carried(world):
    """The client's full record (an item about their repair, an action under it, that action
    carried into a second meeting), plus a new action agreed under the carried item."""
    participant = world.case.participants.get()
    full_record(
        world.case,
        participant,
        clinician=world.clinician,
        supervisor=world.supervisor,
        admin=world.admin,
    )
    carried = AgendaItem.objects.get(source="action")
    return participant.client, carried


def _new_action(item: AgendaItem, owner, text: str) -> ActionItem:
    return ActionItem.objects.create(
        meeting=item.meeting,
        agenda_item=item,
        text=text,
        owner=owner,
        due_on=dt.date(2026, 3, 1),
    )


def test_an_action_agreed_under_a_carried_over_item_about_another_topic_is_kept(world):
    client, carried = _carried(world)
    about_the_client = ActionItem.objects.get(agenda_item__source="repair")
    unrelated = _new_action(carried, world.clinician, "Book the CPD day on endings")
    # …which is itself carried into a third meeting.
    third = Meeting.objects.create(
        clinic=carried.meeting.clinic,
        supervisor=carried.meeting.supervisor,
        supervisee=carried.meeting.supervisee,
        held_on=dt.date(2026, 2, 15),
        created_by=world.supervisor,
        form_key=uuid.uuid4(),
    )
    carrying_unrelated = AgendaItem.objects.create(
        meeting=third, position=1, source="action", carried_action=unrelated, title="Carried"
    )

    client_erase(client=client, by=world.admin, code_typed=client.code, reason=REASON)

    assert not Client.objects.filter(pk=client.pk).exists()
    assert not ActionItem.objects.filter(pk=about_the_client.pk).exists()
    assert not AgendaItem.objects.filter(pk=carried.pk).exists()
    unrelated.refresh_from_db()
    assert unrelated.text == "Book the CPD day on endings"
    assert unrelated.agenda_item_id is None  # the item it was agreed under is gone
    assert unrelated.meeting_id == carried.meeting_id
    assert AgendaItem.objects.filter(pk=carrying_unrelated.pk).exists()


def test_an_action_under_a_carried_over_item_that_names_the_client_is_listed_as_a_mention(world):
    client, carried = _carried(world)
    naming = _new_action(carried, world.clinician, f"Ask {client.code} about the letter")
    _new_action(carried, world.clinician, "Read the chapter on ruptures")

    found = mentions_of(client, deleted=erasure_plan(client).row_ids())

    assert [(m.label, m.pk, m.field) for m in found] == [
        ("supervision.ActionItem", naming.pk, "text")
    ]
