"""How the repair conversation went: recorded once, amended as versions, checked for sense."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from reattune.repairs.models import RepairConversation
from reattune.repairs.recording import StaleRecord
from reattune.repairs.services import conversation_record
from reattune.repairs.views import STALE
from tests.repairs.helpers import body, open_by_hand, session

pytestmark = pytest.mark.django_db


def _record(repair, by, *, at, expected=0, **changes):
    fields = {
        "steps_taken": ["name", "own"],
        "how_it_went": "She said it had felt like being hurried out of the room.",
        "client_response": "Time to think before we go deeper.",
        "next_step": "She chooses where we start.",
    } | changes
    return conversation_record(repair=repair, by=by, session=at, expected_number=expected, **fields)


def test_the_first_conversation_is_version_1_in_its_session(world):
    repair = open_by_hand(world.case, world.clinician)
    second = session(world.case, 2)
    conversation = _record(repair, world.clinician, at=second)
    assert (conversation.number, conversation.session, conversation.steps_taken) == (
        1,
        second,
        ["name", "own"],
    )
    assert (
        repair.events.get(action="conversation").summary
        == "Repair conversation in session 2 recorded."
    )


def test_recording_it_again_is_an_amendment_with_a_reason(world):
    repair = open_by_hand(world.case, world.clinician)
    first = _record(repair, world.clinician, at=session(world.case, 2))
    with pytest.raises(ValidationError) as excinfo:
        _record(repair, world.clinician, at=session(world.case, 2), expected=1, how_it_went="B")
    assert excinfo.value.message_dict == {"amendment_reason": ["Say why you're changing it."]}
    second = _record(
        repair,
        world.clinician,
        at=session(world.case, 2),
        expected=1,
        how_it_went="Better put.",
        reason="I left out what she said.",
    )
    assert (second.number, second.amendment_reason) == (2, "I left out what she said.")
    first.refresh_from_db()
    assert first.how_it_went.startswith("She said it had felt")
    assert RepairConversation.objects.count() == 2


def test_a_stale_conversation_saves_nothing(world):
    repair = open_by_hand(world.case, world.clinician)
    _record(repair, world.clinician, at=session(world.case, 2))
    with pytest.raises(StaleRecord):
        _record(repair, world.colleague, at=session(world.case, 2), expected=0)
    assert RepairConversation.objects.count() == 1


def test_the_repair_cannot_come_before_the_mistake(world):
    repair = open_by_hand(world.case, world.clinician, at=session(world.case, 3))
    with pytest.raises(ValidationError) as excinfo:
        _record(repair, world.clinician, at=session(world.case, 2))
    assert "before the mistake (session 3)" in excinfo.value.message_dict["session"][0]
    assert not RepairConversation.objects.exists()


def test_a_session_of_another_case_is_refused(world):
    from tests.factories import make_session

    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        _record(repair, world.clinician, at=make_session(world.colleague_case, 2))
    assert excinfo.value.message_dict == {"session": ["That session belongs to another case."]}


def test_an_unknown_step_is_refused(world):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        _record(repair, world.clinician, at=session(world.case, 2), steps_taken=["shrug"])
    assert excinfo.value.message_dict == {"steps_taken": ["Choose steps from the list."]}


@pytest.mark.parametrize("text", ["", "  \n "])
def test_how_it_went_is_needed(world, text):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        _record(repair, world.clinician, at=session(world.case, 2), how_it_went=text)
    assert excinfo.value.message_dict == {"how_it_went": ["Say how the conversation went."]}


# --- through the page -------------------------------------------------------------------------


def _post(at, **changes) -> dict[str, object]:
    return {
        "version": "0",
        "session": str(at.pk),
        "steps_taken": ["name", "invite"],
        "how_it_went": "We talked it through.",
        "client_response": "",
        "next_step": "",
    } | changes


def test_the_page_records_and_the_detail_page_shows_it(world, login):
    repair = open_by_hand(world.case, world.clinician)
    client = login(world.clinician)
    second = session(world.case, 2)
    response = client.post(reverse("repair_conversation", args=[repair.pk]), _post(second))
    assert response.status_code == 302
    page = body(client.get(reverse("repair_detail", args=[repair.pk])))
    assert "We talked it through." in page
    assert "Name what happened, Invite their experience" in page


def test_amending_through_the_page_keeps_the_earlier_version_visible(world, login):
    repair = open_by_hand(world.case, world.clinician)
    second = session(world.case, 2)
    _record(repair, world.clinician, at=second, how_it_went="The first account.")
    client = login(world.clinician)
    form = client.get(reverse("repair_conversation", args=[repair.pk])).context["form"]
    assert form.initial["version"] == 1
    assert "amendment_reason" in form.fields
    response = client.post(
        reverse("repair_conversation", args=[repair.pk]),
        _post(second, version="1", how_it_went="The fuller account.", amendment_reason="Fuller."),
    )
    assert response.status_code == 302
    page = body(client.get(reverse("repair_detail", args=[repair.pk])))
    assert "The fuller account." in page
    assert "Earlier versions (1)" in page
    assert "The first account." in page
    assert "Amended" in page


def test_a_stale_conversation_page_keeps_the_typed_text(world, login):
    repair = open_by_hand(world.case, world.clinician)
    second = session(world.case, 2)
    _record(repair, world.clinician, at=second)
    _record(repair, world.clinician, at=second, expected=1, reason="Someone else's change.")
    response = login(world.clinician).post(
        reverse("repair_conversation", args=[repair.pk]),
        _post(second, version="1", how_it_went="Typed in an old tab.", amendment_reason="Mine."),
    )
    assert response.status_code == 200
    assert escape(STALE) in body(response)
    assert "Typed in an old tab." in body(response)
    assert RepairConversation.objects.count() == 2
