"""Opening a repair through the service: from an alert, by hand, from a client's comment, and
everything it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reattune.alerts.models import AlertStatus
from reattune.checks.models import Response
from reattune.repairs.models import Repair, RepairEvent, RepairStatus, RepairVersion, Source
from reattune.repairs.recording import FUTURE_DATE, TEXT_LIMIT, RepairExists
from reattune.repairs.services import EMPTY_NARRATIVE, repair_open, source_for
from tests.factories import make_case, make_session
from tests.repairs.helpers import (
    NARRATIVE,
    check,
    narrative,
    open_by_hand,
    open_from_alert,
    ruptured,
    session,
)

pytestmark = pytest.mark.django_db


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_opening_from_an_alert_acknowledges_it_and_records_the_source(world):
    alert = ruptured(world.case, world.clinician)
    assert alert.status == AlertStatus.OPEN
    repair = open_from_alert(alert, world.clinician)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, world.clinician)
    assert (repair.source, repair.alert, repair.opened_by) == (
        Source.ALERT,
        alert,
        world.clinician,
    )
    assert (repair.case, repair.participant, repair.client_id) == (
        world.case,
        alert.participant,
        alert.client_id,
    )
    assert repair.verify_after == 5
    assert repair.status == RepairStatus.OPEN


def test_the_first_version_holds_the_narrative_as_written(world):
    alert = ruptured(world.case, world.clinician)
    repair = open_from_alert(alert, world.clinician, what_happened="  I rushed her.  ")
    version = repair.current()
    assert (version.number, version.amendment_reason, version.recorded_by) == (
        1,
        "",
        world.clinician,
    )
    assert version.what_happened == "I rushed her."
    assert (version.kind, version.marker, version.harm) == (
        "alliance_rupture",
        "withdrawal",
        "no_harm",
    )
    assert version.session == alert.session
    assert list(repair.events.values_list("action", flat=True)) == ["opened"]
    assert repair.events.get().summary == "Opened from an alert."


def test_one_repair_per_alert_a_second_open_raises_with_the_first(world):
    alert = ruptured(world.case, world.clinician)
    first = open_from_alert(alert, world.clinician)
    with pytest.raises(RepairExists) as excinfo:
        open_from_alert(alert, world.clinician, what_happened="Again.")
    assert excinfo.value.repair == first
    assert Repair.objects.count() == 1
    assert RepairVersion.objects.count() == 1


def test_opening_by_hand_is_the_clinicians_own_sense(world):
    repair = open_by_hand(world.case, world.clinician)
    assert repair.source == Source.CLINICIAN
    assert repair.alert is None
    assert repair.response is None


def test_a_supervisor_opening_on_a_supervisees_case_is_recorded_as_the_supervisor(world):
    assert source_for(world.supervisor, world.trainee_case) == Source.SUPERVISOR
    repair = open_by_hand(world.trainee_case, world.supervisor)
    assert (repair.source, repair.opened_by) == (Source.SUPERVISOR, world.supervisor)
    assert repair.events.get().summary == "Opened from the supervisor."


def test_opening_from_a_clients_comment_keeps_the_response(world):
    ruptured(world.case, world.clinician)
    response = Response.objects.get(
        session__case=world.case, session__number=5, measure_id="alliance"
    )
    repair = repair_open(
        by=world.clinician,
        case=world.case,
        participant=response.participant,
        session=response.session,
        discovered_on=response.session.date,
        source=Source.CLIENT_COMMENT,
        response=response,
        **narrative(),
    )
    assert (repair.source, repair.response) == (Source.CLIENT_COMMENT, response)


def test_the_marker_is_kept_only_for_an_alliance_rupture(world):
    repair = open_by_hand(world.case, world.clinician, kind="clinical_error", marker="withdrawal")
    assert repair.current().marker == ""


def test_checks_already_in_when_the_repair_opens_do_not_judge_it(world):
    alert = ruptured(world.case, world.clinician)
    check(world.case, session(world.case, 6), world.clinician, 36)
    repair = open_from_alert(alert, world.clinician)
    assert (repair.status, repair.verify_after) == (RepairStatus.OPEN, 6)
    check(world.case, session(world.case, 7), world.clinician, 36)
    repair.refresh_from_db()
    assert (repair.status, repair.verified_session) == (
        RepairStatus.HELD,
        session(world.case, 7),
    )


# --- what it refuses ----------------------------------------------------------------------------


def _open(world, **changes):
    fields = {
        "by": world.clinician,
        "case": world.case,
        "participant": world.case.participants.get(),
        "session": world.session,
        "discovered_on": world.session.date,
        "source": Source.CLINICIAN,
    } | narrative()
    return repair_open(**(fields | changes))


def test_a_person_from_another_case_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        _open(world, participant=world.colleague_case.participants.get())
    assert _errors(excinfo) == {"participant": ["That person is not part of this case."]}
    assert Repair.objects.count() == 0


def test_a_session_from_another_case_is_refused(world):
    theirs = make_session(world.colleague_case, 1)
    with pytest.raises(ValidationError) as excinfo:
        _open(world, session=theirs)
    assert _errors(excinfo) == {"session": ["That session belongs to another case."]}
    assert Repair.objects.count() == 0


def test_a_session_in_the_future_is_refused(world):
    future = make_session(world.case, 2)
    future.date = timezone.localdate() + dt.timedelta(days=3)
    future.save()
    with pytest.raises(ValidationError) as excinfo:
        _open(world, session=future, discovered_on=timezone.localdate())
    assert _errors(excinfo) == {"session": [FUTURE_DATE]}


def test_a_discovery_in_the_future_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        _open(world, discovered_on=timezone.localdate() + dt.timedelta(days=1))
    assert _errors(excinfo) == {"discovered_on": [FUTURE_DATE]}


def test_a_discovery_before_the_session_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        _open(world, discovered_on=world.session.date - dt.timedelta(days=1))
    assert "before the session" in _errors(excinfo)["discovered_on"][0]


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_an_empty_narrative_is_refused(world, text):
    with pytest.raises(ValidationError) as excinfo:
        _open(world, what_happened=text)
    assert _errors(excinfo) == {"what_happened": [EMPTY_NARRATIVE]}
    assert Repair.objects.count() == 0


@pytest.mark.parametrize("field", ["what_happened", "contribution"])
def test_text_over_the_limit_is_refused(world, field):
    with pytest.raises(ValidationError) as excinfo:
        _open(world, **{field: "x" * (TEXT_LIMIT + 1)})
    assert f"under {TEXT_LIMIT} characters" in _errors(excinfo)[field][0]


def test_text_at_the_limit_is_kept_whole(world):
    repair = _open(world, what_happened="x" * TEXT_LIMIT)
    assert len(repair.current().what_happened) == TEXT_LIMIT


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "sloppiness"), ("harm", "catastrophic"), ("marker", "sulking"), ("kind", "")],
)
def test_an_unknown_kind_harm_or_marker_is_refused(world, field, value):
    with pytest.raises(ValidationError) as excinfo:
        _open(world, **{field: value})
    assert field in _errors(excinfo)
    assert Repair.objects.count() == 0


def test_a_closed_case_takes_no_new_repair(world):
    world.case.closed_on = timezone.localdate()
    world.case.save()
    with pytest.raises(ValidationError) as excinfo:
        _open(world)
    assert "closed" in excinfo.value.messages[0]
    assert Repair.objects.count() == 0


def test_a_refused_open_from_an_alert_leaves_the_alert_open(world):
    alert = ruptured(world.case, world.clinician)
    with pytest.raises(ValidationError):
        open_from_alert(alert, world.clinician, what_happened=" ")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert not RepairEvent.objects.exists()


def test_a_couple_case_repair_is_with_the_chosen_partner(world):
    case = make_case(world.clinician, kind="couple")
    partner_b = case.participants.order_by("pk")[1]
    repair = open_by_hand(case, world.clinician, participant=partner_b)
    assert (repair.participant, repair.client_id) == (partner_b, partner_b.client_id)
    assert repair.current().what_happened == NARRATIVE


def test_an_alert_of_another_case_is_refused(world):
    alert = ruptured(world.colleague_case, world.colleague)
    with pytest.raises(ValidationError) as excinfo:
        _open(world, alert=alert, source=Source.ALERT)
    assert excinfo.value.messages == ["That alert or comment belongs to another case."]
    assert Repair.objects.count() == 0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
