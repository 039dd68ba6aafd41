"""Reading an import file: real line numbers, the import's extra columns, detection's refusals."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reattune.detection.csvio import DetectInputError
from reattune.imports.reading import read_rows
from reattune.measures.definitions import load_definitions

DEFINITIONS = load_definitions()


def test_rows_keep_their_line_numbers_past_quoted_line_breaks_and_blank_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        'client_id,session,measure,total,notes\nc1,1,phq9,10,"two\nlines"\n\nc1,2,PHQ9 ,9,\n'
    )
    rows = read_rows(path, DEFINITIONS)
    assert rows["line"].to_list() == [2, 5]
    assert rows["measure"].to_list() == ["phq9", "phq9"]
    assert rows["participant_id"].to_list() == ["", ""]
    assert rows["attendance"].to_list() == ["attended", "attended"]


def test_the_date_and_clinician_email_columns_are_read_when_given(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "client_id,session,measure,total,date,clinician_email\n"
        "c1,1,gad7,4, 2024-03-01 ,Ann@Clinic.Example\n"
    )
    row = read_rows(path, DEFINITIONS).row(0, named=True)
    assert row["date"] == "2024-03-01"
    assert row["clinician_email"] == "ann@clinic.example"


def test_a_file_detection_refuses_is_refused_with_detections_message(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("client_id,session,measure,total\nc1,1,phq9,31\n")
    with pytest.raises(DetectInputError) as refused:
        read_rows(path, DEFINITIONS)
    assert str(refused.value) == f"{path}, line 2: total 31 is out of range for phq9 (0–27)"


notes = st.text(alphabet=st.sampled_from('ab,\n" '), max_size=6)


@given(st.lists(st.tuples(notes, st.booleans()), min_size=1, max_size=12))
def test_every_row_is_given_the_line_it_starts_on(rows: list[tuple[str, bool]]) -> None:
    """Whatever quoted line breaks and blank lines come before a row, its line is where a
    text editor shows it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["client_id", "session", "measure", "total", "notes"])
    expected = []
    for n, (note, blank_after) in enumerate(rows, start=1):
        expected.append(out.getvalue().count("\n") + 1)
        writer.writerow(["c1", n, "phq9", 5, note])
        if blank_after:
            out.write("\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.csv"
        path.write_text(out.getvalue())
        assert read_rows(path, DEFINITIONS)["line"].to_list() == expected
