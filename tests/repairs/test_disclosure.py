"""What the client was told: disclosures recorded, amended as versions of one thread."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reattune.repairs.disclosures import disclosure_amend, disclosure_record
from reattune.repairs.models import Disclosure
from reattune.repairs.recording import FUTURE_DATE, StaleRecord
from reattune.repairs.views import STALE
from tests.repairs.helpers import body, disclosure_form, open_by_hand

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _fields(told_by, **changes):
    return {
        "told_on": TODAY(),
        "told_by": told_by,
        "method": "in_person",
        "what_was_said": "I told her I had rushed her, and that I was sorry.",
        "apology_given": True,
        "follow_up_due_on": None,
        "followed_up_on": None,
    } | changes


def test_a_disclosure_is_recorded_with_who_when_and_how(world):
    repair = open_by_hand(world.case, world.clinician)
    disclosure = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    assert (disclosure.thread, disclosure.number, disclosure.told_by) == (1, 1, world.clinician)
    assert disclosure.apology_given is True
    assert repair.events.get(action="disclosure").summary.startswith(
        "Disclosure recorded: in person on"
    )


def test_a_second_disclosure_is_a_second_thread(world):
    repair = open_by_hand(world.case, world.clinician)
    disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    letter = disclosure_record(
        repair=repair, by=world.clinician, **_fields(world.supervisor, method="writing")
    )
    assert (letter.thread, letter.number) == (2, 1)


def test_amending_keeps_the_thread_and_the_earlier_version(world):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    amended = disclosure_amend(
        disclosure=first,
        by=world.clinician,
        expected_number=1,
        reason="I had the date wrong.",
        **_fields(world.clinician, told_on=TODAY() - dt.timedelta(days=1)),
    )
    assert (amended.thread, amended.number, amended.amendment_reason) == (
        1,
        2,
        "I had the date wrong.",
    )
    first.refresh_from_db()
    assert first.told_on == TODAY()
    assert repair.events.filter(action="disclosure_amended").get().summary == (
        "Disclosure 1 amended: I had the date wrong."
    )


def test_a_stale_disclosure_amendment_saves_nothing(world):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    disclosure_amend(
        disclosure=first,
        by=world.clinician,
        expected_number=1,
        reason="One.",
        **_fields(world.clinician),
    )
    with pytest.raises(StaleRecord):
        disclosure_amend(
            disclosure=first,
            by=world.clinician,
            expected_number=1,
            reason="Two.",
            **_fields(world.clinician),
        )
    assert Disclosure.objects.count() == 2


def test_an_amendment_needs_a_reason(world):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    with pytest.raises(ValidationError) as excinfo:
        disclosure_amend(
            disclosure=first,
            by=world.clinician,
            expected_number=1,
            reason=" ",
            **_fields(world.clinician),
        )
    assert excinfo.value.message_dict == {"amendment_reason": ["Say why you're changing it."]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"told_on": "tomorrow"}, "told_on", FUTURE_DATE),
        ({"told_on": "before"}, "told_on", "That is before the session the mistake happened in."),
        ({"follow_up_due_on": "before"}, "follow_up_due_on", "can't be due before the telling"),
        ({"followed_up_on": "before"}, "followed_up_on", "can't come before the telling"),
        ({"followed_up_on": "tomorrow"}, "followed_up_on", FUTURE_DATE),
        ({"method": "carrier pigeon"}, "method", "Choose how the client was told."),
        ({"what_was_said": "  "}, "what_was_said", "Say what the client was told."),
    ],
)
def test_a_disclosure_that_makes_no_sense_is_refused(world, changes, field, message):
    repair = open_by_hand(world.case, world.clinician)
    days = {
        "tomorrow": TODAY() + dt.timedelta(days=1),
        "before": world.session.date - dt.timedelta(days=1),
    }
    fields = _fields(world.clinician)
    fields |= {k: days.get(v, v) for k, v in changes.items()}
    if changes.get("follow_up_due_on") == "before" or changes.get("followed_up_on") == "before":
        fields["told_on"] = world.session.date
    with pytest.raises(ValidationError) as excinfo:
        disclosure_record(repair=repair, by=world.clinician, **fields)
    assert message in excinfo.value.message_dict[field][0]
    assert not Disclosure.objects.exists()


def test_someone_from_another_clinic_cannot_have_told_them(world, other_world):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        disclosure_record(repair=repair, by=world.clinician, **_fields(other_world.clinician))
    assert excinfo.value.message_dict == {"told_by": ["Choose someone in this clinic."]}


# --- through the page -------------------------------------------------------------------------


def test_recording_through_the_page_shows_it_on_the_record(world, login):
    repair = open_by_hand(world.case, world.clinician)
    client = login(world.clinician)
    response = client.post(
        reverse("disclosure_new", args=[repair.pk]), disclosure_form(world.clinician)
    )
    assert response.status_code == 302
    page = body(client.get(reverse("repair_detail", args=[repair.pk])))
    assert "I told her I had rushed her, and that I was sorry." in page
    assert "with an apology" in page


def test_amending_through_the_page_shows_both_versions(world, login):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    client = login(world.clinician)
    form = client.get(reverse("disclosure_amend", args=[first.pk])).context["form"]
    assert form.initial["version"] == 1
    response = client.post(
        reverse("disclosure_amend", args=[first.pk]),
        disclosure_form(
            world.clinician,
            version="1",
            what_was_said="The words I really used.",
            amendment_reason="Closer to what I said.",
        ),
    )
    assert response.status_code == 302
    assert list(Disclosure.objects.values_list("thread", "number")) == [(1, 1), (1, 2)]
    page = body(client.get(reverse("repair_detail", args=[repair.pk])))
    assert "The words I really used." in page
    assert "Earlier versions (1)" in page
    assert escape("I told her I had rushed her, and that I was sorry.") in page


def test_amending_an_earlier_version_amends_the_thread(world, login):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    disclosure_amend(
        disclosure=first,
        by=world.clinician,
        expected_number=1,
        reason="One.",
        **_fields(world.clinician, what_was_said="Version two."),
    )
    form = login(world.clinician).get(reverse("disclosure_amend", args=[first.pk])).context["form"]
    assert form.initial["version"] == 2
    assert form.initial["what_was_said"] == "Version two."


def test_a_stale_disclosure_page_keeps_the_typed_text(world, login):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(repair=repair, by=world.clinician, **_fields(world.clinician))
    disclosure_amend(
        disclosure=first,
        by=world.clinician,
        expected_number=1,
        reason="One.",
        **_fields(world.clinician),
    )
    response = login(world.clinician).post(
        reverse("disclosure_amend", args=[first.pk]),
        disclosure_form(
            world.clinician, version="1", what_was_said="From an old tab.", amendment_reason="x"
        ),
    )
    assert escape(STALE) in body(response)
    assert "From an old tab." in body(response)
    assert Disclosure.objects.count() == 2


def test_the_page_refuses_a_teller_from_another_clinic(world, other_world, login):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).post(
        reverse("disclosure_new", args=[repair.pk]), disclosure_form(other_world.clinician)
    )
    assert response.context["form"].errors["told_by"] == ["Choose someone in this clinic."]
    assert not Disclosure.objects.exists()
