"""Property tests for the ethics file parser, on generated files.

No database and no Django: definitions.py is plain Python, so these run on their own.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from reattune.ethics.definitions import (
    ID_PATTERN,
    MAX_DUE_DAYS,
    EthicsCode,
    EthicsFileError,
    parse_code,
)
from reattune.ethics.vocabulary import HARM_GROUPS, HARMS, KINDS, WHO
from tests.ethics.toml_writer import write

_ids = st.from_regex(r"[a-z][a-z0-9_]{0,39}", fullmatch=True)
# Text a person might type, quotes, backslashes and other scripts included; no control
# characters, and no spaces at either end (the parser trims them).
_text = (
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=60)
    .map(str.strip)
    .filter(bool)
)
_harm_words = st.sampled_from([*HARM_GROUPS, *HARMS])


@st.composite
def obligations(draw: st.DrawFn, key: str) -> dict[str, Any]:
    every_kind = draw(st.booleans())
    kinds = ["*"] if every_kind else draw(st.lists(st.sampled_from(list(KINDS)), min_size=1))
    obligation: dict[str, Any] = {
        "key": key,
        "standard": draw(_text),
        "what": "\n".join(draw(st.lists(_text, min_size=1, max_size=4))),
        "who": draw(st.sampled_from(list(WHO))),
        "due_days": draw(st.integers(0, MAX_DUE_DAYS)),
        "kinds": kinds,
        "harms": draw(st.lists(_harm_words, min_size=1, max_size=4)),
    }
    if draw(st.booleans()):
        obligation["written"] = draw(st.booleans())
    return obligation


@st.composite
def valid_files(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """A valid file as (top-level fields, obligations, layout styles)."""
    code_type = draw(st.sampled_from(["code", "law"]))
    top: dict[str, Any] = {
        "id": draw(_ids),
        "title": draw(_text),
        "short_title": draw(_text),
        "type": code_type,
        "source": "https://example.org/" + draw(st.from_regex(r"[a-z0-9/-]{0,20}", fullmatch=True)),
        "version": draw(_text),
    }
    if code_type == "law" or draw(st.booleans()):
        top["jurisdiction"] = draw(_text)
    keys = draw(st.lists(_ids, min_size=1, max_size=5, unique=True))
    styles = {
        "kinds": draw(st.sampled_from(["plain", "multiline_list", "quoted_key"])),
        "harms": draw(st.sampled_from(["plain", "multiline_list"])),
        "what": draw(st.sampled_from(["plain", "multiline_text"])),
        "title": draw(st.sampled_from(["plain", "quoted_key"])),
    }
    return top, [draw(obligations(k)) for k in keys], styles


def expected_harms(words: list[str]) -> frozenset[str]:
    return frozenset(h for w in words for h in HARM_GROUPS.get(w, (w,)))


@given(spec=valid_files())
def test_it_reads_back_every_field_of_a_valid_file(
    spec: tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]],
) -> None:
    top, items, styles = spec
    code = parse_code(write(top, items, styles).text(), "generated.toml")
    assert (code.id, code.title, code.short_title, code.type, code.source, code.version) == (
        top["id"],
        top["title"],
        top["short_title"],
        top["type"],
        top["source"],
        top["version"],
    )
    assert code.jurisdiction == top.get("jurisdiction", "")
    assert [o.key for o in code.obligations] == [o["key"] for o in items]
    for rule, raw in zip(code.obligations, items, strict=True):
        assert rule.code_id == top["id"]
        assert (rule.standard, rule.what, rule.who) == (raw["standard"], raw["what"], raw["who"])
        assert rule.due_days == raw["due_days"]
        assert rule.kinds == (frozenset(KINDS) if raw["kinds"] == ["*"] else set(raw["kinds"]))
        assert rule.harms == expected_harms(raw["harms"])
        assert rule.written is raw.get("written", False)


@given(spec=valid_files(), data=st.data())
def test_an_obligation_applies_exactly_to_its_kinds_and_harms(
    spec: tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]], data: st.DataObject
) -> None:
    top, items, styles = spec
    code = parse_code(write(top, items, styles).text(), "generated.toml")
    kind = data.draw(st.sampled_from(list(KINDS)))
    harm = data.draw(st.sampled_from(list(HARMS)))
    for rule, raw in zip(code.obligations, items, strict=True):
        kind_listed = raw["kinds"] == ["*"] or kind in raw["kinds"]
        assert rule.applies_to(kind, harm) == (kind_listed and harm in expected_harms(raw["harms"]))


# --- Line numbers ---------------------------------------------------------------------------

_breakages = {
    "kinds": ["clinical_eror"],
    "harms": ["harmm"],
    "who": "client",
    "due_days": -3,
    "written": "yes",
    "standard": "",
    "what": "x" * 601,
}


@given(spec=valid_files(), data=st.data())
def test_it_names_the_line_of_the_broken_field_in_the_broken_obligation(
    spec: tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]], data: st.DataObject
) -> None:
    top, items, styles = spec
    n = data.draw(st.integers(0, len(items) - 1))
    field = data.draw(st.sampled_from(sorted(_breakages)))
    items[n][field] = _breakages[field]
    writer = write(top, items, styles)
    try:
        parse_code(writer.text(), "generated.toml")
    except EthicsFileError as e:
        assert e.line == writer.lines[(n, field)], (field, writer.text())
        assert f"obligation {items[n]['key']!r}" in e.message
    else:
        raise AssertionError(f"a broken {field!r} was accepted")


@given(spec=valid_files(), data=st.data())
def test_it_names_the_line_of_a_repeated_key(
    spec: tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]], data: st.DataObject
) -> None:
    top, items, styles = spec
    assume(len(items) >= 2)
    first, second = sorted(data.draw(st.sets(st.integers(0, len(items) - 1), min_size=2)))[:2]
    items[second]["key"] = items[first]["key"]
    writer = write(top, items, styles)
    try:
        parse_code(writer.text(), "generated.toml")
    except EthicsFileError as e:
        assert e.line == writer.lines[(second, "key")]
        assert f"at line {writer.lines[(first, 'key')]}" in e.message
    else:
        raise AssertionError("a repeated key was accepted")


# --- Corruption -----------------------------------------------------------------------------


def _assert_usable(code: EthicsCode) -> None:
    """Whatever the parser accepts must be safe to store and show."""
    assert ID_PATTERN.fullmatch(code.id)
    assert code.source.startswith(("https://", "http://"))
    assert code.obligations
    assert len({o.key for o in code.obligations}) == len(code.obligations)
    for rule in code.obligations:
        assert ID_PATTERN.fullmatch(rule.key)
        assert rule.kinds and rule.kinds <= set(KINDS)
        assert rule.harms and rule.harms <= set(HARMS)
        assert rule.who in WHO
        assert 0 <= rule.due_days <= MAX_DUE_DAYS
        assert isinstance(rule.written, bool)


def _check(text: str) -> None:
    try:
        code = parse_code(text, "corrupt.toml")
    except EthicsFileError as e:
        assert str(e).startswith("corrupt.toml")
        assert e.line is None or 1 <= e.line <= max(1, len(text.splitlines()))
    else:
        _assert_usable(code)


@st.composite
def corrupted(draw: st.DrawFn, text: str) -> str:
    """`text` damaged the way files get damaged: characters lost or added, lines lost,
    repeated or swapped."""
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        action = draw(st.sampled_from(["cut", "insert", "drop", "repeat", "swap", "replace"]))
        if action in ("cut", "insert", "replace") and text:
            at = draw(st.integers(0, len(text)))
            if action == "cut":
                text = text[:at] + text[at + draw(st.integers(1, 20)) :]
            else:
                noise = draw(st.one_of(st.text(max_size=10), st.sampled_from(_SNIPPETS)))
                text = text[:at] + noise + text[at + (1 if action == "replace" else 0) :]
            continue
        n = draw(st.integers(0, len(lines) - 1))
        if action == "drop":
            del lines[n]
        elif action == "repeat":
            lines.insert(n, lines[n])
        else:
            m = draw(st.integers(0, len(lines) - 1))
            lines[n], lines[m] = lines[m], lines[n]
        text = "\n".join(lines)
    return text


_SNIPPETS = [
    '"', "'", '"""', "'''", "[", "]", "[[obligation]]", "[obligation.extra]", "=", "#", "\\",
    "\n", "{", "}", ",", "1979-05-27", "inf", "nan", "true", '"*"', "-1", "99999999999999999999",
]  # fmt: skip


@given(data=st.data())
def test_a_corrupted_file_gives_an_ethics_file_error_or_a_usable_code_never_a_crash(
    data: st.DataObject,
) -> None:
    top, items, styles = data.draw(valid_files())
    _check(data.draw(corrupted(write(top, items, styles).text())))


_junk = st.recursive(
    st.one_of(st.booleans(), st.integers(), st.floats(), _text, st.just("")),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)
_field_names = st.sampled_from(
    ["id", "title", "type", "source", "jurisdiction", "obligation", "key", "standard", "what",
     "who", "due_days", "kinds", "harms", "written", "extra"]
)  # fmt: skip


@given(data=st.data())
def test_a_file_with_wrong_values_gives_an_ethics_file_error_or_a_usable_code(
    data: st.DataObject,
) -> None:
    top, items, styles = data.draw(valid_files())
    for _ in range(data.draw(st.integers(1, 3))):
        table = data.draw(st.sampled_from([top, *items]))
        field = data.draw(_field_names)
        if field in table and data.draw(st.booleans()):
            del table[field]
        else:
            table[field] = data.draw(_junk)
    _check(write(top, items, styles).text())


@given(text=st.text(max_size=300))
def test_arbitrary_text_gives_an_ethics_file_error_never_a_crash(text: str) -> None:
    _check(text)
