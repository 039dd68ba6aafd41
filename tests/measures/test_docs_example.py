"""The example in docs/measures.md is a file Reattune accepts and scores as described."""

from __future__ import annotations

import re
from pathlib import Path

from reattune.measures.definitions import parse_definition

DOC = Path(__file__).resolve().parents[2] / "docs" / "measures.md"


def test_the_example_in_the_docs_is_a_valid_measure_file() -> None:
    example = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert example is not None
    measure = parse_definition(example.group(1), "measures.md")
    assert measure.id == "example_scale"
    assert measure.reverse_items == {"q2"}
    assert [i.id for i in measure.items if i.is_safety] == ["q3"]
    assert (measure.min_total, measure.max_total) == (0, 14)
    answers = measure.clean_answers({"q1": "2", "q2": "2", "q3": "1"})
    assert measure.score(answers).total == 2 + 0 + 1
