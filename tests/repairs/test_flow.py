"""The repair from an alert to the client's verdict, through the services."""

from __future__ import annotations

import pytest

from reattune.alerts.models import AlertStatus
from reattune.repairs.models import RepairStatus
from reattune.repairs.services import conversation_record, plan_save
from reattune.repairs.steps import default_plan
from tests.repairs.helpers import check, open_from_alert, ruptured, session

pytestmark = pytest.mark.django_db


def test_a_repair_that_the_next_check_confirms_is_held(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert repair.status == RepairStatus.OPEN
    plan_save(repair=repair, by=world.clinician, steps=default_plan()[:3], expected_number=0)
    sixth = session(world.case, 6)
    conversation_record(
        repair=repair,
        by=world.clinician,
        session=sixth,
        steps_taken=["name", "own", "apologise"],
        how_it_went="She said she had felt steamrollered, and we agreed she sets the pace.",
        expected_number=0,
    )
    check(world.case, sixth, world.clinician, 36)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.HELD
    assert (repair.before_total, repair.after_total) == (22, 36)
    assert repair.verified_session == sixth
    assert repair.events.filter(action="verified_held").exists()


def test_a_repair_whose_checks_stay_low_did_not_hold_and_stays_open(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 24)
    check(world.case, session(world.case, 7), world.clinician, 23)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.NOT_HELD
    assert repair.is_open
    assert repair.verified_session == session(world.case, 7)


def test_a_new_attempt_after_not_held_is_judged_again(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 24)
    check(world.case, session(world.case, 7), world.clinician, 23)
    eighth = session(world.case, 8)
    conversation_record(
        repair=repair,
        by=world.clinician,
        session=eighth,
        steps_taken=["invite"],
        how_it_went="We went back to it properly this time.",
        expected_number=0,
    )
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN
    check(world.case, eighth, world.clinician, 36)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.HELD
    assert repair.verified_session == eighth
