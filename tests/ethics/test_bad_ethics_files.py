"""Every error an ethics file can have is reported with the file's name, the line and plain words.

Each case breaks tests.ethics.GOOD in one place and gives the whole message expected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reattune.ethics.definitions import EthicsFileError, load_codes, parse_code
from tests.ethics import GOOD

KNOWN_KINDS = "alliance_rupture, clinical_error, boundary, confidentiality, safety, administrative"
KNOWN_HARMS = (
    "any, reached_client, harm, unsafe_condition, near_miss, no_harm, harm_mild, "
    "harm_moderate, harm_severe"
)
CODE_FIELDS = "id, title, short_title, type, jurisdiction, source, version, obligation"
OBLIGATION_FIELDS = "key, standard, what, who, due_days, kinds, harms, written"
ID_RULE = (
    "which is not allowed: use lower-case letters a-z, digits and underscores, starting with "
    "a letter, at most 40 characters"
)


def _cut(text: str, line: str) -> str:
    assert line in text, line
    return text.replace(line, "", 1)


def _swap(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


LONG = "x" * 601

BROKEN = {
    # The TOML itself
    "invalid TOML": (
        _swap(GOOD, 'title = "Invented', "title = Invented"),
        "example.toml, line 2: not valid TOML: Invalid value at column 9",
    ),
    "TOML cut short": (
        GOOD + "extra = ",
        "example.toml, line 29: not valid TOML: Invalid value at the end of the file",
    ),
    "a value set twice": (
        _swap(GOOD, 'version = "1"\n', 'version = "1"\nversion = "2"\n'),
        "example.toml, line 7: not valid TOML: Cannot overwrite a value at column 14",
    ),
    # The top of the file
    "missing id": (_cut(GOOD, 'id = "invented"\n'), "example.toml: the file has no 'id'"),
    "missing title": (
        _cut(GOOD, 'title = "Invented Association Code of Ethics"\n'),
        "example.toml: the file has no 'title'",
    ),
    "missing short title": (
        _cut(GOOD, 'short_title = "Invented"\n'),
        "example.toml: the file has no 'short_title'",
    ),
    "missing type": (_cut(GOOD, 'type = "code"\n'), "example.toml: the file has no 'type'"),
    "missing source": (
        _cut(GOOD, 'source = "https://example.org/invented-code"\n'),
        "example.toml: the file has no 'source'",
    ),
    "missing version": (_cut(GOOD, 'version = "1"\n'), "example.toml: the file has no 'version'"),
    "title not text": (
        _swap(GOOD, 'title = "Invented Association Code of Ethics"', "title = 5"),
        "example.toml, line 2: the file has 'title' as a whole number; it should be text in quotes",
    ),
    "empty short title": (
        _swap(GOOD, 'short_title = "Invented"', 'short_title = "   "'),
        "example.toml, line 3: the file has an empty 'short_title'",
    ),
    "id with capitals and a dash": (
        _swap(GOOD, 'id = "invented"', 'id = "Bad-Id"'),
        f"example.toml, line 1: the file has the id 'Bad-Id', {ID_RULE}",
    ),
    "id that is a list": (
        _swap(GOOD, 'id = "invented"', 'id = ["invented"]'),
        "example.toml, line 1: the file has 'id' as a list; it should be text in quotes",
    ),
    "unknown type": (
        _swap(GOOD, 'type = "code"', 'type = "statute"'),
        "example.toml, line 4: the file has an unknown type 'statute' (known: code, law)",
    ),
    "law without jurisdiction": (
        _swap(GOOD, 'type = "code"', 'type = "law"'),
        "example.toml, line 4: the file is a law but has no 'jurisdiction'; say where it "
        'applies, for example "England"',
    ),
    "empty jurisdiction": (
        _swap(GOOD, 'version = "1"\n', 'version = "1"\njurisdiction = ""\n'),
        "example.toml, line 7: the file has an empty 'jurisdiction'",
    ),
    "source that is not a web address": (
        _swap(GOOD, "https://example.org/invented-code", "javascript:alert(1)"),
        "example.toml, line 5: the file has a 'source' that is not a web address starting "
        "with https:// or http://",
    ),
    "unknown top-level field": (
        _swap(GOOD, 'version = "1"\n', 'version = "1"\nlicence = "CC BY"\n'),
        f"example.toml, line 7: the file has an unknown field 'licence' (allowed: {CODE_FIELDS})",
    ),
    "two unknown top-level fields": (
        _swap(GOOD, 'version = "1"\n', 'version = "1"\nlicence = "CC BY"\nauthor = "Nobody"\n'),
        "example.toml, line 7: the file has unknown fields 'licence', 'author' "
        f"(allowed: {CODE_FIELDS})",
    ),
    "unknown table": (
        GOOD + '\n[meta]\nauthor = "Nobody"\n',
        f"example.toml, line 30: the file has an unknown field 'meta' (allowed: {CODE_FIELDS})",
    ),
    # The obligations as a whole
    "no obligations": (
        GOOD[: GOOD.index("[[obligation]]")],
        "example.toml: the file has no [[obligation]] blocks; a code or law needs at least one",
    ),
    "obligation that is text": (
        GOOD[: GOOD.index("[[obligation]]")] + 'obligation = "tell the client"\n',
        "example.toml, line 8: the file has an 'obligation' that is not a list of "
        "[[obligation]] blocks",
    ),
    "empty inline obligation list": (
        GOOD[: GOOD.index("[[obligation]]")] + "obligation = []\n",
        "example.toml, line 8: the file has no [[obligation]] blocks; a code or law needs "
        "at least one",
    ),
    # One obligation
    "unknown obligation field": (
        _swap(GOOD, "due_days = 1\n", "due_day = 1\n"),
        "example.toml, line 13: obligation 'tell_client' has an unknown field 'due_day' "
        f"(allowed: {OBLIGATION_FIELDS})",
    ),
    "unknown obligation sub-table": (
        GOOD + '\n[obligation.extra]\nnote = "x"\n',
        "example.toml, line 30: obligation 'write_down' has an unknown field 'extra' "
        f"(allowed: {OBLIGATION_FIELDS})",
    ),
    "missing key": (
        _cut(GOOD, 'key = "tell_client"\n'),
        "example.toml, line 8: obligation 1 has no 'key'",
    ),
    "bad key": (
        _swap(GOOD, 'key = "tell_client"', 'key = "Tell client"'),
        f"example.toml, line 9: obligation 1 has the key 'Tell client', {ID_RULE}",
    ),
    "repeated key": (
        _swap(GOOD, 'key = "write_down"', 'key = "tell_client"'),
        "example.toml, line 18: obligation 'tell_client' repeats a key already used at line 9; "
        "keys must be unique in a file",
    ),
    "missing what in the second obligation": (
        _cut(GOOD, 'what = "Write down what happened."\n'),
        "example.toml, line 17: obligation 'write_down' has no 'what'",
    ),
    "missing harms": (
        _cut(GOOD, 'harms = ["harm"]\n'),
        "example.toml, line 8: obligation 'tell_client' has no 'harms'",
    ),
    "empty standard": (
        _swap(GOOD, 'standard = "Invented 1.1"', 'standard = ""'),
        "example.toml, line 10: obligation 'tell_client' has an empty 'standard'",
    ),
    "what too long": (
        _swap(GOOD, "Tell the client what went wrong.", LONG),
        "example.toml, line 11: obligation 'tell_client' has a 'what' of 601 characters; "
        "paraphrase it in 600 or fewer",
    ),
    "unknown who": (
        _swap(GOOD, 'who = "clinician"', 'who = "client"'),
        "example.toml, line 12: obligation 'tell_client' has an unknown who 'client' "
        "(known: clinician, supervisor, admin)",
    ),
    "due days as text": (
        _swap(GOOD, "due_days = 1\n", 'due_days = "1"\n'),
        "example.toml, line 13: obligation 'tell_client' has 'due_days' as text; "
        "it should be a whole number of days (0 means the same day)",
    ),
    "due days as a decimal": (
        _swap(GOOD, "due_days = 1\n", "due_days = 1.5\n"),
        "example.toml, line 13: obligation 'tell_client' has 'due_days' as a decimal number; "
        "it should be a whole number of days (0 means the same day)",
    ),
    "due days as true": (
        _swap(GOOD, "due_days = 1\n", "due_days = true\n"),
        "example.toml, line 13: obligation 'tell_client' has 'due_days' as true or false; "
        "it should be a whole number of days (0 means the same day)",
    ),
    "negative due days": (
        _swap(GOOD, "due_days = 1\n", "due_days = -1\n"),
        "example.toml, line 13: obligation 'tell_client' has due_days = -1; "
        "it should be from 0 to 3650",
    ),
    "due days over ten years": (
        _swap(GOOD, "due_days = 1\n", "due_days = 3651\n"),
        "example.toml, line 13: obligation 'tell_client' has due_days = 3651; "
        "it should be from 0 to 3650",
    ),
    "kinds as text": (
        _swap(GOOD, 'kinds = ["*"]', 'kinds = "*"'),
        "example.toml, line 14: obligation 'tell_client' has 'kinds' as text; "
        'it should be a list such as ["*"]',
    ),
    "empty kinds": (
        _swap(GOOD, 'kinds = ["*"]', "kinds = []"),
        "example.toml, line 14: obligation 'tell_client' has an empty 'kinds' list; "
        'use ["*"] for all of them',
    ),
    "a kind that is a number": (
        _swap(GOOD, 'kinds = ["*"]', "kinds = [3]"),
        "example.toml, line 14: obligation 'tell_client' has a 'kinds' entry that is a whole "
        "number; entries should be text in quotes",
    ),
    "star with other kinds": (
        _swap(GOOD, 'kinds = ["*"]', 'kinds = ["*", "safety"]'),
        "example.toml, line 14: obligation 'tell_client' lists '*' with other kinds; "
        "'*' already means every kind",
    ),
    "misspelt kind in a list over several lines": (
        _swap(GOOD, '"clinical_error",', '"clinical_eror",'),
        "example.toml, line 23: obligation 'write_down' has an unknown kind 'clinical_eror' "
        f"(known: {KNOWN_KINDS}, or '*' for every kind)",
    ),
    "unknown harm": (
        _swap(GOOD, 'harms = ["harm"]', 'harms = ["harm", "harmm"]'),
        f"example.toml, line 15: obligation 'tell_client' has an unknown harm 'harmm' "
        f"(known: {KNOWN_HARMS})",
    ),
    "empty harms": (
        _swap(GOOD, 'harms = ["any"]', "harms = []"),
        "example.toml, line 27: obligation 'write_down' has an empty 'harms' list; "
        'use ["any"] for all of them',
    ),
    "written as text": (
        _swap(GOOD, "written = true", 'written = "yes"'),
        "example.toml, line 28: obligation 'write_down' has 'written' as text; "
        "it should be true or false",
    ),
}


def test_the_unbroken_example_is_valid() -> None:
    code = parse_code(GOOD, "example.toml")
    assert code.id == "invented"
    assert [o.key for o in code.obligations] == ["tell_client", "write_down"]


@pytest.mark.parametrize(("text", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_it_names_the_file_the_line_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(EthicsFileError) as caught:
        parse_code(text, "example.toml")
    assert str(caught.value) == message
    assert caught.value.path == "example.toml"


@pytest.mark.parametrize(("text", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_it_names_the_file_on_disk_when_loading_a_folder(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "example.toml").write_text(text, encoding="utf-8")
    with pytest.raises(EthicsFileError) as caught:
        load_codes(tmp_path)
    assert str(caught.value) == message


def test_it_finds_lines_after_a_multiline_string_that_looks_like_toml() -> None:
    tricky = _swap(
        GOOD,
        'what = "Tell the client what went wrong."',
        'what = """\nTell the client.\n[[obligation]]\nkinds = ["nonsense"]\n"""',
    )
    tricky = _swap(tricky, '"clinical_error",', '"clinical_eror",')
    with pytest.raises(EthicsFileError) as caught:
        parse_code(tricky, "example.toml")
    # The second block's `kinds = [` line, four lines later than in GOOD (line 23).
    assert caught.value.line == tricky.splitlines().index("kinds = [") + 1 == 27
    assert "obligation 'write_down' has an unknown kind 'clinical_eror'" in str(caught.value)


def test_a_quote_inside_a_one_line_string_does_not_hide_the_lines_after_it() -> None:
    text = _swap(
        GOOD, "Tell the client what went wrong.", "Say '''sorry''' and \\\"\\\"\\\" mean it."
    )
    text = _swap(text, 'who = "admin"', 'who = "nobody"')
    with pytest.raises(EthicsFileError) as caught:
        parse_code(text, "example.toml")
    assert caught.value.line == 21


def test_an_inline_obligation_list_is_reported_at_its_own_line() -> None:
    text = GOOD[: GOOD.index("[[obligation]]")] + (
        'obligation = [{ key = "a", standard = "1", what = "x", who = "boss", due_days = 0, '
        'kinds = ["*"], harms = ["any"] }]\n'
    )
    with pytest.raises(EthicsFileError) as caught:
        parse_code(text, "example.toml")
    assert str(caught.value).startswith("example.toml, line 8: obligation 'a' has an unknown who")


def test_it_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes(GOOD.replace("Invented 1.1", "Ñ 1.1").encode("latin-1"))
    with pytest.raises(EthicsFileError) as caught:
        load_codes(tmp_path)
    assert str(caught.value) == "latin1.toml: cannot be read as UTF-8 text"


def test_it_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(EthicsFileError) as caught:
        load_codes(missing)
    assert str(caught.value) == f"{missing}: does not exist or is not a folder"


def test_it_refuses_the_same_id_in_two_folders_naming_both_files(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "one.toml").write_text(GOOD, encoding="utf-8")
    (second / "two.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(EthicsFileError) as caught:
        load_codes(first, second)
    assert str(caught.value) == (
        "two.toml, line 1: the id 'invented' is already used by one.toml (in another folder); "
        "choose another id"
    )


def test_it_refuses_a_clinic_file_that_reuses_a_shipped_id(tmp_path: Path) -> None:
    (tmp_path / "our_bacp.toml").write_text(_swap(GOOD, '"invented"', '"bacp"'), "utf-8")
    with pytest.raises(EthicsFileError) as caught:
        load_codes(tmp_path)
    assert str(caught.value) == (
        "our_bacp.toml, line 1: the id 'bacp' is already used by bacp.toml "
        "(shipped with Reattune); choose another id"
    )
