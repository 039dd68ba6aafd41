"""The nightly recalibration: expected-response bands from each clinic's own closed cases."""

from __future__ import annotations

import polars as pl

from reattune.alerts.detection import case_measurements
from reattune.alerts.models import ExpectedResponseCalibration
from reattune.cases.models import Case
from reattune.clinics.models import Clinic
from reattune.detection.expected import calibrate
from reattune.detection.frame import Parameters
from reattune.measures.registry import all_definitions


def clinic_history(clinic: Clinic) -> tuple[pl.DataFrame, int]:
    """Every closed case's measurements, one frame, and how many cases went into it."""
    closed = list(Case.objects.filter(clinic=clinic, closed_on__isnull=False))
    frames = [case_measurements(case, up_to=10_000) for case in closed]
    frames = [f for f in frames if not f.is_empty()]
    if not frames:
        return pl.DataFrame(), 0
    return pl.concat(frames), len(closed)


def calibration_refresh(*, clinic: Clinic) -> ExpectedResponseCalibration:
    history, cases = clinic_history(clinic)
    calibration = calibrate(history, all_definitions(), Parameters()) if cases else None
    data = calibration.to_dict() if calibration else {}
    source = calibration.source if calibration else "published defaults (no closed cases yet)"
    return ExpectedResponseCalibration.objects.create(
        clinic=clinic, closed_cases=cases, source=source[:200], data=data
    )
