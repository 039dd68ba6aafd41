"""The nightly recalibration reads a clinic's closed cases in one query and gives exactly what
reading them case by case, as detection reads one case, gives. All data synthetic."""

from __future__ import annotations

import random

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reattune.alerts.calibration import clinic_history
from reattune.alerts.detection import case_measurements
from reattune.cases.models import Attendance, Case
from reattune.checks.models import ResponseSource
from reattune.checks.services import responses_store
from reattune.detection.expected import calibrate, changes_since_intake, outcome_definitions
from reattune.detection.frame import Parameters, sort_measurements
from reattune.measures.registry import all_definitions, get_definition
from tests.factories import make_case, make_session

pytestmark = pytest.mark.django_db


def phq9(total_hint: int) -> dict[str, str]:
    return {f"q{n}": str(min(3, max(0, total_hint - n // 3))) for n in range(1, 10)} | {"q10": "0"}


def alliance(rng: random.Random) -> dict[str, str]:
    # Not an outcome measure: calibration must leave it out.
    items = ("respected", "focus", "approach", "voice")
    return {item: str(rng.randint(6, 10)) for item in items} | {"felt_off": "no"}


def history_case(clinician, rng: random.Random, *, kind: str = "individual", close: bool = True):
    case = make_case(clinician, kind=kind)
    for number in range(1, rng.randint(3, 8)):
        missed = number > 2 and rng.random() < 0.2
        session = make_session(
            case, number, attendance=Attendance.NO_SHOW if missed else Attendance.ATTENDED
        )
        if missed:
            continue
        for participant in case.participants.all():
            by_measure = {"phq9": get_definition("phq9").clean_answers(phq9(rng.randint(0, 4)))}
            if rng.random() < 0.5:
                by_measure["alliance"] = get_definition("alliance").clean_answers(alliance(rng))
            responses_store(
                session=session,
                participant=participant,
                by_measure=by_measure,
                source=ResponseSource.IMPORT,
            )
    if close:
        case.closed_on = case.opened_on
        case.save()
    return case


def case_by_case(clinic) -> pl.DataFrame:
    closed = Case.objects.filter(clinic=clinic, closed_on__isnull=False)
    return pl.concat([case_measurements(c, up_to=10_000) for c in closed])


def test_one_query_gives_what_reading_case_by_case_gives(world, other_world):
    rng = random.Random(7)
    cases = [history_case(world.clinician, rng) for _ in range(6)]
    cases += [history_case(world.clinician, rng, kind="couple") for _ in range(2)]
    history_case(world.clinician, rng, close=False)  # open: not history yet
    history_case(other_world.clinician, rng)  # another clinic's

    with CaptureQueriesContext(connection) as captured:
        batched, count = clinic_history(world.clinic)
    assert count == len(cases)
    assert len(captured) <= 4, [q["sql"] for q in captured]

    outcome = outcome_definitions(all_definitions())
    expected = changes_since_intake(sort_measurements(case_by_case(world.clinic)), outcome)
    got = changes_since_intake(batched, outcome)
    assert got.height > 0
    columns = ["client_id", "participant_id", "session", "measure", "total", "intake", "change"]
    assert got.select(columns).sort(columns).equals(expected.select(columns).sort(columns))

    # Small enough cells that the clinic's own figures are used, not only the defaults.
    parameters = Parameters(min_calibration_clients=2)
    assert (
        calibrate(batched, all_definitions(), parameters).to_dict()
        == calibrate(case_by_case(world.clinic), all_definitions(), parameters).to_dict()
    )


def test_a_clinic_without_scored_history_keeps_the_defaults(world):
    world.case.closed_on = world.case.opened_on
    world.case.save()
    frame, count = clinic_history(world.clinic)
    assert (frame.is_empty(), count) == (True, 0)
