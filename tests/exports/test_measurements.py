"""The clinic's answers as CSV: the long format `reattune detect` and the import read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from reattune.cases.models import Attendance
from reattune.cases.services import client_create
from reattune.demo.seed import demo_seed
from reattune.detection.csvio import read_measurements
from reattune.exports.measurements import COLUMNS, clinic_rows, csv_lines, write_rows
from reattune.measures.registry import all_definitions
from tests.exports.records import answer
from tests.factories import make_case, make_session


def _table(clinic) -> list[dict[str, str]]:
    text = "".join(csv_lines(clinic_rows(clinic)))
    return list(csv.DictReader(io.StringIO(text)))


def _write(clinic, tmp_path: Path) -> Path:
    path = tmp_path / "answers.csv"
    with path.open("w", newline="") as f:
        write_rows(clinic_rows(clinic), f)
    return path


def test_an_individual_case_is_written_under_the_clients_code_with_items_and_date(world):
    participant = world.case.participants.get()
    answer(world.session, participant, felt_off="yes", change="Slower, please")

    [row] = _table(world.clinic)

    assert row["client_id"] == participant.client.code
    assert row["participant_id"] == ""
    assert (row["session"], row["measure"], row["total"]) == ("1", "alliance", "30")
    assert row["items"] == "8 7 9 6"
    assert (row["attendance"], row["felt_off"]) == ("attended", "yes")
    assert row["date"] == world.session.date.isoformat()
    assert row["case_id"] == str(world.case.pk)
    assert row["clinician_email"] == world.clinician.email
    assert row["source"] == "api"
    # Free text stays out of the CSV: the FHIR bundle and the access package carry it.
    assert "Slower" not in "".join(row.values())


def test_a_couple_case_is_one_series_with_each_partner_as_participant(world):
    case = make_case(world.clinician, kind="couple")
    session = make_session(case, 1)
    a, b = case.participants.all()
    answer(session, a)
    answer(session, b, respected=2)

    rows = [r for r in _table(world.clinic) if r["case_id"] == str(case.pk)]

    assert {r["client_id"] for r in rows} == {f"case-{case.pk}"}
    assert sorted(r["participant_id"] for r in rows) == sorted([a.client.code, b.client.code])


def test_a_client_with_two_cases_gets_one_series_per_case_so_sessions_never_collide(world):
    client = world.case.participants.get().client
    second = make_case(world.clinician, clients=[client])
    answer(world.session, world.case.participants.get())
    answer(make_session(second, 1), second.participants.get())

    rows = [r for r in _table(world.clinic) if r["client_code"] == client.code]

    assert sorted(r["client_id"] for r in rows) == sorted(
        [f"case-{world.case.pk}", f"case-{second.pk}"]
    )


def test_a_missed_session_is_an_alliance_row_without_a_total(world):
    make_session(world.case, 2, attendance=Attendance.NO_SHOW)

    [row] = _table(world.clinic)

    assert (row["session"], row["measure"], row["total"], row["attendance"]) == (
        "2",
        "alliance",
        "",
        "no_show",
    )


def test_a_code_a_spreadsheet_would_run_as_a_formula_is_written_as_text(world):
    client = client_create(clinic=world.clinic, code="=1+1")
    case = make_case(world.clinician, clients=[client])
    answer(make_session(case, 1), case.participants.get())

    [row] = [r for r in _table(world.clinic) if r["case_id"] == str(case.pk)]

    assert row["client_id"] == "'=1+1"


def test_another_clinics_answers_are_not_in_the_export(world, other_world):
    answer(other_world.session, other_world.case.participants.get())

    assert _table(world.clinic) == []


def test_the_export_reads_back_through_the_detection_reader_the_import_uses(world, tmp_path):
    couple = make_case(world.clinician, kind="couple")
    for number in (1, 2, 3):
        session = make_session(couple, number)
        for p in couple.participants.all():
            answer(session, p)
            answer(session, p, "phq9")
    make_session(couple, 4, attendance=Attendance.CANCELLED)
    answer(world.session, world.case.participants.get())

    frame = read_measurements(_write(world.clinic, tmp_path), all_definitions())

    assert frame.height == 3 * 2 * 2 + 2 + 1
    assert frame.filter(pl.col("attendance") == "cancelled").height == 2


def test_a_whole_demo_clinic_reads_back_without_an_error_row_for_row(db, tmp_path):
    clinic = demo_seed()
    path = _write(clinic, tmp_path)

    frame = read_measurements(path, all_definitions())

    with path.open(newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == COLUMNS
    responses = clinic.responses.count()
    assert frame.filter(pl.col("total").is_not_null()).height == responses
    assert frame["client_id"].n_unique() == clinic.cases.count()


def test_cases_are_read_a_page_at_a_time_and_none_is_lost_between_pages(world, monkeypatch):
    monkeypatch.setattr("reattune.exports.measurements.CASES_PER_PAGE", 2)
    cases = [world.case, world.trainee_case, world.colleague_case]
    cases += [make_case(world.clinician) for _ in range(2)]
    for case in cases:
        session = case.sessions.first() or make_session(case, 1)
        answer(session, case.participants.get())

    rows = _table(world.clinic)

    assert sorted(int(r["case_id"]) for r in rows) == sorted(c.pk for c in cases)
