"""The web app's side of the detection core: turn a case's stored answers into the core's
measurements frame, run the same engine the command line runs, and keep what it says about
one session.

A case is the core's `client_id`, so every participant of a couple or family case is in one
frame and a split alliance can be seen; `participant_id` is the participant's id in a joint
case and "" in an individual one.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from reattune.alerts.models import ExpectedResponseCalibration
from reattune.cases.models import Attendance, Case, TherapySession
from reattune.checks.models import Response
from reattune.detection.engine import detect
from reattune.detection.expected import Calibration
from reattune.detection.frame import Context, measurements
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.registry import all_definitions

ALLIANCE = "alliance"


def _items(definition: MeasureDefinition, answers: dict[str, Any]) -> list[int] | None:
    values = [answers.get(item.id) for item in definition.scored_items]
    if any(v is None for v in values):
        return None
    return [int(v) for v in values]  # type: ignore[arg-type]


def case_measurements(case: Case, *, up_to: int) -> pl.DataFrame:
    """Every stored answer and every missed session of the case, up to session `up_to`."""
    definitions = all_definitions()
    joint = case.participants.count() > 1
    rows: list[dict[str, Any]] = []
    responses = Response.objects.filter(session__case=case, session__number__lte=up_to).values(
        "participant_id", "session__number", "measure_id", "total", "answers"
    )
    for r in responses:
        definition = definitions.get(r["measure_id"])
        if definition is None:
            continue  # a measure whose file was removed: its old answers are kept, not judged
        answers = r["answers"]
        rows.append(
            {
                "client_id": str(case.pk),
                "participant_id": str(r["participant_id"]) if joint else "",
                "session": r["session__number"],
                "measure": r["measure_id"],
                "total": r["total"],
                "items": _items(definition, answers),
                "felt_off": (answers.get("felt_off") == "yes") if "felt_off" in answers else None,
            }
        )
    missed = case.sessions.filter(number__lte=up_to).exclude(
        attendance__in=[Attendance.ATTENDED, Attendance.SCHEDULED]
    )
    participant_ids = list(case.participants.values_list("pk", flat=True))
    for session in missed.values("number", "attendance"):
        for pk in participant_ids:
            rows.append(
                {
                    "client_id": str(case.pk),
                    "participant_id": str(pk) if joint else "",
                    "session": session["number"],
                    "measure": ALLIANCE,
                    "total": None,
                    "attendance": session["attendance"],
                }
            )
    return measurements(rows)


def clinic_context(clinic_id: int) -> Context:
    """The detection context for a clinic: its newest calibration from its own closed cases
    (`reattune recalibrate`), or the published defaults when it has none."""
    latest = (
        ExpectedResponseCalibration.objects.filter(clinic_id=clinic_id)
        .order_by("-computed_at")
        .first()
    )
    calibration = Calibration.from_dict(latest.data) if latest and latest.data else None
    return Context(definitions=all_definitions(), calibration=calibration)


def session_signals(session: TherapySession, context: Context | None = None) -> pl.DataFrame:
    """What the engine says at this session, from this case's rows up to it (prospective)."""
    frame = case_measurements(session.case, up_to=session.number)
    found = detect(frame, context or clinic_context(session.case.clinic_id))
    return found.filter(pl.col("session") == session.number)
