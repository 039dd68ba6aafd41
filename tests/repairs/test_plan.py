"""The guided repair's plan: saved, changed as a new version, refused when it makes no sense."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from reattune.repairs.models import RepairPlan
from reattune.repairs.recording import StaleRecord
from reattune.repairs.services import STEP_LIMIT, STEP_TOO_LONG, plan_save
from reattune.repairs.steps import BY_KEY, MARKER_HINTS, STEPS, default_plan
from reattune.repairs.views import STALE
from tests.repairs.helpers import body, open_by_hand

pytestmark = pytest.mark.django_db


def _steps(*keys: str) -> list[dict[str, str]]:
    return [{"key": k, "text": f"My words for {k}."} for k in keys]


def test_a_plan_is_saved_with_each_steps_title(world):
    repair = open_by_hand(world.case, world.clinician)
    plan = plan_save(
        repair=repair, by=world.clinician, steps=_steps("name", "own"), expected_number=0
    )
    assert plan.number == 1
    assert plan.steps == [
        {"key": "name", "title": BY_KEY["name"].title, "text": "My words for name."},
        {"key": "own", "title": BY_KEY["own"].title, "text": "My words for own."},
    ]
    assert (
        repair.events.get(action="plan").summary == "Plan made: name what happened, own your part."
    )


def test_changing_the_plan_is_version_2_and_keeps_version_1(world):
    repair = open_by_hand(world.case, world.clinician)
    first = plan_save(repair=repair, by=world.clinician, steps=_steps("name"), expected_number=0)
    second = plan_save(
        repair=repair, by=world.clinician, steps=_steps("name", "invite"), expected_number=1
    )
    assert (second.number, second.amendment_reason) == (2, "Plan changed")
    first.refresh_from_db()
    assert [s["key"] for s in first.steps] == ["name"]
    assert repair.current_plan() == second


def test_a_stale_plan_saves_nothing(world):
    repair = open_by_hand(world.case, world.clinician)
    plan_save(repair=repair, by=world.clinician, steps=_steps("name"), expected_number=0)
    with pytest.raises(StaleRecord):
        plan_save(repair=repair, by=world.clinician, steps=_steps("own"), expected_number=0)
    assert RepairPlan.objects.count() == 1


def test_an_unknown_step_is_refused(world):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        plan_save(
            repair=repair, by=world.clinician, steps=_steps("name", "blame"), expected_number=0
        )
    assert excinfo.value.messages == ["The plan has a step this version of Reattune does not know."]
    assert not RepairPlan.objects.exists()


def test_a_step_over_the_limit_is_refused_not_cut_short(world):
    repair = open_by_hand(world.case, world.clinician)
    steps = [{"key": "name", "text": "x" * (STEP_LIMIT + 1)}]
    with pytest.raises(ValidationError) as excinfo:
        plan_save(repair=repair, by=world.clinician, steps=steps, expected_number=0)
    assert excinfo.value.message_dict == {"text_name": [STEP_TOO_LONG]}
    assert not RepairPlan.objects.exists()


def test_a_plan_with_no_steps_is_refused(world):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        plan_save(repair=repair, by=world.clinician, steps=[], expected_number=0)
    assert excinfo.value.messages == ["Choose at least one step."]
    assert not RepairPlan.objects.exists()


# --- through the page -------------------------------------------------------------------------


def _post(**chosen: str) -> dict[str, str]:
    data = {"version": "0"}
    for key, text in chosen.items():
        data[f"use_{key}"] = "on"
        data[f"text_{key}"] = text
    return data


def test_the_plan_page_offers_every_step_with_its_example(world, login):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).get(reverse("repair_plan", args=[repair.pk]))
    page = body(response)
    for step in STEPS:
        assert escape(step.title) in page
        assert escape(step.example) in page
    assert escape(MARKER_HINTS["withdrawal"]) in page


def test_posting_the_plan_saves_the_chosen_steps_in_the_clinicians_words(world, login):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).post(
        reverse("repair_plan", args=[repair.pk]),
        _post(name="I rushed you last week.", agree="Tell me if it is too fast."),
    )
    assert response.status_code == 302
    plan = repair.current_plan()
    assert plan is not None
    assert [(s["key"], s["text"]) for s in plan.steps] == [
        ("name", "I rushed you last week."),
        ("agree", "Tell me if it is too fast."),
    ]


def test_the_plan_page_refuses_no_steps(world, login):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).post(reverse("repair_plan", args=[repair.pk]), _post())
    assert response.status_code == 200
    assert "Choose at least one step." in body(response)
    assert not RepairPlan.objects.exists()


def test_a_stale_plan_page_says_so(world, login):
    repair = open_by_hand(world.case, world.clinician)
    plan_save(repair=repair, by=world.clinician, steps=default_plan(), expected_number=0)
    response = login(world.clinician).post(
        reverse("repair_plan", args=[repair.pk]), _post(name="From an old tab.")
    )
    assert escape(STALE) in body(response)
    assert "From an old tab." in body(response)
    assert RepairPlan.objects.count() == 1


def test_the_detail_page_shows_the_plan(world, login):
    repair = open_by_hand(world.case, world.clinician)
    plan_save(repair=repair, by=world.clinician, steps=_steps("apologise"), expected_number=0)
    page = body(login(world.clinician).get(reverse("repair_detail", args=[repair.pk])))
    assert "Apologise where it is due" in page
    assert "My words for apologise." in page
