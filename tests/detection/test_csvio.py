"""Reading `reattune detect` input: every kind of bad input is refused with its line and
problem, the optional columns are read, and whatever the writer writes reads back equal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from reattune.detection import csvio
from reattune.detection.csvio import (
    RESERVED_COLUMN,
    DetectInputError,
    read_measurements,
    write_measurements,
)
from reattune.detection.frame import MEASUREMENT_SCHEMA, measurements, sort_measurements
from reattune.measures.definitions import MeasureDefinition, load_definitions, parse_definition

SHIPPED = load_definitions()
HEADER = "client_id,session,measure,total,items,attendance,felt_off"
PHQ9_12 = "2 2 2 2 1 1 1 1 0"  # adds up to 12


def write(folder: Path, *lines: str, name: str = "input.csv") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_in(path: Path) -> list[str]:
    with pytest.raises(DetectInputError) as caught:
        read_measurements(path, SHIPPED)
    return str(caught.value).splitlines()


def first_problem(folder: Path, *rows: str, header: str = HEADER) -> str:
    return problems_in(write(folder, header, *rows))[0]


def phq9(session: int, total: str = "12", items: str = PHQ9_12, client: str = "c1") -> str:
    return f"{client},{session},phq9,{total},{items},,"


BAD_ROWS = [
    pytest.param(",1,phq9,12,,,", csvio.EMPTY.format(column="client_id"), id="no client"),
    pytest.param("c1,,phq9,12,,,", csvio.EMPTY.format(column="session"), id="no session"),
    pytest.param(
        "c1,two,phq9,12,,,", csvio.SESSION_NOT_WHOLE.format(value="two"), id="word session"
    ),
    pytest.param(
        "c1,2.5,phq9,12,,,", csvio.SESSION_NOT_WHOLE.format(value="2.5"), id="decimal session"
    ),
    pytest.param(
        "c1,0,phq9,12,,,", csvio.SESSION_BEFORE_INTAKE.format(value="0"), id="session zero"
    ),
    pytest.param("c1,1,,12,,,", csvio.EMPTY.format(column="measure"), id="no measure"),
    pytest.param(
        "c1,1,phq8,12,,,",
        csvio.UNKNOWN_MEASURE.format(value="phq8", known="alliance, core10, gad7, phq9"),
        id="unknown measure",
    ),
    pytest.param(
        "c1,1,phq9,12,,maybe,", csvio.BAD_ATTENDANCE.format(value="maybe"), id="attendance"
    ),
    pytest.param(
        "c1,1,alliance,36,,,perhaps", csvio.BAD_FELT_OFF.format(value="perhaps"), id="felt_off"
    ),
    pytest.param("c1,1,phq9,lots,,,", csvio.TOTAL_NOT_NUMBER.format(value="lots"), id="word"),
    pytest.param("c1,1,phq9,nan,,,", csvio.TOTAL_NOT_NUMBER.format(value="nan"), id="nan"),
    pytest.param("c1,1,phq9,,,,", csvio.TOTAL_MISSING, id="empty total, attended"),
    pytest.param("c1,1,phq9,,,attended,", csvio.TOTAL_MISSING, id="empty total, said attended"),
    pytest.param(
        "c1,1,phq9,31,,,",
        csvio.TOTAL_OUT_OF_RANGE.format(value="31", measure="phq9", low=0, high=27),
        id="above range",
    ),
    pytest.param(
        "c1,1,alliance,-1,,,",
        csvio.TOTAL_OUT_OF_RANGE.format(value="-1", measure="alliance", low=0, high=40),
        id="below range",
    ),
    pytest.param(
        "c1,1,phq9,12,2 2 x,,", csvio.ITEMS_NOT_WHOLE.format(value="2 2 x"), id="items word"
    ),
    pytest.param(
        "c1,1,phq9,12,2 2 2 2 1 1 1 1,,",
        csvio.ITEM_COUNT.format(found=8, measure="phq9", expected=9),
        id="too few items",
    ),
    pytest.param(
        "c1,1,phq9,12,2 2 2 2 1 1 1 1 0 0,,",
        csvio.ITEM_COUNT.format(found=10, measure="phq9", expected=9),
        id="too many items",
    ),
    pytest.param(
        "c1,1,phq9,12,2 2 2 2 1 1 1 4 -3,,",
        csvio.ITEM_NOT_ALLOWED.format(
            position=8, item="q8", measure="phq9", value=4, allowed="from 0 to 3"
        ),
        id="item out of range",
    ),
    pytest.param(
        "c1,1,alliance,20,5 5 5 11,,",
        csvio.ITEM_NOT_ALLOWED.format(
            position=4, item="voice", measure="alliance", value=11, allowed="from 0 to 10"
        ),
        id="alliance item out of range",
    ),
    pytest.param(
        "c1,1,phq9,13,2 2 2 2 1 1 1 1 0,,",
        csvio.ITEMS_DO_NOT_ADD_UP.format(scored=12, total="13"),
        id="items do not add up",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_it_names_the_line_and_the_problem_of_a_bad_row(tmp_path, row, message):
    problem = first_problem(tmp_path, phq9(1), phq9(2), row.replace("c1,", "c9,", 1))
    assert problem == f"{tmp_path / 'input.csv'}, line 4: {message}"


def test_the_message_has_the_form_the_spec_gives(tmp_path):
    rows = [phq9(s, client=f"c{s}") for s in range(1, 10001)] + ["c0,1,phq9,31,,,"]
    problem = problems_in(write(tmp_path, HEADER, *rows, name="INPUT.csv"))
    assert problem == [
        f"{tmp_path / 'INPUT.csv'}, line 10002: total 31 is out of range for phq9 (0–27)"
    ]


def test_it_refuses_a_header_without_a_required_column(tmp_path):
    problem = first_problem(tmp_path, "c1,1,phq9,", header="client_id,session,measure,items")
    assert problem.endswith(", line 1: " + csvio.MISSING_COLUMNS.format(names="total"))


def test_it_names_every_missing_column(tmp_path):
    problem = first_problem(tmp_path, "c1,2", header="client_id,total")
    assert csvio.MISSING_COLUMNS.format(names="session or measure") in problem


def test_it_refuses_a_column_named_twice(tmp_path):
    problem = first_problem(
        tmp_path, "c1,1,phq9,12,12", header="client_id,session,measure,total,total"
    )
    assert problem.endswith(", line 1: " + csvio.REPEATED_COLUMN.format(name="total"))


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "input.csv"
    path.write_text("")
    assert problems_in(path) == [f"{path}, line 1: {csvio.NO_HEADER}"]


def test_it_says_when_the_file_is_missing(tmp_path):
    assert problems_in(tmp_path / "nowhere.csv") == [f"{tmp_path / 'nowhere.csv'}: no such file"]


def test_it_names_the_line_of_a_row_with_too_many_fields(tmp_path):
    problem = first_problem(tmp_path, phq9(1), phq9(2) + ",extra")
    assert problem.endswith(", line 3: " + csvio.TOO_MANY_FIELDS.format(found=8, expected=7))


def test_it_names_the_line_of_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "input.csv"
    path.write_bytes(f"{HEADER}\n{phq9(1)}\nc\xe9,2,phq9,12,,,\n".encode("latin-1"))
    assert problems_in(path)[0].startswith(f"{path}, line 3: is not UTF-8 text")


def test_it_reports_a_duplicate_row_with_the_line_it_repeats(tmp_path):
    problem = first_problem(tmp_path, phq9(1), phq9(2), phq9(1))
    what = "client c1, phq9, session 1"
    assert problem.endswith(", line 4: " + csvio.DUPLICATE_ROW.format(what=what, first=2))


def test_a_duplicate_in_a_joint_case_names_the_participant(tmp_path):
    header = "client_id,participant_id,session,measure,total"
    problem = first_problem(
        tmp_path, "k1,ann,1,phq9,3", "k1,bob,1,phq9,4", "k1,ann,1,phq9,5", header=header
    )
    what = "client k1, participant ann, phq9, session 1"
    assert problem.endswith(", line 4: " + csvio.DUPLICATE_ROW.format(what=what, first=2))


def test_the_same_session_on_another_measure_or_participant_is_no_duplicate(tmp_path):
    header = "client_id,participant_id,session,measure,total"
    path = write(tmp_path, header, "k1,ann,1,phq9,3", "k1,bob,1,phq9,4", "k1,ann,1,gad7,5")
    assert read_measurements(path, SHIPPED).height == 3


def test_it_reports_up_to_ten_problems_in_line_order_and_counts_the_rest(tmp_path):
    rows = [phq9(s) for s in range(1, 16)]
    rows[2] = "c1,3,phq9,99,,,"
    for n in range(5, 15):
        rows[n] = f"c1,{n + 1},phq9,,,,"
    problems = problems_in(write(tmp_path, HEADER, *rows))
    assert len(problems) == 11
    lines = [int(p.split(", line ")[1].split(":")[0]) for p in problems[:10]]
    assert lines == [4, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert problems[10].endswith(": and 1 more row with problems, not shown; fix these first")


def test_line_numbers_count_line_breaks_inside_quoted_fields_and_blank_lines(tmp_path):
    header = "client_id,session,measure,total,note"
    path = write(
        tmp_path,
        header,
        'c1,1,phq9,3,"first line',
        'second line"',
        "",
        'c1,2,phq9,3,"one',
        "two",
        'three"',
        "c1,3,phq9,99,",
    )
    assert problems_in(path)[0].startswith(f"{path}, line 8: total 99 is out of range")


# --- What is read -------------------------------------------------------------------------


def test_it_reads_the_optional_columns_and_ignores_the_rest(tmp_path):
    header = (
        "date,client_id,therapist_id,participant_id,session,measure,total,items,"
        "attendance,felt_off,notes"
    )
    path = write(
        tmp_path,
        header,
        "2024-01-02,k1,T1,ann,1,alliance,36,9 9 9 9,attended,no,fine",
        "2024-01-02,k1,T1,bob,1,alliance,20,5 5 5 5,,YES,",
        "2024-01-09,k1,T1,ann,2,alliance,,,No_Show,,",
        "2024-01-16,k1,T1,ann,3,alliance,,,cancelled,,",
    )
    frame = read_measurements(path, SHIPPED)
    assert frame.schema == pl.Schema(MEASUREMENT_SCHEMA)
    assert frame.select("participant_id", "session", "attendance", "felt_off").rows() == [
        ("ann", 1, "attended", False),
        ("ann", 2, "no_show", None),
        ("ann", 3, "cancelled", None),
        ("bob", 1, "attended", True),
    ]
    assert frame["items"].to_list() == [[9, 9, 9, 9], None, None, [5, 5, 5, 5]]


def test_only_the_required_columns_are_needed(tmp_path):
    path = write(tmp_path, "client_id,session,measure,total", "c1,2,gad7,5", "c1,1,gad7,9")
    frame = read_measurements(path, SHIPPED)
    assert frame.rows() == [
        ("c1", "", 1, "gad7", 9.0, None, "attended", None),
        ("c1", "", 2, "gad7", 5.0, None, "attended", None),
    ]


def test_it_trims_spaces_and_reads_measure_ids_in_any_case(tmp_path):
    path = write(
        tmp_path,
        " client_id , session,measure,total,items",
        f" c1 , 1 , PHQ9 , 12 ,  {PHQ9_12.replace(' ', '  ')} ",
    )
    row = read_measurements(path, SHIPPED).row(0, named=True)
    assert (row["client_id"], row["session"], row["measure"], row["total"]) == ("c1", 1, "phq9", 12)
    assert row["items"] == [2, 2, 2, 2, 1, 1, 1, 1, 0]


def test_it_sorts_by_series_and_session(tmp_path):
    path = write(tmp_path, HEADER, phq9(3, client="b"), phq9(2, client="a"), phq9(1, client="b"))
    frame = read_measurements(path, SHIPPED)
    assert frame.select("client_id", "session").rows() == [("a", 2), ("b", 1), ("b", 3)]


def test_a_header_only_file_gives_no_measurements(tmp_path):
    frame = read_measurements(write(tmp_path, HEADER), SHIPPED)
    assert frame.is_empty()
    assert frame.schema == pl.Schema(MEASUREMENT_SCHEMA)


# --- Items that do not all share one range ------------------------------------------------

UNEVEN = parse_definition(
    """
id = "uneven"
title = "Uneven"
version = "1"
kind = "outcome"
direction = "higher_is_worse"
licence = "test"
attribution = "test"

[[items]]
id = "a"
text = "Scored 0, 2 or 4"
type = "choice"
options = [{ value = 0, label = "no" }, { value = 2, label = "some" }, { value = 4, label = "yes" }]

[[items]]
id = "b"
text = "Scored 1 to 5, in reverse"
type = "scale"
min = 1
max = 5

[scoring]
reverse_items = ["b"]
""",
    "uneven.toml",
)
WITH_UNEVEN = {**SHIPPED, "uneven": UNEVEN}


def read_uneven(folder: Path, *rows: str) -> pl.DataFrame:
    return read_measurements(write(folder, HEADER, *rows), WITH_UNEVEN)


def test_each_item_is_checked_against_its_own_values(tmp_path):
    assert read_uneven(tmp_path, "c1,1,uneven,6,2 2,,")["total"].to_list() == [6.0]
    with pytest.raises(DetectInputError) as caught:
        read_uneven(tmp_path, "c1,1,uneven,6,2 2,,", "c1,2,uneven,3,1 4,,", "c1,3,uneven,4,0 0,,")
    message = csvio.ITEM_NOT_ALLOWED.format
    assert str(caught.value).splitlines() == [
        f"{tmp_path / 'input.csv'}, line 3: "
        + message(position=1, item="a", measure="uneven", value=1, allowed="one of 0, 2, 4"),
        f"{tmp_path / 'input.csv'}, line 4: "
        + message(position=2, item="b", measure="uneven", value=0, allowed="from 1 to 5"),
    ]


# --- Reverse-scored items -----------------------------------------------------------------

# CORE-10 scores q2 and q3 in reverse (0-4 becomes 4-0): all ones add up to 8 + 3 + 3.
CORE10_ONES = "1 1 1 1 1 1 1 1 1 1"


def test_reverse_scored_items_count_reversed(tmp_path):
    path = write(tmp_path, HEADER, f"c1,1,core10,14,{CORE10_ONES},,")
    assert read_measurements(path, SHIPPED)["total"].to_list() == [14.0]


def test_a_plain_sum_of_reverse_scored_items_is_refused_and_the_message_says_why(tmp_path):
    problem = first_problem(tmp_path, f"c1,1,core10,10,{CORE10_ONES},,")
    reversed_note = csvio.REVERSED_NOTE.format(items="q2, q3", measure="core10")
    expected = csvio.ITEMS_DO_NOT_ADD_UP.format(scored=14, total="10") + reversed_note
    assert problem.endswith(", line 2: " + expected)


def answers(definition: MeasureDefinition) -> st.SearchStrategy[list[int]]:
    return st.tuples(*(st.sampled_from(i.values) for i in definition.scored_items)).map(list)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_vectorised_checks_agree_with_the_definitions_own_values_and_scoring(tmp_path, data):
    rows, expected_bad = [], []
    for n, definition in enumerate(sorted(WITH_UNEVEN.values(), key=lambda d: d.id)):
        items = definition.scored_items
        scores = data.draw(
            st.tuples(*(st.sampled_from(i.values) | st.integers(-1, 11) for i in items))
        )
        score = definition.score(dict(zip([i.id for i in items], scores, strict=True))).total
        claimed = data.draw(st.sampled_from([score, score, score + 1, score - 1]))
        claimed = min(max(claimed, definition.min_total), definition.max_total)
        rows.append(f"c{n},1,{definition.id},{claimed},{' '.join(map(str, scores))},,")
        valid = all(v in i.values for i, v in zip(items, scores, strict=True))
        if not valid or claimed != score:
            expected_bad.append(n + 2)
    path = write(tmp_path, HEADER, *rows)
    if not expected_bad:
        assert read_measurements(path, WITH_UNEVEN).height == len(rows)
        return
    with pytest.raises(DetectInputError) as caught:
        read_measurements(path, WITH_UNEVEN)
    assert [p.line for p in caught.value.problems] == expected_bad


# --- Round trip ---------------------------------------------------------------------------

IDS = st.text(alphabet=st.sampled_from("abcXYZ019é-_ ,\"'\n"), min_size=1, max_size=6).filter(
    lambda s: s == s.strip()
)


@st.composite
def measurement_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    keys = draw(
        st.lists(
            st.tuples(
                IDS,
                st.one_of(st.just(""), IDS),
                st.sampled_from(sorted(SHIPPED)),
                st.integers(1, 40),
            ),
            unique=True,
            max_size=12,
        )
    )
    rows = []
    for client_id, participant_id, measure_id, session in keys:
        definition = SHIPPED[measure_id]
        attendance = draw(st.sampled_from(["attended", "attended", "cancelled", "no_show"]))
        items = draw(st.one_of(st.none(), answers(definition)))
        if items is not None:
            ids = [i.id for i in definition.scored_items]
            total = definition.score(dict(zip(ids, items, strict=True))).total
        else:
            total = draw(st.integers(definition.min_total, definition.max_total))
        missed_blank = attendance != "attended" and draw(st.booleans())
        rows.append(
            {
                "client_id": client_id,
                "participant_id": participant_id,
                "session": session,
                "measure": measure_id,
                "total": None if missed_blank else total,
                "items": None if missed_blank else items,
                "attendance": attendance,
                "felt_off": draw(st.sampled_from([None, True, False])),
            }
        )
    return rows


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=measurement_rows())
def test_any_valid_frame_written_out_reads_back_equal(tmp_path, rows):
    frame = measurements(rows)
    path = tmp_path / "input.csv"
    write_measurements(frame, path)
    assert_frame_equal(read_measurements(path, SHIPPED), sort_measurements(frame))


def test_a_column_named_like_the_readers_own_row_number_is_named_not_a_crash(tmp_path):
    problem = first_problem(tmp_path, "c1,1,phq9,12,,,,7", header=f"{HEADER},_row")
    assert problem.endswith("line 1: " + RESERVED_COLUMN.format(name="_row"))


LONG = "x" * 5_000_000
SHORT = "x" * csvio.QUOTE_LENGTH + "…"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(
            f"c1,1,phq9,{LONG},,,", csvio.TOTAL_NOT_NUMBER.format(value=SHORT), id="total"
        ),
        pytest.param(
            f"c1,{LONG},phq9,12,,,", csvio.SESSION_NOT_WHOLE.format(value=SHORT), id="session"
        ),
        pytest.param(
            f"c1,1,phq9,12,,{LONG},", csvio.BAD_ATTENDANCE.format(value=SHORT), id="attendance"
        ),
        pytest.param(
            f"c1,1,phq9,12,{LONG},,", csvio.ITEMS_NOT_WHOLE.format(value=SHORT), id="items"
        ),
    ],
)
def test_a_huge_value_is_quoted_only_by_its_first_forty_characters(tmp_path, row, message):
    problem = first_problem(tmp_path, row)
    assert problem == f"{tmp_path / 'input.csv'}, line 2: {message}"


def test_a_huge_total_of_digits_is_out_of_range_not_not_a_number(tmp_path):
    problem = first_problem(tmp_path, f"c1,1,phq9,{'9' * 5_000_000},,,")
    shown = "9" * csvio.QUOTE_LENGTH + "…"
    message = csvio.TOTAL_OUT_OF_RANGE.format(value=shown, measure="phq9", low=0, high=27)
    assert problem == f"{tmp_path / 'input.csv'}, line 2: {message}"


def test_a_repeated_row_of_a_long_client_id_quotes_it_shortened(tmp_path):
    client = "c" * 100
    problem = first_problem(tmp_path, phq9(1, client=client), phq9(1, client=client))
    assert f"client {'c' * 40}…, phq9, session 1 was already given on line 2" in problem
    assert "c" * 41 not in problem


def test_a_value_of_forty_characters_is_quoted_whole():
    assert csvio.shorten("y" * 40) == "y" * 40
    assert csvio.shorten("y" * 41) == "y" * 40 + "…"
