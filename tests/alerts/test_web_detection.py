"""The web app runs the same detection engine as the command line, on each submission and
with each clinic's own calibration."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from reattune.alerts.detection import case_measurements, clinic_context, session_signals
from reattune.alerts.models import Alert, ExpectedResponseCalibration
from reattune.alerts.services import alerts_raise_for_session
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from tests.checks.helpers import full_check
from tests.factories import make_case, make_session

pytestmark = pytest.mark.django_db


def answer(world, session, participant=None, **overrides):
    participant = participant or session.case.participants.first()
    link = check_link_create(session=session, participant=participant, created_by=world.clinician)
    check_response_submit(link=link, cleaned=check_answers_clean(link, full_check(**overrides)))


def alliance(score: int) -> dict[str, str]:
    """An alliance check whose four items add up to `score` (0-40)."""
    each, extra = divmod(score, 4)
    values = [each + (1 if n < extra else 0) for n in range(4)]
    items = ("respected", "focus", "approach", "voice")
    return {f"alliance__{item}": str(v) for item, v in zip(items, values, strict=True)}


def test_a_ceiling_rater_who_drops_gets_a_rupture_alert_without_saying_so(world):
    sessions = [world.session] + [make_session(world.case, n) for n in (2, 3, 4)]
    for session in sessions[:3]:
        answer(world, session, **alliance(40))
        alerts_raise_for_session(session=session)
    answer(world, sessions[3], **alliance(34))
    alerts_raise_for_session(session=sessions[3])
    alert = Alert.objects.get(signal="alliance_rupture")
    assert alert.session == sessions[3]
    assert "usual 40" in alert.explanation
    assert "Stiles" in alert.rule or "Gumz" in alert.rule


def test_a_steady_low_rater_gets_no_rupture_alert(world):
    for n, score in enumerate((24, 25, 23, 24, 25, 24), start=1):
        session = world.session if n == 1 else make_session(world.case, n)
        answer(world, session, **alliance(score))
        alerts_raise_for_session(session=session)
    assert not Alert.objects.filter(signal="alliance_rupture").exists()


def test_reliable_deterioration_on_phq9_becomes_an_alert_with_its_rule(world):
    answer(world, world.session, phq9__q1="0")  # total 8
    second = make_session(world.case, 2)
    answer(world, second, **{f"phq9__q{n}": "2" for n in range(1, 9)})  # total 16
    alerts_raise_for_session(session=second)
    alert = Alert.objects.get(signal="reliable_deterioration")
    assert alert.title == "Reliable deterioration on PHQ-9 since intake"
    assert "Jacobson" in alert.rule


def test_a_split_alliance_in_a_couple_case_names_the_partner_who_dropped(world):
    couple = make_case(world.clinician, kind="couple")
    a, b = couple.participants.order_by("pk")
    for n in (1, 2, 3):
        session = make_session(couple, n)
        answer(world, session, a, **alliance(38))
        answer(world, session, b, **alliance(38 if n < 3 else 26))
        alerts_raise_for_session(session=session)
    split = Alert.objects.get(signal="split_alliance")
    assert split.participant == b


def test_missed_sessions_are_part_of_the_case_frame(world):
    make_session(world.case, 2, attendance="no_show")
    frame = case_measurements(world.case, up_to=2)
    assert frame.filter(frame["session"] == 2)["attendance"].to_list() == ["no_show"]


def test_signals_at_a_session_use_nothing_recorded_later(world):
    answer(world, world.session)
    second = make_session(world.case, 2)
    answer(world, second, alliance__felt_off="yes", phq9__q9="2")
    first_signals = session_signals(world.session)
    assert first_signals.is_empty(), "session 2's answers must not reach back to session 1"


def test_recalibrate_stores_a_calibration_the_engine_then_uses(world):
    call_command("recalibrate", verbosity=0)
    row = ExpectedResponseCalibration.objects.get(clinic=world.clinic)
    assert row.closed_cases == 0
    assert "published defaults" in row.source
    assert clinic_context(world.clinic.pk).calibration is None


def test_recalibrate_reads_the_clinics_closed_cases(world):
    answer(world, world.session)
    answer(world, make_session(world.case, 2))
    world.case.closed_on = world.case.opened_on
    world.case.save()
    call_command("recalibrate", "--clinic", world.clinic.slug, verbosity=0)
    row = ExpectedResponseCalibration.objects.get(clinic=world.clinic)
    assert row.closed_cases == 1
    assert row.data, "the table is stored, defaults filling the cells one case cannot"
    assert clinic_context(world.clinic.pk).calibration is not None


def test_recalibrate_names_an_unknown_clinic(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no clinic with the slug 'nowhere'"):
        call_command("recalibrate", "--clinic", "nowhere", verbosity=0)


def test_missed_sessions_after_a_rupture_raise_disengagement_when_recorded(
    world, login, django_capture_on_commit_callbacks
):
    for n, score in ((1, 38), (2, 39), (3, 38)):
        session = world.session if n == 1 else make_session(world.case, n)
        answer(world, session, **alliance(score))
    answer(world, make_session(world.case, 4), **alliance(25))
    client = login(world.clinician)
    for number in (5, 6):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/cases/{world.case.pk}/sessions/new/",
                {"number": str(number), "date": "2026-02-20", "attendance": "no_show"},
            )
    alert = Alert.objects.get(signal="disengagement")
    assert alert.session.number == 6
