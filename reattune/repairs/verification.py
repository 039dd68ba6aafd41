"""The web app's side of repair verification: the case's stored checks, in the detection
core's shape, judged by reattune.detection.repair."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reattune.alerts.detection import case_measurements, clinic_context
from reattune.cases.models import Case
from reattune.detection.repair import RepairVerdict, repair_verdict
from reattune.repairs.models import Repair


def verdicts_for(case: Case, repairs: Sequence[Repair]) -> Iterator[tuple[Repair, RepairVerdict]]:
    last = case.sessions.order_by("-number").values_list("number", flat=True).first()
    if last is None:
        return
    frame = case_measurements(case, up_to=last)
    context = clinic_context(case.clinic_id)
    joint = case.participants.count() > 1
    for repair in repairs:
        yield (
            repair,
            repair_verdict(
                frame,
                context,
                client_id=str(case.pk),
                participant_id=str(repair.participant_id) if joint else "",
                after=repair.verify_after,
            ),
        )
