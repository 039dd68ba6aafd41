"""Writing an import: what each row becomes, what is reused, and all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection

from reattune.alerts.calibration import calibration_refresh
from reattune.alerts.models import Alert
from reattune.audit.models import AuditEvent
from reattune.cases.models import Attendance, Case, CaseKind, Client, Participant, TherapySession
from reattune.checks.models import Response, ResponseSource
from reattune.checks.services import responses_store
from reattune.clinics.models import Role
from reattune.detection.csvio import read_measurements
from reattune.detection.expected import calibrate
from reattune.detection.frame import Parameters
from reattune.imports.plan import ALREADY_STORED, ATTENDANCE_STORED, ImportRefused, import_plan
from reattune.imports.services import (
    CHANGED_MEANWHILE,
    COMMAND_LINE,
    DATABASE_REFUSED,
    ImportFailed,
    scores_import,
)
from reattune.measures.registry import all_definitions
from tests.factories import ClinicWorld, make_clinic, make_person
from tests.imports.helpers import simulated_file, write_rows

PHQ9_ITEMS = "2 1 3 0 1 2 1 0 1"  # 11, with the safety item (q9) at 1


def _import(world: ClinicWorld, path: Path, **options: object) -> None:
    plan = import_plan(clinic=world.clinic, path=path, **options)  # type: ignore[arg-type]
    scores_import(plan=plan, by=world.admin)


def _one_client_file(tmp_path: Path) -> Path:
    return write_rows(
        tmp_path / "in.csv",
        [
            {
                "client_id": "n1",
                "session": 1,
                "date": "2024-01-08",
                "measure": "phq9",
                "total": "11",
                "items": PHQ9_ITEMS,
            },
            {
                "client_id": "n1",
                "session": 1,
                "date": "2024-01-08",
                "measure": "alliance",
                "total": "36",
                "items": "9 9 9 9",
                "felt_off": "yes",
            },
            {
                "client_id": "n1",
                "session": 2,
                "date": "2024-01-15",
                "measure": "phq9",
                "attendance": "cancelled",
            },
            {
                "client_id": "n1",
                "session": 3,
                "date": "2024-01-22",
                "measure": "phq9",
                "total": "7",
            },
        ],
    )


def test_a_client_becomes_a_closed_case_with_its_sessions_and_answers(
    world: ClinicWorld, tmp_path: Path
) -> None:
    _import(world, _one_client_file(tmp_path))
    client = Client.objects.get(clinic=world.clinic, code="n1")
    case = Case.objects.get(participants__client=client)
    assert case.kind == CaseKind.INDIVIDUAL
    assert (case.opened_on, case.closed_on) == (dt.date(2024, 1, 8), dt.date(2024, 1, 22))
    sessions = list(case.sessions.values_list("number", "date", "attendance"))
    assert sessions == [
        (1, dt.date(2024, 1, 8), Attendance.ATTENDED),
        (2, dt.date(2024, 1, 15), Attendance.CANCELLED),
        (3, dt.date(2024, 1, 22), Attendance.ATTENDED),
    ]
    phq9 = Response.objects.get(client=client, measure_id="phq9", session__number=1)
    assert phq9.source == ResponseSource.IMPORT
    assert phq9.link is None
    assert phq9.total == 11
    assert phq9.answers == dict(
        zip([f"q{n}" for n in range(1, 10)], [2, 1, 3, 0, 1, 2, 1, 0, 1], strict=True)
    )
    assert phq9.submitted_at.date() == dt.date(2024, 1, 8)
    alliance = Response.objects.get(client=client, measure_id="alliance")
    assert alliance.answers == {
        "respected": 9,
        "focus": 9,
        "approach": 9,
        "voice": 9,
        "felt_off": "yes",
    }
    # Without items the total is kept as given and no answers are invented.
    total_only = Response.objects.get(client=client, measure_id="phq9", session__number=3)
    assert (total_only.total, total_only.answers) == (7, {})


def test_imported_history_raises_no_alerts_and_leaves_one_audit_row(
    world: ClinicWorld, tmp_path: Path
) -> None:
    alerts, rows = Alert.objects.count(), AuditEvent.objects.count()
    _import(world, _one_client_file(tmp_path))
    assert Alert.objects.count() == alerts  # the safety answer (q9 = 1) is history
    row = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == rows + 1
    assert row is not None
    assert (row.target, row.user_id, row.clinic_id) == (
        "import_scores",
        world.admin.pk,
        world.clinic.pk,
    )


def test_keep_open_leaves_new_cases_open(world: ClinicWorld, tmp_path: Path) -> None:
    _import(world, _one_client_file(tmp_path), close_cases=False)
    assert Case.objects.get(participants__client__code="n1").closed_on is None


def test_a_joint_case_has_one_client_per_participant(world: ClinicWorld, tmp_path: Path) -> None:
    columns = ("client_id", "participant_id", "session", "measure", "total", "clinician_email")
    rows = [
        {
            "client_id": "k1",
            "participant_id": p,
            "session": s,
            "measure": "alliance",
            "total": "30",
            "clinician_email": world.clinician.email,
        }
        for s in (1, 2)
        for p in ("p1", "p2")
    ]
    _import(world, write_rows(tmp_path / "in.csv", rows, columns))
    case = Case.objects.get(clinic=world.clinic, title="k1")
    assert case.kind == CaseKind.COUPLE
    people = list(case.participants.values_list("label", "client__code"))
    assert people == [("p1", "k1/p1"), ("p2", "k1/p2")]
    assert list(case.clinicians.all()) == [world.clinician]
    assert TherapySession.objects.filter(case=case).count() == 2
    assert Response.objects.filter(session__case=case).count() == 4


def test_an_existing_client_is_reused_with_their_case(world: ClinicWorld, tmp_path: Path) -> None:
    participant = Participant.objects.get(case=world.case)
    code = participant.client.code
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": code.lower(), "session": 1, "measure": "gad7", "total": "4"},
            {"client_id": code.lower(), "session": 2, "measure": "gad7", "total": "3"},
        ],
    )
    plan = import_plan(clinic=world.clinic, path=path)
    summary = plan.summary
    assert (summary.clients_new, summary.clients_reused) == (0, 1)
    assert (summary.cases_new, summary.cases_reused) == (0, 1)
    assert (summary.sessions_new, summary.sessions_reused) == (1, 1)
    scores_import(plan=plan, by=world.admin)
    assert Response.objects.filter(session__case=world.case, measure_id="gad7").count() == 2
    world.case.refresh_from_db()
    assert world.case.closed_on is None  # only new cases are closed


def test_a_session_that_has_the_measure_already_is_refused(
    world: ClinicWorld, tmp_path: Path
) -> None:
    participant = Participant.objects.get(case=world.case)
    answers = {f"q{n}": 0 for n in range(1, 8)}
    responses_store(
        session=world.session, participant=participant, by_measure={"gad7": answers}, source="api"
    )
    code = participant.client.code
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": code, "session": 1, "measure": "gad7", "total": "0"},
            {"client_id": code, "session": 2, "measure": "gad7", "attendance": "no_show"},
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        import_plan(clinic=world.clinic, path=path)
    message = ALREADY_STORED.format(who=f"client {code}", session=1, measure="gad7")
    assert str(refused.value) == f"{path}, line 2: {message}"


def test_a_session_stored_with_another_attendance_is_refused(
    world: ClinicWorld, tmp_path: Path
) -> None:
    code = Participant.objects.get(case=world.case).client.code
    path = write_rows(
        tmp_path / "in.csv",
        [{"client_id": code, "session": 1, "measure": "gad7", "attendance": "cancelled"}],
    )
    with pytest.raises(ImportRefused) as refused:
        import_plan(clinic=world.clinic, path=path)
    message = ATTENDANCE_STORED.format(session=1, client=code, stored="attended", given="cancelled")
    assert str(refused.value) == f"{path}, line 2: {message}"


def test_answers_stored_between_the_check_and_the_import_undo_all_of_it(
    world: ClinicWorld, tmp_path: Path
) -> None:
    participant = Participant.objects.get(case=world.case)
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "new1", "session": 1, "measure": "gad7", "total": "5"},
            {"client_id": participant.client.code, "session": 1, "measure": "gad7", "total": "2"},
        ],
    )
    plan = import_plan(clinic=world.clinic, path=path)
    answers = {f"q{n}": 0 for n in range(1, 8)}
    responses_store(
        session=world.session, participant=participant, by_measure={"gad7": answers}, source="api"
    )
    with pytest.raises(ImportFailed, match=CHANGED_MEANWHILE):
        scores_import(plan=plan, by=world.admin)
    assert not Client.objects.filter(clinic=world.clinic, code="new1").exists()
    assert not Response.objects.filter(source=ResponseSource.IMPORT).exists()


def test_calibration_learns_from_imported_cases_as_from_the_file(db: None, tmp_path: Path) -> None:
    clinic = make_clinic()
    admin = make_person(clinic, Role.ADMIN)
    path = simulated_file(tmp_path / "history.csv", rows=5000, seed=3)
    scores_import(plan=import_plan(clinic=clinic, path=path), by=admin)
    row = calibration_refresh(clinic=clinic)
    cases = Case.objects.filter(clinic=clinic, closed_on__isnull=False).count()
    assert row.closed_cases == cases > 100
    from_file = calibrate(
        read_measurements(path, all_definitions()), all_definitions(), Parameters()
    )
    assert row.data == from_file.to_dict()
    assert "clinic" in str(row.data)  # enough history for the clinic's own bands somewhere


def test_a_client_code_column_names_the_client_and_a_second_case_by_its_title(
    world: ClinicWorld, tmp_path: Path
) -> None:
    """As Reattune's own export writes it: a client's second case as `case-<id>`, and a joint
    case's participants by their codes."""
    columns = ("client_id", "participant_id", "client_code", "session", "measure", "total")
    rows = [
        {"client_id": "r1", "client_code": "r1", "session": 1, "measure": "gad7", "total": "5"},
        {"client_id": "case-9", "client_code": "r1", "session": 1, "measure": "gad7", "total": "4"},
        {
            "client_id": "case-10",
            "participant_id": "r1",
            "client_code": "r1",
            "session": 1,
            "measure": "gad7",
            "total": "3",
        },
        {
            "client_id": "case-10",
            "participant_id": "r2",
            "client_code": "r2",
            "session": 1,
            "measure": "gad7",
            "total": "2",
        },
    ]
    _import(world, write_rows(tmp_path / "in.csv", rows, columns))
    r1 = Client.objects.get(clinic=world.clinic, code="r1")
    cases = Case.objects.filter(participants__client=r1).order_by("pk")
    assert [(c.kind, c.title) for c in cases] == [
        (CaseKind.INDIVIDUAL, ""),
        (CaseKind.INDIVIDUAL, "case-9"),
        (CaseKind.COUPLE, "case-10"),
    ]
    assert Client.objects.filter(clinic=world.clinic, code__startswith="r").count() == 2


def test_one_client_code_twice_in_a_case_is_refused(world: ClinicWorld, tmp_path: Path) -> None:
    columns = ("client_id", "participant_id", "client_code", "session", "measure", "total")
    rows = [
        {
            "client_id": "k2",
            "participant_id": "a",
            "client_code": "r1",
            "session": 1,
            "measure": "gad7",
            "total": "5",
        },
        {
            "client_id": "k2",
            "participant_id": "b",
            "client_code": "r1",
            "session": 1,
            "measure": "gad7",
            "total": "4",
        },
    ]
    path = write_rows(tmp_path / "in.csv", rows, columns)
    with pytest.raises(ImportRefused) as refused:
        import_plan(clinic=world.clinic, path=path)
    assert str(refused.value) == (
        f"{path}, line 3: client_code 'r1' is participant b here but participant a on line 2 "
        "of the same case"
    )


def test_a_database_refusal_is_a_failed_import_with_a_message(
    world: ClinicWorld, tmp_path: Path
) -> None:
    """The checks refuse such codes before this point; should the database refuse a row all
    the same, the import says so and leaves nothing, as any failed import does. SQLite keeps
    any text (which is why the file's codes are checked first); PostgreSQL refuses NUL."""
    plan = import_plan(clinic=world.clinic, path=_one_client_file(tmp_path))
    plan.cases["n1"].people[""].code = "n\x001"
    if connection.vendor == "postgresql":
        with pytest.raises(ImportFailed) as failed:
            scores_import(plan=plan, by=world.admin)
        assert str(failed.value).startswith(DATABASE_REFUSED.split("{error}")[0])
        assert str(failed.value).endswith(DATABASE_REFUSED.split("{error}")[1])
        assert not Response.objects.filter(source=ResponseSource.IMPORT).exists()
        assert not TherapySession.objects.filter(case__clinic=world.clinic, number=3).exists()
    else:
        assert connection.vendor == "sqlite"
        scores_import(plan=plan, by=world.admin)
        assert Client.objects.filter(clinic=world.clinic, code="n\x001").exists()


def test_an_import_with_no_one_named_is_audited_as_the_command_line(
    world: ClinicWorld, tmp_path: Path
) -> None:
    scores_import(plan=import_plan(clinic=world.clinic, path=_one_client_file(tmp_path)), by=None)
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None
    assert (row.target, row.user_id, row.user_label) == ("import_scores", None, COMMAND_LINE)
