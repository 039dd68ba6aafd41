"""Requirement 22 for files: the CSV reader behind `reattune detect` and the measure definition
parser take any file without crashing, and refuse a bad one with a message naming the file
(and, for CSV, the line).

These add to tests/detection/test_csvio.py (hand-picked bad rows; generated valid files) and
tests/measures/test_definitions.py (generated and broken definitions; arbitrary text): here a
CSV gets arbitrary bytes, or the right header over junk cells, and each shipped measure file
gets one of its values swapped for junk of another type, and each measure junk answers.
"""

from __future__ import annotations

import copy
import csv
import io
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reattune.detection.commands import main as detect
from reattune.detection.csvio import READ_COLUMNS, DetectInputError, read_measurements
from reattune.measures.definitions import AnswerError, DefinitionError, parse_definition
from reattune.measures.registry import all_definitions
from tests.bad_input.strategies import junk
from tests.measures.test_definitions import toml_dumps

SHIPPED_FILES = sorted(
    (Path(__file__).resolve().parents[2] / "reattune/measures/definitions").glob("*.toml")
)
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def read_or_refuse(path: Path) -> None:
    try:
        read_measurements(path, all_definitions())
    except DetectInputError as refusal:
        assert refusal.problems
        for line in str(refusal).splitlines():
            assert line.startswith(str(path)), line


@FAST
@given(content=st.binary(max_size=2_000))
def test_any_bytes_are_read_or_refused_with_the_file_named(tmp_path, content):
    path = tmp_path / "any.csv"
    path.write_bytes(content)
    read_or_refuse(path)


cells = st.one_of(junk(["1", "2", "phq9", "gad7", "attended", "no_show", "yes", "no", "0 1 2"]))


@FAST
@given(
    columns=st.lists(st.sampled_from(READ_COLUMNS), min_size=1, unique=True).map(
        lambda c: [*c, "notes"]
    ),
    rows=st.lists(st.lists(cells, min_size=0, max_size=10), max_size=12),
)
def test_junk_cells_under_a_real_header_are_read_or_refused_by_line(tmp_path, columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    path = tmp_path / "junk.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")
    read_or_refuse(path)


def test_the_detect_command_refuses_a_junk_file_with_its_exit_status(tmp_path, capsys):
    path = tmp_path / "junk.csv"
    path.write_text("client_id,session,measure,total\n\x00,²,phq9,1e400\n", encoding="utf-8")
    assert detect([str(path)]) != 0
    assert str(path) in capsys.readouterr().err


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaf_paths(v, (*prefix, k))] or [prefix]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, (*prefix, i))] or [prefix]
    return [prefix]


toml_junk = st.recursive(
    st.one_of(
        junk(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=False),
        st.booleans(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)


@pytest.mark.parametrize("source", SHIPPED_FILES, ids=lambda p: p.name)
@FAST
@given(data=st.data())
def test_a_shipped_measure_file_with_one_value_swapped_is_parsed_or_refused(source, data):
    original = tomllib.loads(source.read_text())
    changed = copy.deepcopy(original)
    path = data.draw(st.sampled_from([p for p in leaf_paths(changed) if p]), label="path")
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(toml_junk, label="value")
    try:
        parse_definition(toml_dumps(changed), source.name)
    except DefinitionError as refusal:
        assert str(refusal).startswith(f"{source.name}: ")


@pytest.mark.parametrize("measure_id", sorted(all_definitions()))
@FAST
@given(data=st.data())
def test_junk_answers_get_a_message_for_each_item(measure_id, data):
    definition = all_definitions()[measure_id]
    raw = {
        item.id: data.draw(junk(["0", "1", "3", "yes", "no"]), label=item.id)
        for item in definition.items
    }
    try:
        answers = definition.clean_answers(raw)
    except AnswerError as refusal:
        assert refusal.errors
        known = {item.id for item in definition.items}
        for item_id, message in refusal.errors.items():
            assert item_id in known
            assert message.strip() and message[0].isupper()
    else:
        assert "\x00" not in str(answers)
        definition.score(answers)
