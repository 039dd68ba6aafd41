"""Amending what happened: a new version every time, never an overwrite."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from reattune.repairs.models import RepairStatus, RepairVersion
from reattune.repairs.recording import StaleRecord
from reattune.repairs.services import repair_amend, repair_close
from reattune.repairs.views import STALE
from tests.repairs.helpers import (
    amend_form,
    body,
    check,
    days_ago,
    follow,
    narrative,
    open_by_hand,
    open_from_alert,
    ruptured,
    session,
)

pytestmark = pytest.mark.django_db


def _amend(repair, by, *, expected=1, reason="I had it wrong.", **changes):
    current = repair.current()
    fields = narrative(
        what_happened=current.what_happened,
        kind=current.kind,
        marker=current.marker,
        harm=current.harm,
        contribution=current.contribution,
    ) | {"session": current.session}
    return repair_amend(
        repair=repair, by=by, expected_number=expected, reason=reason, **(fields | changes)
    )


def test_an_amendment_is_version_2_with_its_reason_and_version_1_is_unchanged(world):
    repair = open_by_hand(world.case, world.clinician)
    first = repair.current()
    before = RepairVersion.objects.filter(pk=first.pk).values().get()
    version = _amend(repair, world.clinician, what_happened="I rushed her, twice.")
    assert (version.number, version.amendment_reason, version.recorded_by) == (
        2,
        "I had it wrong.",
        world.clinician,
    )
    assert RepairVersion.objects.filter(pk=first.pk).values().get() == before
    assert repair.current() == version
    assert (
        repair.events.filter(action="amended")
        .get()
        .summary.startswith("Amended to version 2: I had it wrong.")
    )


def test_a_stale_amendment_saves_nothing(world):
    repair = open_by_hand(world.case, world.clinician)
    _amend(repair, world.clinician, what_happened="Second.")
    with pytest.raises(StaleRecord):
        _amend(repair, world.colleague, expected=1, what_happened="Third, from an old form.")
    assert list(repair.versions.values_list("number", "what_happened")) == [
        (1, narrative()["what_happened"]),
        (2, "Second."),
    ]
    assert repair.events.filter(action="amended").count() == 1


def test_an_amendment_needs_a_reason(world):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError) as excinfo:
        _amend(repair, world.clinician, reason="  ")
    assert excinfo.value.message_dict == {"amendment_reason": ["Say why you're changing it."]}
    assert repair.versions.count() == 1


def test_an_amendment_refuses_an_empty_narrative(world):
    repair = open_by_hand(world.case, world.clinician)
    with pytest.raises(ValidationError):
        _amend(repair, world.clinician, what_happened="")
    assert repair.versions.count() == 1


def test_amending_a_closed_repair_works_and_the_history_says_so(world):
    repair = open_by_hand(world.case, world.clinician)
    repair_close(repair=repair, by=world.clinician, reason="The client ended therapy.")
    repair.refresh_from_db()
    version = _amend(repair, world.clinician, what_happened="Written up properly.")
    assert version.number == 2
    summary = repair.events.filter(action="amended").get().summary
    assert summary.startswith("Amended after it was closed to version 2")
    repair.refresh_from_db()
    assert repair.status == RepairStatus.CLOSED


def test_amending_kind_and_harm_adds_obligations_and_removes_none(world):
    follow(world.clinic.pk, "bacp", "hipaa_breach")
    repair = open_by_hand(world.case, world.clinician, kind="alliance_rupture", harm="no_harm")
    before = set(repair.obligations.values_list("code_id", "key"))
    assert ("bacp", "monitor_experience") in before  # alliance ruptures only
    _amend(repair, world.clinician, kind="confidentiality", harm="harm_moderate")
    after = set(repair.obligations.values_list("code_id", "key"))
    assert before < after, "nothing removed, something added"
    assert ("hipaa_breach", "notify_individual") in after
    assert ("bacp", "repair_harm") in after
    repair.refresh_from_db()
    assert (repair.kind, repair.harm) == ("confidentiality", "harm_moderate")
    added = repair.events.get(action="obligations_added")
    assert added.summary == f"{len(after - before)} obligations added for the new grading."
    assert (
        "now confidentiality or privacy, Harm: moderate"
        in repair.events.get(action="amended").summary
    )


def test_amending_the_session_to_one_after_the_discovery_is_refused(world):
    repair = open_by_hand(world.case, world.clinician, discovered_on=world.session.date)
    later = session(world.case, 3)
    with pytest.raises(ValidationError) as excinfo:
        _amend(repair, world.clinician, session=later)
    assert "before the session" in excinfo.value.message_dict["session"][0]
    assert repair.versions.count() == 1


def test_amending_the_session_of_a_waiting_repair_moves_what_judges_it(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician, discovered_on=days_ago(0))
    assert repair.verify_after == 5
    _amend(repair, world.clinician, session=session(world.case, 4))
    repair.refresh_from_db()
    assert repair.verify_after == 5, "the check after session 5 was in before the repair"
    sixth = session(world.case, 6)
    _amend(repair, world.clinician, expected=2, session=sixth)
    repair.refresh_from_db()
    assert repair.verify_after == 6
    check(world.case, sixth, world.clinician, 36)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN, "session 6 is the mistake, not the repair"


# --- through the page -------------------------------------------------------------------------


def test_the_page_shows_the_amendment_and_the_earlier_version(world, login):
    repair = open_by_hand(world.case, world.clinician)
    client = login(world.clinician)
    response = client.post(
        reverse("repair_amend", args=[repair.pk]),
        amend_form(repair, what_happened="The second telling.", amendment_reason="Clearer."),
    )
    assert response.status_code == 302
    page = body(client.get(reverse("repair_detail", args=[repair.pk])))
    assert "Amended" in page
    assert "Earlier versions (1)" in page
    assert "The second telling." in page
    assert escape(narrative()["what_happened"]) in page
    assert "Clearer." in page


def test_a_stale_form_says_so_keeps_the_typed_text_and_saves_nothing(world, login):
    repair = open_by_hand(world.case, world.clinician)
    stale = amend_form(repair, what_happened="Typed in the stale form.")
    _amend(repair, world.clinician, what_happened="Someone else got there first.")
    response = login(world.clinician).post(reverse("repair_amend", args=[repair.pk]), stale)
    assert response.status_code == 200
    page = body(response)
    assert escape(STALE) in page
    assert "Typed in the stale form." in page
    assert repair.versions.count() == 2


def test_saving_again_after_a_stale_warning_is_a_deliberate_new_version(world, login):
    repair = open_by_hand(world.case, world.clinician)
    stale = amend_form(repair, what_happened="Typed in the stale form.")
    _amend(repair, world.clinician, what_happened="Someone else got there first.")
    client = login(world.clinician)
    response = client.post(reverse("repair_amend", args=[repair.pk]), stale)
    resent = {k: v for k, v in stale.items()} | {
        "version": response.context["form"]["version"].value()
    }
    assert str(resent["version"]) == "2"
    response = client.post(reverse("repair_amend", args=[repair.pk]), resent)
    assert response.status_code == 302
    assert repair.current().what_happened == "Typed in the stale form."
    assert repair.current().number == 3


def test_the_amend_form_starts_from_the_current_version(world, login):
    repair = open_by_hand(world.case, world.clinician)
    _amend(repair, world.clinician, what_happened="Version two.")
    form = login(world.clinician).get(reverse("repair_amend", args=[repair.pk])).context["form"]
    assert form.initial["version"] == 2
    assert form.initial["what_happened"] == "Version two."


def test_the_amend_form_needs_a_reason(world, login):
    repair = open_by_hand(world.case, world.clinician)
    response = login(world.clinician).post(
        reverse("repair_amend", args=[repair.pk]), amend_form(repair, amendment_reason="")
    )
    assert response.context["form"].errors["amendment_reason"] == ["Say why you're changing it."]
    assert repair.versions.count() == 1
