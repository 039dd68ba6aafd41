"""The client's own checks decide whether a repair held, and the record shows it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.cases.models import Attendance
from reattune.cases.services import session_attendance_set
from reattune.clinics.models import Role
from reattune.repairs.models import RepairStatus
from reattune.repairs.services import conversation_record
from tests.factories import make_case, make_person
from tests.repairs.helpers import (
    RUPTURE,
    USUAL,
    body,
    check,
    open_by_hand,
    open_from_alert,
    ruptured,
    session,
)

pytestmark = pytest.mark.django_db


def test_the_held_page_shows_before_and_after_and_a_chart(world, login):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 36)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.HELD
    assert repair.closed_at == repair.verified_at is not None
    assert not repair.is_open
    page = body(login(world.clinician).get(reverse("repair_detail", args=[repair.pk])))
    assert "<strong>Held.</strong>" in page
    assert "22 before, 36 after." in page
    assert "<svg" in page
    assert "the repair held" in page
    for number, total in [*enumerate(USUAL, start=1), (5, RUPTURE), (6, 36)]:
        assert f"<tr><td>{number}</td><td>{total}</td></tr>" in page


def test_a_waiting_repair_says_which_checks_will_decide(world, login):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    page = body(login(world.clinician).get(reverse("repair_detail", args=[repair.pk])))
    assert "Their checks after session 5 will say whether the repair held" in page
    assert "by session 7" in page


def test_not_held_goes_to_the_supervisors_queue_and_the_page_says_so(world, login):
    alert = ruptured(world.trainee_case, world.trainee)
    repair = open_from_alert(alert, world.trainee)
    check(world.trainee_case, session(world.trainee_case, 6), world.trainee, 24)
    check(world.trainee_case, session(world.trainee_case, 7), world.trainee, 23)
    repair.refresh_from_db()
    assert (repair.status, repair.after_total) == (RepairStatus.NOT_HELD, 23)
    page = body(login(world.trainee).get(reverse("repair_detail", args=[repair.pk])))
    assert "<strong>Did not hold.</strong>" in page
    assert "By session 7" in page
    home = body(login(world.supervisor).get(reverse("home")))
    assert "For supervision" in home
    assert "Repairs that did not hold" in home
    assert reverse("repair_detail", args=[repair.pk]) in home
    another_supervisor = make_person(world.clinic, Role.SUPERVISOR)
    assert "Repairs that did not hold" not in body(login(another_supervisor).get(reverse("home")))


def test_a_missed_session_counts_towards_not_held(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 24)
    session_attendance_set(session=session(world.case, 7), attendance=Attendance.NO_SHOW)
    check(world.case, session(world.case, 8), world.clinician, 25)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.NOT_HELD
    assert repair.verified_session == session(world.case, 7)
    assert repair.after_total is None, "the missed session has no total"


def test_a_check_with_something_felt_off_is_not_held_even_at_a_usual_total(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 36, felt_off="yes")
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN
    check(world.case, session(world.case, 7), world.clinician, 36, felt_off="yes")
    repair.refresh_from_db()
    assert repair.status == RepairStatus.NOT_HELD


def test_a_new_attempt_resets_the_verdict_and_the_history_says_so(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 24)
    check(world.case, session(world.case, 7), world.clinician, 23)
    eighth = session(world.case, 8)
    conversation_record(
        repair=repair,
        by=world.clinician,
        session=eighth,
        steps_taken=["invite", "adjust"],
        how_it_went="We went back to it properly.",
        expected_number=0,
    )
    repair.refresh_from_db()
    assert (repair.status, repair.verify_after, repair.verified_session) == (
        RepairStatus.OPEN,
        7,
        None,
    )
    assert repair.events.filter(action="reopened").exists()
    check(world.case, eighth, world.clinician, 24)
    check(world.case, session(world.case, 9), world.clinician, 23)
    repair.refresh_from_db()
    assert (repair.status, repair.verified_session) == (
        RepairStatus.NOT_HELD,
        session(world.case, 9),
    )


def test_a_conversation_in_an_earlier_session_than_the_verdict_does_not_reopen(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 24)
    check(world.case, session(world.case, 7), world.clinician, 23)
    conversation_record(
        repair=repair,
        by=world.clinician,
        session=session(world.case, 6),
        steps_taken=["name"],
        how_it_went="Recorded late.",
        expected_number=0,
    )
    repair.refresh_from_db()
    assert repair.status == RepairStatus.NOT_HELD
    assert not repair.events.filter(action="reopened").exists()


def _couple_with_a_rupture_for_a(world):
    case = make_case(world.clinician, kind="couple")
    partner_a, partner_b = case.participants.order_by("pk")
    for number, score in enumerate(USUAL, start=1):
        at = session(case, number)
        check(case, at, world.clinician, score, participant=partner_a)
        check(case, at, world.clinician, score, participant=partner_b)
    fifth = session(case, 5)
    check(case, fifth, world.clinician, RUPTURE, participant=partner_a, felt_off="yes")
    check(case, fifth, world.clinician, 36, participant=partner_b)
    return case, partner_a, partner_b, fifth


def test_in_a_couple_case_only_the_partner_of_the_repair_decides_not_held(world):
    case, partner_a, partner_b, fifth = _couple_with_a_rupture_for_a(world)
    repair = open_by_hand(case, world.clinician, at=fifth, participant=partner_a)
    for number in (6, 7):
        at = session(case, number)
        check(case, at, world.clinician, 37, participant=partner_b)
        check(case, at, world.clinician, 23, participant=partner_a)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.NOT_HELD, "B's good checks say nothing about A"
    assert repair.after_total == 23


def test_in_a_couple_case_only_the_partner_of_the_repair_decides_held(world):
    case, partner_a, partner_b, fifth = _couple_with_a_rupture_for_a(world)
    repair = open_by_hand(case, world.clinician, at=fifth, participant=partner_a)
    sixth = session(case, 6)
    check(case, sixth, world.clinician, 20, participant=partner_b)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN, "B's low check says nothing about A"
    check(case, sixth, world.clinician, 36, participant=partner_a)
    repair.refresh_from_db()
    assert (repair.status, repair.before_total, repair.after_total) == (
        RepairStatus.HELD,
        RUPTURE,
        36,
    )
