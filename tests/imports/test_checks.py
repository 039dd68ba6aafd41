"""The import's own checks: what detection reads but the web app cannot store, each by line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reattune.detection.csvio import Problem
from reattune.imports import checks
from reattune.imports.plan import ImportRefused, import_plan
from reattune.imports.reading import read_rows
from reattune.measures.definitions import load_definitions
from tests.factories import ClinicWorld
from tests.imports.helpers import COLUMNS, write_rows

PHQ9 = {"measure": "phq9", "total": "10"}
DEFINITIONS = load_definitions()


def _refusal(world: ClinicWorld, path: Path) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        import_plan(clinic=world.clinic, path=path)
    return str(refused.value).splitlines()


def test_a_total_that_is_not_whole_is_refused_by_line(world: ClinicWorld, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, **PHQ9},
            {"client_id": "n1", "session": 2, "measure": "phq9", "total": "9.5"},
        ],
    )
    message = checks.TOTAL_NOT_WHOLE.replace("{}", "9.5")
    assert _refusal(world, path) == [f"{path}, line 3: {message}"]


def test_a_missed_session_with_a_total_is_refused(world: ClinicWorld, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [{"client_id": "n1", "session": 1, **PHQ9, "attendance": "no_show"}],
    )
    message = checks.MISSED_WITH_TOTAL.replace("{}", "no_show")
    assert _refusal(world, path) == [f"{path}, line 2: {message}"]


def test_one_session_with_two_attendances_names_the_first_line(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, **PHQ9},
            {"client_id": "n1", "session": 2, "measure": "phq9", "attendance": "cancelled"},
            {"client_id": "n1", "session": 2, "measure": "gad7", "total": "3"},
        ],
    )
    assert _refusal(world, path) == [
        f"{path}, line 4: session 2 of client n1 is attended here but cancelled on line 3: "
        "a session has one attendance"
    ]


def test_a_client_both_joint_and_individual_is_refused(world: ClinicWorld, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "k1", "session": 1, **PHQ9},
            {
                "client_id": "k1",
                "participant_id": "p1",
                "session": 1,
                "measure": "gad7",
                "total": "3",
            },
        ],
    )
    assert _refusal(world, path) == [
        f"{path}, line 3: client k1 has rows with participant_id and rows without it (line 2): "
        "a client_id is either one person's case or a joint case"
    ]


def test_codes_that_differ_only_in_case_are_one_client(world: ClinicWorld, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [{"client_id": "ab1", "session": 1, **PHQ9}, {"client_id": "AB1", "session": 1, **PHQ9}],
    )
    assert _refusal(world, path) == [
        f"{path}, line 3: client_id 'AB1' and 'ab1' (line 2) are one client in Reattune, "
        "where codes ignore case"
    ]


def test_dates_must_be_dates_and_agree_within_a_session(world: ClinicWorld, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, "date": "2024-02-01", **PHQ9},
            {
                "client_id": "n1",
                "session": 1,
                "date": "2024-02-03",
                "measure": "gad7",
                "total": "2",
            },
            {"client_id": "n1", "session": 2, "date": "3 Feb", **PHQ9},
        ],
    )
    assert _refusal(world, path) == [
        f"{path}, line 3: session 1 of client n1 is dated 2024-02-03 here but 2024-02-01 on line 2",
        f"{path}, line 4: date '3 Feb' is not a date written as YYYY-MM-DD",
    ]


def test_a_code_too_long_for_reattune_is_refused(world: ClinicWorld, tmp_path: Path) -> None:
    long = "x" * 38
    path = write_rows(
        tmp_path / "in.csv",
        [{"client_id": long, "participant_id": "p1", "session": 1, **PHQ9}],
    )
    # 41 characters: quoted by their first 40.
    message = checks.CODE_TOO_LONG.replace("{}", f"{long}/p" + "…")
    assert _refusal(world, path) == [f"{path}, line 2: {message}"]


def test_a_clinician_email_must_be_someone_in_this_clinic(
    world: ClinicWorld, other_world: ClinicWorld, tmp_path: Path
) -> None:
    columns = ("client_id", "session", "measure", "total", "clinician_email")
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, **PHQ9, "clinician_email": world.clinician.email},
            {
                "client_id": "n2",
                "session": 1,
                **PHQ9,
                "clinician_email": other_world.clinician.email,
            },
        ],
        columns,
    )
    assert _refusal(world, path) == [
        f"{path}, line 3: no one in this clinic has the email '{other_world.clinician.email}'"
    ]


def test_only_the_first_ten_lines_are_shown_with_a_count_of_the_rest(
    world: ClinicWorld, tmp_path: Path
) -> None:
    rows = [
        {"client_id": f"n{n}", "session": 1, "measure": "phq9", "total": "1.5"} for n in range(13)
    ]
    lines = _refusal(world, write_rows(tmp_path / "in.csv", rows))
    assert len(lines) == 11
    assert lines[0].endswith("line 2: " + checks.TOTAL_NOT_WHOLE.replace("{}", "1.5"))
    assert lines[-1].endswith(": and 3 more rows with problems, not shown; fix these first")


hidden = st.characters(categories=["Cc", "Cf", "Zl", "Zp"], exclude_characters='"')


@settings(max_examples=60, deadline=None)
@given(hidden, st.sampled_from(checks.CODE_COLUMNS))
def test_a_hidden_character_in_a_code_is_refused_by_line(character: str, column: str) -> None:
    """As the client and case forms refuse them (`visible_text`): NUL, tabs, line breaks,
    direction marks such as U+202E, zero-width spaces, the byte order mark."""
    values = {"client_id": "k1", "participant_id": "A", "client_code": "r1"}
    values[column] = f"x{character}y"
    header = "client_id,participant_id,client_code,session,measure,total\n"
    first = '"{client_id}","{participant_id}","{client_code}",1,gad7,3\n'.format(**values)
    second = "k1,B,r2,1,gad7,4\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.csv"
        path.write_bytes((header + first + second).encode("utf-8"))
        rows = read_rows(path, DEFINITIONS)
    shown = checks.problems(checks.row_problems(rows, set()))
    assert shown == [Problem(2, checks.HIDDEN_CHARACTERS.format(column))]


def test_values_echoed_in_a_refusal_show_hidden_characters_as_escapes(
    world: ClinicWorld, tmp_path: Path
) -> None:
    """A message is kept with the job, and PostgreSQL refuses NUL in text."""
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"client_id,session,measure,total,clinician_email,date\n"
        b"n1,1,phq9,10,a\x00b@example.org,\n"
        b"n1,2,phq9,10,,3\xe2\x80\xaeFeb\n"
    )
    assert _refusal(world, path) == [
        f"{path}, line 2: " + checks.UNKNOWN_CLINICIAN.replace("{}", "a\\x00b@example.org"),
        f"{path}, line 3: " + checks.DATE_NOT_DATE.replace("{}", "3\\u202eFeb"),
    ]


def test_a_long_value_the_imports_checks_quote_is_shortened_to_forty_characters(
    world: ClinicWorld, tmp_path: Path
) -> None:
    email = "e" * 5000 + "@example.org"
    date = "d" * 5000
    path = write_rows(
        tmp_path / "in.csv",
        [
            {"client_id": "n1", "session": 1, **PHQ9, "clinician_email": email},
            {"client_id": "n1", "session": 2, **PHQ9, "date": date},
        ],
        columns=(*COLUMNS, "clinician_email"),
    )
    assert _refusal(world, path) == [
        f"{path}, line 2: " + checks.UNKNOWN_CLINICIAN.replace("{}", "e" * 40 + "…"),
        f"{path}, line 3: " + checks.DATE_NOT_DATE.replace("{}", "d" * 40 + "…"),
    ]


def test_a_code_of_forty_one_characters_is_quoted_by_its_first_forty(
    world: ClinicWorld, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "in.csv", [{"client_id": "x" * 41, "session": 1, **PHQ9}])
    message = checks.CODE_TOO_LONG.replace("{}", "x" * 40 + "…")
    assert _refusal(world, path) == [f"{path}, line 2: {message}"]
