"""What the repair's page shows: every version stays visible, and each person is offered only
what they may do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.repairs.services import plan_save
from tests.repairs.helpers import body, open_by_hand, ruptured

pytestmark = pytest.mark.django_db


def test_the_history_lists_every_change_oldest_first(world, login):
    repair = open_by_hand(world.case, world.clinician)
    plan_save(
        repair=repair, by=world.clinician, steps=[{"key": "name", "text": ""}], expected_number=0
    )
    page = body(login(world.clinician).get(reverse("repair_detail", args=[repair.pk])))
    opened = page.index("Opened from the clinician")
    planned = page.index("Plan made: name what happened.")
    assert opened < planned


def test_a_supervisor_opening_it_is_named_on_the_page(world, login):
    repair = open_by_hand(world.trainee_case, world.supervisor)
    page = body(login(world.trainee).get(reverse("repair_detail", args=[repair.pk])))
    assert f"by {world.supervisor} from the supervisor" in page


def test_an_earlier_plan_stays_visible(world, login):
    repair = open_by_hand(world.case, world.clinician)
    plan_save(
        repair=repair,
        by=world.clinician,
        steps=[{"key": "name", "text": "The first plan's words."}],
        expected_number=0,
    )
    plan_save(
        repair=repair,
        by=world.clinician,
        steps=[{"key": "own", "text": "The second plan's words."}],
        expected_number=1,
    )
    page = body(login(world.clinician).get(reverse("repair_detail", args=[repair.pk])))
    assert "The second plan&#x27;s words." in page
    assert "The first plan&#x27;s words." in page


def test_an_admin_is_not_offered_a_repair_they_cannot_start(world, login):
    alert = ruptured(world.case, world.clinician)
    page = body(login(world.admin).get(reverse("alert_detail", args=[alert.pk])))
    assert f"{reverse('repair_new')}?alert={alert.pk}" not in page
