"""Bad input on the repair pages, as a person (or a script) might send it. Nothing may answer
500, nothing half-stored may remain, and each refusal says why in plain words. NUL matters
most on PostgreSQL, which cannot store it in text at all: run these there too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.alerts.models import Alert, AlertStatus
from reattune.repairs.disclosures import disclosure_record
from reattune.repairs.forms import DATE_ERRORS, TOO_LONG
from reattune.repairs.models import (
    Disclosure,
    Obligation,
    Repair,
    RepairConversation,
    RepairPlan,
    RepairVersion,
)
from reattune.repairs.recording import TEXT_LIMIT
from tests.factories import make_session
from tests.repairs.helpers import (
    amend_form,
    body,
    disclosure_form,
    follow,
    open_by_hand,
    open_form,
    ruptured,
    session,
)

pytestmark = pytest.mark.django_db

HUGE = 2**70
NUL_REFUSED = "Null characters are not allowed."
REAL_DATE = DATE_ERRORS["invalid"]


def _stored() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Repair, RepairVersion, RepairPlan, RepairConversation, Disclosure)
    )


def _errors(response: Any) -> list[str]:
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


# --- the 'Start a repair' form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"discovered_on": "2026-13-45"}, REAL_DATE),
        ({"discovered_on": "yesterday"}, REAL_DATE),
        ({"discovered_on": "\x00"}, REAL_DATE),
        ({"discovered_on": "9999-12-31"}, "That date is in the future. Please check it."),
        ({"what_happened": "x" * 6000}, TOO_LONG),
        ({"what_happened": "before\x00after"}, NUL_REFUSED),
        ({"contribution": "\x00"}, NUL_REFUSED),
        ({"what_happened": ""}, "Say what happened, in a sentence or two. The record needs it."),
        (
            {"kind": "sloppiness"},
            "Select a valid choice. sloppiness is not one of the available choices.",
        ),
        ({"harm": ""}, "Choose how much harm it did, if any."),
        ({"session": str(HUGE)}, "Choose one of this case's sessions."),
        ({"session": "abc"}, "Choose one of this case's sessions."),
        ({"session": "\x00"}, NUL_REFUSED),
        ({"participant": str(HUGE)}, "Choose someone in this case."),
    ],
)
def test_the_start_form_refuses_bad_values(world, login, changes, message):
    participant = world.case.participants.get()
    data = open_form(world.session, participant, case=world.case.pk) | changes
    response = login(world.clinician).post(reverse("repair_new"), data)
    assert response.status_code == 200
    assert message in _errors(response)
    assert _stored() == (0, 0, 0, 0, 0)


def test_the_start_form_refuses_a_posted_session_of_another_case(world, login):
    theirs = make_session(world.colleague_case, 1)
    participant = world.case.participants.get()
    data = open_form(world.session, participant, case=world.case.pk) | {"session": theirs.pk}
    response = login(world.clinician).post(reverse("repair_new"), data)
    assert "Choose one of this case's sessions." in _errors(response)
    assert _stored() == (0, 0, 0, 0, 0)


def test_other_control_characters_are_taken_out_of_free_text(world, login):
    participant = world.case.participants.get()
    data = open_form(world.session, participant, case=world.case.pk)
    data["what_happened"] = "I rushed\x07 her.\nTwice.\x1b"
    login(world.clinician).post(reverse("repair_new"), data)
    assert Repair.objects.get().current().what_happened == "I rushed her.\nTwice."


@pytest.mark.parametrize("param", ["alert", "response", "case"])
@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "²", "٣", str(HUGE), "9" * 19, "\x00"])
def test_a_starting_point_that_is_not_an_id_is_not_found(world, login, param, value):
    ruptured(world.case, world.clinician)
    response = login(world.clinician).get(reverse("repair_new"), {param: value})
    assert response.status_code == 404
    assert _stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("param", ["alert", "response", "case"])
def test_a_starting_point_that_does_not_exist_is_not_found(world, login, param):
    response = login(world.clinician).get(reverse("repair_new"), {param: "999999"})
    assert response.status_code == 404


def test_an_empty_starting_point_is_a_400(world, login):
    response = login(world.clinician).get(reverse("repair_new"), {"alert": "", "case": ""})
    assert response.status_code == 400


# --- object ids in the path -------------------------------------------------------------------


@pytest.fixture
def repair(world) -> Repair:
    follow(world.clinic.pk, "bacp")
    return open_by_hand(world.case, world.clinician)


def _paths(repair: Repair) -> list[tuple[str, str]]:
    disclosure = disclosure_record(
        repair=repair,
        by=repair.opened_by,
        told_on=repair.current().session.date,
        told_by=repair.opened_by,
        method="in_person",
        what_was_said="Told.",
    )
    obligation = repair.obligations.all()[0]
    return [
        ("get", reverse("repair_detail", args=[repair.pk])),
        ("post", reverse("repair_amend", args=[repair.pk])),
        ("post", reverse("repair_plan", args=[repair.pk])),
        ("post", reverse("repair_conversation", args=[repair.pk])),
        ("post", reverse("disclosure_new", args=[repair.pk])),
        ("post", reverse("repair_close", args=[repair.pk])),
        ("post", reverse("disclosure_amend", args=[disclosure.pk])),
        ("post", reverse("obligation_done", args=[obligation.pk])),
    ]


@pytest.mark.parametrize("bad_id", ["999999", str(HUGE), "abc", "-1", "1e3", "٣", "%00"])
def test_every_repair_url_answers_404_for_an_id_that_is_no_repair(world, login, repair, bad_id):
    paths = _paths(repair)
    before = (_stored(), Obligation.objects.filter(done_at__isnull=False).count())
    clinician = login(world.clinician)
    for method, path in paths:
        bad = "/".join(bad_id if part.isdigit() else part for part in path.split("/"))
        response = getattr(clinician, method)(bad, {"reason": "x", "note": "x"})
        assert response.status_code == 404, (method, bad)
    assert (_stored(), Obligation.objects.filter(done_at__isnull=False).count()) == before


# --- the other forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"what_happened": "\x00"}, NUL_REFUSED),
        ({"what_happened": "y" * 6000}, TOO_LONG),
        ({"amendment_reason": "why\x00"}, NUL_REFUSED),
        ({"version": "abc"}, "Enter a whole number."),
        ({"version": str(HUGE)}, "Ensure this value is less than or equal to 1000000."),
        ({"session": "2026-13-45"}, "Choose one of this case's sessions."),
    ],
)
def test_the_amend_form_refuses_bad_values(world, login, repair, changes, message):
    response = login(world.clinician).post(
        reverse("repair_amend", args=[repair.pk]), amend_form(repair) | changes
    )
    assert response.status_code == 200
    assert message in _errors(response)
    assert repair.versions.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"how_it_went": "\x00"}, NUL_REFUSED),
        ({"how_it_went": "z" * (TEXT_LIMIT + 1)}, TOO_LONG),
        ({"steps_taken": ["name", "blame"]}, "Choose steps from the list."),
        ({"session": "yesterday"}, "Choose one of this case's sessions."),
    ],
)
def test_the_conversation_form_refuses_bad_values(world, login, repair, changes, message):
    data = {
        "version": "0",
        "session": str(session(world.case, 2).pk),
        "steps_taken": ["name"],
        "how_it_went": "Fine.",
    } | changes
    response = login(world.clinician).post(reverse("repair_conversation", args=[repair.pk]), data)
    assert response.status_code == 200
    assert message in _errors(response)
    assert not RepairConversation.objects.exists()


def test_the_conversation_form_refuses_a_session_in_the_future(world, login, repair):
    future = make_session(world.case, 2)
    future.date = timezone.localdate() + dt.timedelta(days=7)
    future.save()
    data = {"version": "0", "session": str(future.pk), "how_it_went": "Fine."}
    response = login(world.clinician).post(reverse("repair_conversation", args=[repair.pk]), data)
    assert "Choose one of this case's sessions." in _errors(response)
    assert not RepairConversation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"told_on": "2026-13-45"}, REAL_DATE),
        ({"told_on": "yesterday"}, REAL_DATE),
        ({"follow_up_due_on": "soon"}, REAL_DATE),
        ({"what_was_said": "\x00"}, NUL_REFUSED),
        ({"what_was_said": "w" * 6000}, TOO_LONG),
        ({"told_by": str(HUGE)}, "Choose someone in this clinic."),
        (
            {"method": "telepathy"},
            "Select a valid choice. telepathy is not one of the available choices.",
        ),
    ],
)
def test_the_disclosure_form_refuses_bad_values(world, login, repair, changes, message):
    response = login(world.clinician).post(
        reverse("disclosure_new", args=[repair.pk]), disclosure_form(world.clinician) | changes
    )
    assert response.status_code == 200
    assert message in _errors(response)
    assert not Disclosure.objects.exists()


def test_the_disclosure_form_refuses_a_teller_from_another_clinic(
    world, other_world, login, repair
):
    response = login(world.clinician).post(
        reverse("disclosure_new", args=[repair.pk]), disclosure_form(other_world.clinician)
    )
    assert "Choose someone in this clinic." in _errors(response)
    assert not Disclosure.objects.exists()


def test_the_disclosure_form_refuses_a_deactivated_teller(world, login, repair):
    world.supervisor.is_active = False
    world.supervisor.save()
    response = login(world.clinician).post(
        reverse("disclosure_new", args=[repair.pk]), disclosure_form(world.supervisor)
    )
    assert "Choose someone in this clinic." in _errors(response)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("\x00", NUL_REFUSED), ("r" * 6000, TOO_LONG), ("", "Say why you are closing it.")],
)
def test_the_close_form_refuses_bad_reasons(world, login, reason, message):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).post(
        reverse("repair_close", args=[repair.pk]), {"reason": reason}
    )
    assert message in _errors(response)
    repair.refresh_from_db()
    assert repair.is_open


def test_the_plan_form_refuses_an_overlong_step(world, login, repair):
    data = {"version": "0", "use_name": "on", "text_name": "n" * 1001}
    response = login(world.clinician).post(reverse("repair_plan", args=[repair.pk]), data)
    assert "Please keep each step under 1,000 characters." in _errors(response)
    assert not RepairPlan.objects.exists()


def test_a_plan_step_with_a_nul_is_refused(world, login, repair):
    data = {"version": "0", "use_name": "on", "text_name": "I\x00rushed"}
    response = login(world.clinician).post(reverse("repair_plan", args=[repair.pk]), data)
    assert NUL_REFUSED in _errors(response)
    assert not RepairPlan.objects.exists()


def test_an_obligation_note_with_a_nul_is_refused_and_nothing_is_done(world, login, repair):
    obligation = repair.obligations.all()[0]
    response = login(world.clinician).post(
        reverse("obligation_done", args=[obligation.pk]), {"note": "\x00"}, follow=True
    )
    assert NUL_REFUSED in body(response)
    obligation.refresh_from_db()
    assert not obligation.is_done


@pytest.mark.parametrize("reason", ["\x00", "ok\x00", "d" * 2001])
def test_a_dismissal_reason_that_cannot_be_stored_is_refused(world, login, reason):
    alert = ruptured(world.case, world.clinician)
    response = login(world.clinician).post(
        reverse("alert_dismiss", args=[alert.pk]), {"reason": reason}
    )
    assert response.status_code == 400
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_a_first_conversation_posted_as_an_amendment_is_stale_not_a_crash(world, login, repair):
    data = {
        "version": "1",
        "session": str(session(world.case, 2).pk),
        "how_it_went": "Fine.",
    }
    response = login(world.clinician).post(reverse("repair_conversation", args=[repair.pk]), data)
    assert response.status_code == 200
    assert "Someone changed this record" in body(response)
    assert not RepairConversation.objects.exists()


@pytest.mark.parametrize("name", ["repair_amend", "repair_plan", "repair_conversation"])
@pytest.mark.parametrize("version", ["-1", "abc", "1e3", "\x00"])
def test_a_tampered_version_is_refused(world, login, repair, name, version):
    response = login(world.clinician).post(
        reverse(name, args=[repair.pk]), amend_form(repair) | {"version": version}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _stored()[1:4] == (1, 0, 0)
