"""Shared learning test data. All synthetic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reattune.clinics.models import User
from reattune.learning.framework import framework_for
from reattune.learning.models import Competency, CompetencyRating
from reattune.learning.services import rating_record

EVIDENCE = "Watched the recording of session 4 together."


def competency(person: User, key: str = "repairing") -> Competency:
    assert person.clinic is not None
    return next(c for c in framework_for(person.clinic) if c.key == key)


def rate(
    person: User, by: User, key: str = "repairing", level: int = 3, **extra: Any
) -> CompetencyRating:
    return rating_record(
        person=person,
        competency=competency(person, key),
        level=level,
        evidence=extra.pop("evidence", EVIDENCE),
        rated_by=by,
        rated_on=extra.pop("rated_on", dt.date(2026, 1, 10)),
        **extra,
    )


def rating_form(key_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "competency": str(key_id),
        "level": "3",
        "evidence": EVIDENCE,
        "rated_on": "2026-01-10",
    } | overrides
