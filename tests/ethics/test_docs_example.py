"""The example in docs/ethics.md is a file Reattune accepts, and applies as the docs say."""

from __future__ import annotations

import re
from pathlib import Path

from reattune.ethics.definitions import OBLIGATION_FIELDS, REQUIRED_CODE_FIELDS, parse_code
from reattune.ethics.rules import obligations_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "ethics.md"


def test_the_example_in_the_docs_is_a_valid_ethics_file() -> None:
    example = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert example is not None
    code = parse_code(example.group(1), "ethics.md")
    assert (code.id, code.type, code.jurisdiction) == ("example_code", "code", "Scotland")
    near_miss = obligations_for([code], "administrative", "near_miss")
    assert [r.key for r in near_miss] == ["tell_client"]
    harmed = obligations_for([code], "safety", "harm_mild")
    assert [(r.key, r.written) for r in harmed] == [
        ("tell_client", False),
        ("write_to_client", True),
    ]


def test_the_docs_describe_every_field_and_say_it_is_not_legal_advice() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in (*REQUIRED_CODE_FIELDS, "jurisdiction", *OBLIGATION_FIELDS):
        assert f"| `{name}` |" in text, name
    assert "**Reattune guides and records; it is not legal advice.**" in text
    assert "REATTUNE_ETHICS_DIR" in text
