"""The nightly recalibration: expected-response bands from each clinic's own closed cases."""

from __future__ import annotations

import polars as pl
from django.db.models import Count

from reattune.alerts.models import ExpectedResponseCalibration
from reattune.cases.models import Case, Participant
from reattune.checks.models import Response
from reattune.clinics.models import Clinic
from reattune.detection.expected import calibrate, outcome_definitions
from reattune.detection.frame import ATTENDED, MEASUREMENT_SCHEMA, Parameters, sort_measurements
from reattune.measures.registry import all_definitions

# Rows fetched per round trip: a large clinic has millions of answers, and the history is read
# as plain tuples so memory stays at a few hundred bytes a row.
CHUNK_ROWS = 20_000


def clinic_history(clinic: Clinic) -> tuple[pl.DataFrame, int]:
    """Every closed case's scored outcome answers, one frame, and how many cases there are.

    Calibration reads only outcome measures' totals (`detection.expected.calibrate`), so this
    is one query over the clinic's answers, not a round of queries per case, and it never
    decrypts the answers themselves: the nightly run stays at a few seconds for a clinic with
    100,000 clients (benchmarks/scale_pages.py)."""
    closed = Case.objects.filter(clinic=clinic, closed_on__isnull=False)
    cases = closed.count()
    if not cases:
        return pl.DataFrame(), 0
    joint = set(
        Participant.objects.filter(clinic=clinic, case__closed_on__isnull=False)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("case_id", flat=True)
    )
    answers = (
        Response.objects.filter(
            clinic=clinic,
            session__case__closed_on__isnull=False,
            measure_id__in=list(outcome_definitions(all_definitions())),
        )
        .order_by()
        .values_list("session__case_id", "participant_id", "session__number", "measure_id", "total")
    )
    columns: dict[str, list[object]] = {name: [] for name in ("c", "p", "s", "m", "t")}
    for case_id, participant_id, number, measure_id, total in answers.iterator(CHUNK_ROWS):
        columns["c"].append(str(case_id))
        # As detection keys a case's series: by participant only when the case is joint.
        columns["p"].append(str(participant_id) if case_id in joint else "")
        columns["s"].append(number)
        columns["m"].append(measure_id)
        columns["t"].append(float(total))
    if not columns["c"]:
        return pl.DataFrame(), 0  # nothing scored yet: the published defaults stand
    rows = len(columns["c"])
    frame = pl.DataFrame(
        {
            "client_id": columns["c"],
            "participant_id": columns["p"],
            "session": columns["s"],
            "measure": columns["m"],
            "total": columns["t"],
            "items": [None] * rows,
            "attendance": [ATTENDED] * rows,
            "felt_off": [None] * rows,
        },
        schema=MEASUREMENT_SCHEMA,
    )
    return sort_measurements(frame), cases


def calibration_refresh(*, clinic: Clinic) -> ExpectedResponseCalibration:
    history, cases = clinic_history(clinic)
    calibration = calibrate(history, all_definitions(), Parameters()) if cases else None
    data = calibration.to_dict() if calibration else {}
    source = calibration.source if calibration else "published defaults (no closed cases yet)"
    return ExpectedResponseCalibration.objects.create(
        clinic=clinic, closed_cases=cases, source=source[:200], data=data
    )
