"""Cases found by their title: reused only when they hold the people the file gives, so an
import never puts a client into someone else's case, and every answer's client is its
participant's client."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import F

from reattune.cases.models import Case, CaseKind, Client, Participant
from reattune.cases.services import case_create
from reattune.checks.models import Response
from reattune.imports.plan import CASE_OF_OTHERS, ImportRefused, import_plan
from reattune.imports.services import CHANGED_MEANWHILE, ImportFailed, scores_import
from tests.factories import ClinicWorld, make_client
from tests.imports.helpers import write_rows

COLUMNS = ("client_id", "participant_id", "client_code", "session", "measure", "total")


def _joint_case(world: ClinicWorld, title: str = "C1") -> Case:
    """A couple case titled `title`: JANE labelled A, JOHN labelled B."""
    jane, john = make_client(world.clinic, "JANE"), make_client(world.clinic, "JOHN")
    return case_create(
        clinic=world.clinic,
        kind=CaseKind.COUPLE,
        clients=[jane, john],
        clinicians=[world.clinician],
        title=title,
        labels=["A", "B"],
    )


def _couple_rows(key: str, codes: dict[str, str] | None = None) -> list[dict[str, object]]:
    return [
        {
            "client_id": key,
            "participant_id": label,
            "client_code": (codes or {}).get(label, ""),
            "session": 1,
            "measure": "gad7",
            "total": total,
        }
        for label, total in (("A", "5"), ("B", "4"))
    ]


def _refusal(world: ClinicWorld, path: Path) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        import_plan(clinic=world.clinic, path=path)
    return str(refused.value).splitlines()


def _no_answer_has_another_clients_participant() -> None:
    mismatched = Response.objects.exclude(client_id=F("participant__client_id"))
    assert not mismatched.exists()


def test_an_individual_row_naming_another_clients_case_by_title_is_refused(
    world: ClinicWorld, tmp_path: Path
) -> None:
    other = make_client(world.clinic, "OTHER")
    theirs = case_create(
        clinic=world.clinic,
        kind=CaseKind.INDIVIDUAL,
        clients=[other],
        clinicians=[world.clinician],
        title="case-9",
    )
    rows = [{"client_id": "case-9", "client_code": "r1", "session": 1, "measure": "gad7"}]
    rows[0]["total"] = "5"
    path = write_rows(tmp_path / "in.csv", rows, COLUMNS)
    message = CASE_OF_OTHERS.format(client_id="case-9", case=theirs.pk, kind="individual")
    assert _refusal(world, path) == [f"{path}, line 2: {message}"]
    assert list(theirs.participants.values_list("client__code", flat=True)) == ["OTHER"]
    assert not Client.objects.filter(clinic=world.clinic, code="r1").exists()


def test_a_joint_case_of_other_clients_with_the_same_labels_is_refused(
    world: ClinicWorld, tmp_path: Path
) -> None:
    case = _joint_case(world)
    path = write_rows(tmp_path / "in.csv", _couple_rows("C1"), COLUMNS)
    message = CASE_OF_OTHERS.format(client_id="C1", case=case.pk, kind="couple")
    assert _refusal(world, path) == [f"{path}, line 2: {message}", f"{path}, line 3: {message}"]
    assert not Client.objects.filter(clinic=world.clinic, code__startswith="C1/").exists()
    assert case.participants.count() == 2
    assert not Response.objects.filter(session__case=case).exists()


def test_a_joint_case_is_reused_when_its_clients_are_the_files(
    world: ClinicWorld, tmp_path: Path
) -> None:
    case = _joint_case(world)
    rows = _couple_rows("C1", {"A": "jane", "B": "john"})
    plan = import_plan(clinic=world.clinic, path=write_rows(tmp_path / "in.csv", rows, COLUMNS))
    summary = plan.summary
    assert (summary.cases_reused, summary.clients_new, summary.participants_new) == (1, 0, 0)
    scores_import(plan=plan, by=world.admin)
    answers = Response.objects.filter(session__case=case).order_by("participant__label")
    assert [(r.participant.label, r.client.code, r.total) for r in answers] == [
        ("A", "JANE", 5),
        ("B", "JOHN", 4),
    ]
    _no_answer_has_another_clients_participant()


def test_a_joint_case_whose_labels_name_other_clients_is_refused(
    world: ClinicWorld, tmp_path: Path
) -> None:
    """The right clients under each other's labels: B's answers would be filed as A's."""
    case = _joint_case(world)
    rows = _couple_rows("C1", {"A": "JOHN", "B": "JANE"})
    path = write_rows(tmp_path / "in.csv", rows, COLUMNS)
    message = CASE_OF_OTHERS.format(client_id="C1", case=case.pk, kind="couple")
    assert _refusal(world, path) == [f"{path}, line 2: {message}", f"{path}, line 3: {message}"]


def test_a_joint_file_case_naming_an_individual_case_is_refused(
    world: ClinicWorld, tmp_path: Path
) -> None:
    jane = make_client(world.clinic, "JANE")
    single = case_create(
        clinic=world.clinic,
        kind=CaseKind.INDIVIDUAL,
        clients=[jane],
        clinicians=[world.clinician],
        title="C1",
    )
    rows = _couple_rows("C1", {"A": "JANE", "B": "JOHN"})
    path = write_rows(tmp_path / "in.csv", rows, COLUMNS)
    message = CASE_OF_OTHERS.format(client_id="C1", case=single.pk, kind="individual")
    assert _refusal(world, path)[0] == f"{path}, line 2: {message}"
    assert single.participants.count() == 1


def test_a_clients_titled_case_takes_more_of_their_sessions(
    world: ClinicWorld, tmp_path: Path
) -> None:
    """A second file for the same client's `case-<id>` goes into the case the first made."""
    first = [{"client_id": "case-9", "client_code": "r1", "session": 1, "measure": "gad7"}]
    first[0]["total"] = "5"
    scores_import(
        plan=import_plan(clinic=world.clinic, path=write_rows(tmp_path / "a.csv", first, COLUMNS)),
        by=world.admin,
    )
    second = [{**first[0], "session": 2, "total": "3"}]
    plan = import_plan(clinic=world.clinic, path=write_rows(tmp_path / "b.csv", second, COLUMNS))
    assert (plan.summary.cases_reused, plan.summary.participants_new) == (1, 0)
    scores_import(plan=plan, by=world.admin)
    case = Case.objects.get(clinic=world.clinic, title="case-9")
    assert list(case.sessions.values_list("number", flat=True)) == [1, 2]
    assert list(case.participants.values_list("client__code", flat=True)) == ["r1"]
    _no_answer_has_another_clients_participant()


def test_a_participant_moved_to_another_client_after_the_check_stops_the_import(
    world: ClinicWorld, tmp_path: Path
) -> None:
    case = _joint_case(world)
    rows = _couple_rows("C1", {"A": "JANE", "B": "JOHN"})
    plan = import_plan(clinic=world.clinic, path=write_rows(tmp_path / "in.csv", rows, COLUMNS))
    stranger = make_client(world.clinic, "STRANGER")
    Participant.objects.filter(case=case, label="A").update(client=stranger)
    with pytest.raises(ImportFailed, match=CHANGED_MEANWHILE):
        scores_import(plan=plan, by=world.admin)
    assert not Response.objects.filter(session__case=case).exists()
