"""Closing a repair by hand: with a reason, and knowingly when obligations are not done."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reattune.repairs.models import RepairStatus
from reattune.repairs.services import repair_close
from tests.repairs.helpers import (
    body,
    check,
    flashed,
    follow,
    open_by_hand,
    open_from_alert,
    ruptured,
    session,
)

pytestmark = pytest.mark.django_db


def test_closing_keeps_the_reason_who_and_when(world):
    repair = open_by_hand(world.case, world.clinician)
    closed = repair_close(repair=repair, by=world.clinician, reason="The client ended therapy.")
    assert (closed.status, closed.closed_by, closed.close_reason) == (
        RepairStatus.CLOSED,
        world.clinician,
        "The client ended therapy.",
    )
    assert closed.closed_at is not None
    assert repair.events.get(action="closed").summary == (
        f"Closed by {world.clinician}: The client ended therapy."
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_closing_needs_a_reason(world, reason):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        repair_close(repair=repair, by=world.clinician, reason=reason)
    assert excinfo.value.message_dict == {"reason": ["Say why you are closing it."]}
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN


def test_closing_twice_is_refused(world):
    repair = open_by_hand(world.case, world.clinician)
    repair_close(repair=repair, by=world.clinician, reason="Done.")
    with pytest.raises(ValidationError) as excinfo:
        repair_close(repair=repair, by=world.supervisor, reason="Again.")
    assert excinfo.value.messages == ["This repair is already closed."]
    repair.refresh_from_db()
    assert (repair.closed_by, repair.close_reason) == (world.clinician, "Done.")


def test_a_held_repair_cannot_be_closed_by_hand(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 36)
    with pytest.raises(ValidationError):
        repair_close(repair=repair, by=world.clinician, reason="Tidying up.")
    repair.refresh_from_db()
    assert (repair.status, repair.close_reason) == (RepairStatus.HELD, "")


def test_a_repair_that_did_not_hold_can_be_closed_with_a_reason(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 24)
    check(world.case, session(world.case, 7), world.clinician, 23)
    closed = repair_close(repair=repair, by=world.clinician, reason="Agreed in supervision.")
    assert closed.status == RepairStatus.CLOSED


# --- through the page -------------------------------------------------------------------------


def test_closing_through_the_page(world, login):
    repair = open_by_hand(world.case, world.clinician)
    client = login(world.clinician)
    response = client.post(
        reverse("repair_close", args=[repair.pk]), {"reason": "The client moved away."}
    )
    assert response.status_code == 302
    repair.refresh_from_db()
    assert repair.status == RepairStatus.CLOSED
    page = body(client.get(reverse("repair_detail", args=[repair.pk])))
    assert f"Closed by {world.clinician}" in page
    assert "The client moved away." in page
    assert "Close the repair with a reason" not in page


def test_the_page_refuses_an_empty_reason(world, login):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).post(
        reverse("repair_close", args=[repair.pk]), {"reason": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why you are closing it."]
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN


def test_outstanding_obligations_need_the_tick_and_stay_outstanding(world, login):
    follow(world.clinic.pk, "bacp")
    repair = open_by_hand(world.case, world.clinician)
    outstanding = repair.obligations.count()
    assert outstanding > 0
    client = login(world.clinician)
    url = reverse("repair_close", args=[repair.pk])
    page = body(client.get(url))
    assert f"{outstanding} obligations not done" in page
    response = client.post(url, {"reason": "The client ended therapy."})
    assert response.context["form"].errors["outstanding_understood"] == [
        f"{outstanding} obligation(s) are not done. Tick the box to close the repair anyway."
    ]
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN
    response = client.post(
        url, {"reason": "The client ended therapy.", "outstanding_understood": "on"}
    )
    assert response.status_code == 302
    repair.refresh_from_db()
    assert repair.status == RepairStatus.CLOSED
    assert repair.obligations.outstanding().count() == outstanding
    assert f"with {outstanding} obligations not done" in repair.events.get(action="closed").summary


def test_closing_an_already_closed_repair_through_the_page_says_so(world, login):
    repair = open_by_hand(world.case, world.clinician)
    repair_close(repair=repair, by=world.clinician, reason="First.")
    response = login(world.clinician).post(
        reverse("repair_close", args=[repair.pk]), {"reason": "Second."}, follow=True
    )
    assert flashed(response) == ["This repair is already closed."]
    repair.refresh_from_db()
    assert repair.close_reason == "First."


def test_a_held_repair_has_no_close_button_and_the_page_refuses(world, login):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 36)
    client = login(world.clinician)
    assert "Close the repair with a reason" not in body(
        client.get(reverse("repair_detail", args=[repair.pk]))
    )
    response = client.post(
        reverse("repair_close", args=[repair.pk]), {"reason": "Tidy."}, follow=True
    )
    assert flashed(response) == ["This repair is already closed."]
    repair.refresh_from_db()
    assert repair.status == RepairStatus.HELD
