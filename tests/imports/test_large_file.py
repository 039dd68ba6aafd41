"""The issue's check: 100,000 rows with one bad row at line 10,000 import nothing and name the
line; the same file fixed imports everything, and the web app's detection signals for the
imported cases are those `reattune detect` finds in the file."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reattune.alerts.detection import case_measurements, clinic_context
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.checks.models import Response, ResponseSource
from reattune.clinics.models import Role
from reattune.detection.csvio import read_measurements
from reattune.detection.engine import detect
from reattune.detection.frame import Context
from reattune.detection.simulate import Settings
from reattune.measures.registry import all_definitions
from tests.factories import make_clinic, make_person
from tests.imports.helpers import simulated_file

ROWS = 100_000
BAD_LINE = 10_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Long courses of therapy (30 to 50 sessions): fewer cases for the same rows, so reading
    # every case back through the web app's detection stays within the test's time.
    settings = Settings(min_sessions=30, max_sessions=50)
    folder = tmp_path_factory.mktemp("import")
    return simulated_file(folder / "history.csv", rows=ROWS, seed=11, settings=settings)


def _break_line(source: Path, destination: Path, line: int) -> Path:
    """The file with the PHQ-9 or GAD-7 total on `line` set out of range."""
    lines = source.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fields = lines[line - 1].rstrip("\n").split(",")
    fields[header.index("total")] = "99"
    lines[line - 1] = ",".join(fields) + "\n"
    destination.write_text("".join(lines))
    return destination


def _web_signals(clinic_id: int) -> pl.DataFrame:
    """What the web app's detection says for every imported case, with its case ids mapped
    back to the file's client_id and its participant ids to the file's participant_id."""
    people = Participant.objects.filter(case__clinic_id=clinic_id)
    labels = {str(pk): label for pk, label in people.values_list("pk", "label")}
    codes = dict(people.filter(case__kind="individual").values_list("case_id", "client__code"))
    frames = []
    for case in Case.objects.filter(clinic_id=clinic_id).prefetch_related("participants"):
        frame = case_measurements(case, up_to=10_000)
        frames.append(
            frame.with_columns(
                client_id=pl.lit(case.title or codes[case.pk]),
                participant_id=pl.col("participant_id").replace_strict(labels, default=""),
            )
        )
    found = detect(pl.concat(frames), clinic_context(clinic_id))
    return found.sort(found.columns)


def test_a_bad_row_at_line_10000_imports_nothing_and_the_fixed_file_imports_everything(
    db: None, big_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = make_clinic()
    make_person(clinic, Role.ADMIN)
    bad = _break_line(big_file, tmp_path / "bad.csv", BAD_LINE)

    started = time.perf_counter()
    with pytest.raises(CommandError) as refused:
        call_command("import_scores", str(bad), "--clinic", clinic.slug)
    refused_after = time.perf_counter() - started
    assert refused.value.returncode == 2
    errors = capsys.readouterr().err
    assert errors.startswith(f"{bad}, line {BAD_LINE}: total 99 is out of range for ")
    assert not Client.objects.filter(clinic=clinic).exists()
    assert not Response.objects.filter(clinic=clinic).exists()

    started = time.perf_counter()
    call_command("import_scores", str(big_file), "--clinic", clinic.slug, verbosity=0)
    imported_after = time.perf_counter() - started
    measurements = read_measurements(big_file, all_definitions())
    answered = measurements.filter(pl.col("total").is_not_null())
    assert Response.objects.filter(clinic=clinic, source=ResponseSource.IMPORT).count() == (
        answered.height
    )
    sessions = measurements.select("client_id", "session").unique().height
    assert TherapySession.objects.filter(case__clinic=clinic).count() == sessions

    expected = detect(measurements, Context(definitions=all_definitions()))
    web = _web_signals(clinic.pk)
    assert expected.height > 1000  # a file with plenty to find
    assert web.equals(expected.sort(expected.columns))
    print(f"\n{ROWS:,} rows: refused in {refused_after:.1f} s, imported in {imported_after:.1f} s")
