"""`reattune import_scores`: dry run, refusals with exit status 2, progress on standard error."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reattune.audit.models import AuditEvent
from reattune.cases.models import Client
from reattune.checks.models import Response
from reattune.imports.management.commands.import_scores import NO_CLINIC, NO_PERSON
from reattune.imports.plan import NO_ROWS
from reattune.imports.reading import RESERVED_COLUMN
from reattune.imports.services import COMMAND_LINE
from tests.factories import ClinicWorld
from tests.imports.helpers import simulated_file, write_rows

PHQ9 = {"measure": "phq9", "total": "9"}


class Terminal(io.StringIO):
    """Standard error as a terminal shows it to the command: a real stream that says it is a
    tty, so the bar is redrawn in place."""

    def isatty(self) -> bool:
        return True


def test_a_dry_run_reports_what_would_be_created_and_writes_nothing(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, "measure": "phq9", "total": "9"},
            {"client_id": "n1", "session": 2, "measure": "phq9", "attendance": "no_show"},
        ],
    )
    out = io.StringIO()
    call_command("import_scores", str(path), "--clinic", world.clinic.slug, "--dry-run", stdout=out)
    report = out.getvalue()
    assert "nothing was written" in report
    assert "        1  clients to create" in report
    assert "        2  sessions to create" in report
    assert "        1  of them missed (cancelled or no show)" in report
    assert "        1  responses to create" in report
    assert not Client.objects.filter(code="n1").exists()


def test_a_refused_file_names_its_lines_and_exits_with_status_2(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, "measure": "phq9", "total": "9"},
            {"client_id": "n2", "session": "one", "measure": "phq9", "total": "9"},
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_scores", str(path), "--clinic", world.clinic.slug, stderr=err)
    assert refused.value.returncode == 2
    assert err.getvalue() == f"{path}, line 3: session 'one' is not a whole number\n"
    assert not Client.objects.filter(code="n1").exists()


def test_an_unknown_clinic_or_person_is_refused(world: ClinicWorld, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "in.csv", [{"client_id": "n1", "session": 1, "measure": "phq9", "total": "9"}]
    )
    with pytest.raises(CommandError, match=NO_CLINIC.format(slug="nowhere")):
        call_command("import_scores", str(path), "--clinic", "nowhere")
    message = NO_PERSON.format(clinic=world.clinic, email="someone@else.example")
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_scores",
            str(path),
            "--clinic",
            world.clinic.slug,
            "--by",
            "someone@else.example",
        )


def test_progress_is_plain_lines_when_standard_error_is_not_a_terminal(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = simulated_file(tmp_path / "in.csv", rows=600)
    err, out = io.StringIO(), io.StringIO()
    call_command("import_scores", str(path), "--clinic", world.clinic.slug, stderr=err, stdout=out)
    lines = err.getvalue().splitlines()
    assert "\r" not in err.getvalue()
    assert lines[-1].startswith("100%  responses ")
    assert len(lines) < 40
    assert "responses created" in out.getvalue()
    assert Response.objects.filter(clinic=world.clinic, source="import").exists()


def test_progress_is_one_bar_redrawn_in_place_on_a_terminal(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = simulated_file(tmp_path / "in.csv", rows=600)
    err = Terminal()
    call_command(
        "import_scores", str(path), "--clinic", world.clinic.slug, stderr=err, stdout=io.StringIO()
    )
    shown = err.getvalue()
    assert shown.startswith("\r[")
    assert re.search(r"\r\[#{30}\] 100%  responses ([\d,]+)/\1\x1b\[K\n$", shown)
    assert shown.count("\n") == 1  # one line, ended once the import is done


def test_an_import_without_by_is_audited_as_the_command_line(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "in.csv", [{"client_id": "n1", "session": 1, **PHQ9}])
    call_command("import_scores", str(path), "--clinic", world.clinic.slug, verbosity=0)
    row = AuditEvent.objects.filter(target="import_scores").get()
    assert (row.user_id, row.user_label) == (None, COMMAND_LINE)


def test_a_header_polars_cannot_read_is_refused_with_status_2(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("client_id,session,measure,total,_row\nn1,1,phq9,9,x\n")
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_scores", str(path), "--clinic", world.clinic.slug, stderr=err)
    assert refused.value.returncode == 2
    assert err.getvalue().strip() == f"{path}, line 1: " + RESERVED_COLUMN.format(name="_row")


@pytest.mark.parametrize("blank_lines", ["", "\n\n"])
def test_a_file_with_a_header_but_no_rows_is_refused_with_status_2(
    world: ClinicWorld, tmp_path: Path, blank_lines: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("client_id,session,measure,total\n" + blank_lines)
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_scores", str(path), "--clinic", world.clinic.slug, stderr=err)
    assert refused.value.returncode == 2
    assert err.getvalue().strip() == f"{path}: {NO_ROWS}"
