"""The clinic's CSV goes back in through the import (reattune.imports) and comes out the same."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from reattune.cases.models import Attendance
from reattune.exports.measurements import clinic_rows, csv_lines, write_rows
from reattune.imports.plan import import_plan
from reattune.imports.services import scores_import
from tests.exports.records import answer
from tests.factories import make_case, make_session

# What an answer is, apart from where it is kept (ids, who entered it, when it arrived).
SAME = ("session", "measure", "total", "items", "attendance", "felt_off", "date")


def _rows(clinic) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(csv_lines(clinic_rows(clinic))))))


def test_a_clinics_export_imported_into_another_clinic_exports_the_same_answers(
    world, other_world, tmp_path: Path
):
    participant = world.case.participants.get()
    answer(world.session, participant, felt_off="yes")
    answer(world.session, participant, "phq9")
    make_session(world.case, 2, attendance=Attendance.NO_SHOW)
    couple = make_case(world.clinician, kind="couple")
    for number in (1, 2):
        session = make_session(couple, number)
        for p in couple.participants.all():
            answer(session, p, respected=number)
    path = tmp_path / "answers.csv"
    with path.open("w", newline="") as f:
        write_rows(clinic_rows(world.clinic), f)
    # The other clinic has none of these clinicians: the import would refuse their emails.
    pl.read_csv(path, infer_schema=False).drop("clinician_email").write_csv(path)

    scores_import(plan=import_plan(clinic=other_world.clinic, path=path), by=other_world.admin)

    before = sorted(tuple(r[c] for c in SAME) for r in _rows(world.clinic))
    after = sorted(tuple(r[c] for c in SAME) for r in _rows(other_world.clinic))
    assert after == before
    codes = {r["client_code"] for r in _rows(other_world.clinic)}
    assert participant.client.code in codes
