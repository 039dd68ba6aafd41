"""The clinic's CSV goes back in through the import (reattune.imports) and comes out the same."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from reattune.cases.models import Attendance, Client
from reattune.exports.measurements import clinic_rows, csv_lines, safe_cell, write_rows
from reattune.imports.plan import ImportRefused, import_plan
from reattune.imports.services import scores_import
from tests.exports.records import answer
from tests.factories import make_case, make_client, make_session

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


def test_a_code_the_export_guards_against_spreadsheet_formulas_imports_as_the_same_client(
    world, tmp_path: Path
):
    client = make_client(world.clinic, code="=1+1")
    case = make_case(world.clinician, clients=[client])
    answer(make_session(case, 1), case.participants.get(), "phq9")
    path = tmp_path / "answers.csv"
    with path.open("w", newline="") as f:
        write_rows(clinic_rows(world.clinic), f)
    assert "'=1+1" in path.read_text()

    with pytest.raises(ImportRefused) as refused:
        import_plan(clinic=world.clinic, path=path)

    assert "client =1+1, session 1 already has phq9 in Reattune" in str(refused.value)
    assert not Client.objects.filter(clinic=world.clinic, code="'=1+1").exists()


def test_every_guarded_start_loses_only_the_exports_apostrophe_on_import(world, tmp_path: Path):
    codes = ["=A1", "+44", "-7", "@home", "'plain", "it's"]
    path = tmp_path / "codes.csv"
    lines = ["client_id,session,measure,total"]
    lines += [
        f"{safe_cell(code)},1,phq9,3" if code[0] != "'" else f"{code},1,phq9,3" for code in codes
    ]
    path.write_text("\n".join(lines) + "\n")

    plan = import_plan(clinic=world.clinic, path=path)

    assert list(plan.cases) == codes
