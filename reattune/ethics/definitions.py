"""Ethics files: one TOML file per professional code of ethics or law, parsed and checked here.

Plain Python with no Django import, like reattune/measures/definitions.py, so the repairs app,
the command line and the tests share one parser. A file with an error stops start-up with the
file's name, the line and what is wrong, because a code that silently lost an obligation would
leave a clinician without a step they owe a client. The file format is in docs/ethics.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reattune.ethics.vocabulary import HARM_GROUPS, HARMED, HARMS, KINDS, REACHED_CLIENT, WHO

SHIPPED_DIR = Path(__file__).resolve().parent / "codes"

TYPES: dict[str, str] = {"code": "Code of ethics", "law": "Law"}
EVERY_KIND = "*"
# Ids and keys are stored in the database (ClinicEthics.code_ids, and by the repairs app).
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_DUE_DAYS = 3650
# Long enough for three plain sentences; short enough that nobody pastes the code's own text.
MAX_WHAT_LENGTH = 600

CODE_FIELDS = ("id", "title", "short_title", "type", "jurisdiction", "source", "version")
REQUIRED_CODE_FIELDS = ("id", "title", "short_title", "type", "source", "version")
OBLIGATION_FIELDS = ("key", "standard", "what", "who", "due_days", "kinds", "harms", "written")
REQUIRED_OBLIGATION_FIELDS = OBLIGATION_FIELDS[:-1]

# Error messages, as templates the tests reuse. `subject` is "the file" or "obligation 'key'".
NOT_TOML = "not valid TOML: {reason}"
NESTED_TOO_DEEPLY = "is nested too deeply to read as TOML"
NOT_UTF8 = "cannot be read as UTF-8 text"
NO_FOLDER = "does not exist or is not a folder"
UNKNOWN_FIELD = "{subject} has an unknown field {names} (allowed: {allowed})"
UNKNOWN_FIELDS = "{subject} has unknown fields {names} (allowed: {allowed})"
MISSING = "{subject} has no {field!r}"
WRONG_TYPE = "{subject} has {field!r} as {actual}; it should be {expected}"
EMPTY_TEXT = "{subject} has an empty {field!r}"
BAD_ID = (
    "{subject} has {field} {value!r}, which is not allowed: use lower-case letters a-z, "
    "digits and underscores, starting with a letter, at most 40 characters"
)
BAD_SOURCE = "{subject} has a 'source' that is not a web address starting with https:// or http://"
UNKNOWN_TYPE = "{subject} has an unknown type {value!r} (known: {known})"
LAW_WITHOUT_JURISDICTION = (
    "{subject} is a law but has no 'jurisdiction'; say where it applies, for example \"England\""
)
NO_OBLIGATIONS = "{subject} has no [[obligation]] blocks; a code or law needs at least one"
OBLIGATIONS_NOT_BLOCKS = "{subject} has an 'obligation' that is not a list of [[obligation]] blocks"
DUPLICATE_KEY = (
    "{subject} repeats a key already used at line {first}; keys must be unique in a file"
)
WHAT_TOO_LONG = "{subject} has a 'what' of {length} characters; paraphrase it in {limit} or fewer"
DUE_OUT_OF_RANGE = "{subject} has due_days = {value}; it should be from 0 to {limit}"
EMPTY_LIST = "{subject} has an empty {field!r} list; use {example} for all of them"
NOT_TEXT_ENTRY = (
    "{subject} has a {field!r} entry that is {actual}; entries should be text in quotes"
)
STAR_WITH_OTHERS = "{subject} lists '*' with other kinds; '*' already means every kind"
UNKNOWN_KIND = "{subject} has an unknown kind {value!r} (known: {known}, or '*' for every kind)"
UNKNOWN_HARM = "{subject} has an unknown harm {value!r} (known: {known})"
UNKNOWN_WHO = "{subject} has an unknown who {value!r} (known: {known})"
DUPLICATE_ID = "the id {code_id!r} is already used by {other}; choose another id"


class EthicsFileError(Exception):
    """An ethics file cannot be used. `str()` reads `bacp.toml, line 14: what is wrong`;
    `line` is None when the problem is the whole file or a field that is missing."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ObligationRule:
    """One thing a code or law asks of someone after a mistake, paraphrased, with its number."""

    code_id: str
    key: str
    standard: str
    what: str
    who: str
    due_days: int
    kinds: frozenset[str]
    harms: frozenset[str]
    written: bool

    def applies_to(self, kind: str, harm: str) -> bool:
        return kind in self.kinds and harm in self.harms

    @property
    def who_text(self) -> str:
        return WHO[self.who]

    @property
    def due_text(self) -> str:
        if self.due_days == 0:
            return "the same day"
        return f"within {self.due_days} day{'' if self.due_days == 1 else 's'}"

    @property
    def kinds_text(self) -> str:
        if self.kinds == frozenset(KINDS):
            return "Any kind of mistake"
        return ", ".join(label for key, label in KINDS.items() if key in self.kinds)

    @property
    def harms_text(self) -> str:
        named = {
            frozenset(HARMS): "whatever the outcome",
            frozenset(REACHED_CLIENT): "when it reached the client",
            frozenset(HARMED): "when the client was harmed",
        }
        if self.harms in named:
            return named[self.harms]
        return ", ".join(label for key, label in HARMS.items() if key in self.harms)


@dataclass(frozen=True)
class EthicsCode:
    id: str
    title: str
    short_title: str
    type: str
    jurisdiction: str
    source: str
    version: str
    obligations: tuple[ObligationRule, ...]
    file: str = field(default="", compare=False)
    shipped: bool = field(default=False, compare=False)

    @property
    def is_law(self) -> bool:
        return self.type == "law"


# --- Line numbers ---------------------------------------------------------------------------
# tomllib gives back plain dicts without positions, so semantic errors find their line by
# scanning the raw text: which key starts on which line, inside which [[obligation]] block.

_TABLE_HEADER = re.compile(r"\s*\[(\[)?\s*(?P<name>[^\]]*?)\s*\]\]?\s*(#.*)?$")
_KEY_LINE = re.compile(
    r"""\s*(?:"(?P<dq>[^"\\]*)"|'(?P<sq>[^']*)'|(?P<bare>[A-Za-z0-9_-]+))\s*[=.]"""
)
_TOP = -1
_ELSEWHERE = -2  # inside some other table, whose keys must not be mistaken for top-level ones


def _unquote(name: str) -> list[str]:
    return [part.strip().strip("\"'") for part in name.split(".")]


class _Lines:
    """Where each key starts: (block, key) → 1-based line, block -1 being the top of the file
    and n the n-th [[obligation]] block (from 0). Lines inside multi-line strings are skipped."""

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple[int, str], int] = {}
        self.blocks: list[int] = []
        scope = _TOP
        open_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if open_string is None:
                header = _TABLE_HEADER.match(line)
                key = _KEY_LINE.match(line)
                if header is not None and line.lstrip().startswith("["):
                    scope = self._enter_table(header, number)
                elif key is not None and scope != _ELSEWHERE:
                    name = key.group("dq") or key.group("sq") or key.group("bare") or ""
                    self.keys.setdefault((scope, name), number)
            open_string = _open_string_after(line, open_string)

    def _enter_table(self, header: re.Match[str], number: int) -> int:
        parts = _unquote(header.group("name"))
        is_array = header.group(1) is not None
        if parts == ["obligation"] and is_array:
            self.blocks.append(number)
            return len(self.blocks) - 1
        if parts[0] == "obligation" and len(parts) > 1 and self.blocks:
            # [obligation.extra] is a field `extra` of the latest obligation.
            self.keys.setdefault((len(self.blocks) - 1, parts[1]), number)
        else:
            self.keys.setdefault((_TOP, parts[0]), number)
        return _ELSEWHERE

    def of(self, key: str | None, block: int = _TOP) -> int | None:
        """The line of `key` in `block`; else the block's header line; else the top-level
        `obligation` line (for obligations written inline); else None."""
        if key is not None and (block, key) in self.keys:
            return self.keys[(block, key)]
        if 0 <= block < len(self.blocks):
            return self.blocks[block]
        if block != _TOP:
            return self.keys.get((_TOP, "obligation"))
        return None


def _open_string_after(line: str, open_string: str | None) -> str | None:
    """The delimiter of the multi-line string (three double or three single quotes) still open
    at the end of `line`, given the one open at its start; None when none is open. Single-line
    strings and comments are stepped over, so a quote inside them does not count."""
    i, end = 0, len(line)
    while i < end:
        if open_string is not None:
            if open_string == '"""' and line[i] == "\\":
                i += 2
            elif line.startswith(open_string, i):
                i += 3
                while i < end and line[i] == open_string[0]:  # quotes just before the close
                    i += 1
                open_string = None
            else:
                i += 1
        elif line.startswith(('"""', "'''"), i):
            open_string = line[i : i + 3]
            i += 3
        elif line[i] == '"':
            i += 1
            while i < end and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
        elif line[i] == "'":
            close = line.find("'", i + 1)
            i = end if close < 0 else close + 1
        elif line[i] == "#":
            break
        else:
            i += 1
    return open_string


# --- Parsing --------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


class _Table:
    """Reads the fields of the top of the file (block -1) or of one [[obligation]] block,
    raising EthicsFileError with the line of the field at fault."""

    def __init__(
        self, filename: str, lines: _Lines, data: dict[str, Any], block: int, subject: str
    ) -> None:
        self.filename = filename
        self.lines = lines
        self.data = data
        self.block = block
        self.subject = subject

    def fail(self, template: str, key: str | None = None, **values: Any) -> EthicsFileError:
        message = template.format(subject=self.subject, **values)
        return EthicsFileError(self.filename, self.lines.of(key, self.block), message)

    def reject_unknown(self, allowed: tuple[str, ...]) -> None:
        unknown = [k for k in self.data if k not in allowed]
        if unknown:
            raise self.fail(
                UNKNOWN_FIELD if len(unknown) == 1 else UNKNOWN_FIELDS,
                unknown[0],
                names=", ".join(map(repr, unknown)),
                allowed=", ".join(allowed),
            )

    def present(self, key: str) -> Any:
        if key not in self.data:
            raise self.fail(MISSING, None if self.block == _TOP else key, field=key)
        return self.data[key]

    def text(self, key: str, *, required: bool = True) -> str:
        if not required and key not in self.data:
            return ""
        value = self.present(key)
        if not isinstance(value, str):
            raise self.fail(
                WRONG_TYPE, key, field=key, actual=_type_name(value), expected="text in quotes"
            )
        if not value.strip():
            raise self.fail(EMPTY_TEXT, key, field=key)
        return value.strip()

    def identifier(self, key: str, label: str) -> str:
        value = self.text(key)
        if not ID_PATTERN.fullmatch(value):
            raise self.fail(BAD_ID, key, field=label, value=value)
        return value

    def choice(self, key: str, known: dict[str, str], template: str) -> str:
        value = self.text(key)
        if value not in known:
            raise self.fail(template, key, value=value, known=", ".join(known))
        return value

    def text_list(self, key: str, example: str) -> list[str]:
        value = self.present(key)
        if not isinstance(value, list):
            expected = f"a list such as {example}"
            raise self.fail(WRONG_TYPE, key, field=key, actual=_type_name(value), expected=expected)
        if not value:
            raise self.fail(EMPTY_LIST, key, field=key, example=example)
        for entry in value:
            if not isinstance(entry, str):
                raise self.fail(NOT_TEXT_ENTRY, key, field=key, actual=_type_name(entry))
        return value


def _parse_kinds(table: _Table) -> frozenset[str]:
    kinds = table.text_list("kinds", '["*"]')
    if EVERY_KIND in kinds:
        if len(set(kinds)) > 1:
            raise table.fail(STAR_WITH_OTHERS, "kinds")
        return frozenset(KINDS)
    for kind in kinds:
        if kind not in KINDS:
            raise table.fail(UNKNOWN_KIND, "kinds", value=kind, known=", ".join(KINDS))
    return frozenset(kinds)


def _parse_harms(table: _Table) -> frozenset[str]:
    harms: set[str] = set()
    for harm in table.text_list("harms", '["any"]'):
        if harm in HARM_GROUPS:
            harms.update(HARM_GROUPS[harm])
        elif harm in HARMS:
            harms.add(harm)
        else:
            known = ", ".join([*HARM_GROUPS, *HARMS])
            raise table.fail(UNKNOWN_HARM, "harms", value=harm, known=known)
    return frozenset(harms)


def _parse_due_days(table: _Table) -> int:
    value = table.present("due_days")
    if not isinstance(value, int) or isinstance(value, bool):
        expected = "a whole number of days (0 means the same day)"
        raise table.fail(
            WRONG_TYPE, "due_days", field="due_days", actual=_type_name(value), expected=expected
        )
    if not 0 <= value <= MAX_DUE_DAYS:
        raise table.fail(DUE_OUT_OF_RANGE, "due_days", value=value, limit=MAX_DUE_DAYS)
    return value


def _parse_written(table: _Table) -> bool:
    value = table.data.get("written", False)
    if not isinstance(value, bool):
        raise table.fail(
            WRONG_TYPE,
            "written",
            field="written",
            actual=_type_name(value),
            expected="true or false",
        )
    return value


def _parse_obligation(table: _Table, code_id: str, key: str) -> ObligationRule:
    for name in REQUIRED_OBLIGATION_FIELDS:
        table.present(name)
    what = table.text("what")
    if len(what) > MAX_WHAT_LENGTH:
        raise table.fail(WHAT_TOO_LONG, "what", length=len(what), limit=MAX_WHAT_LENGTH)
    return ObligationRule(
        code_id=code_id,
        key=key,
        standard=table.text("standard"),
        what=what,
        who=table.choice("who", WHO, UNKNOWN_WHO),
        due_days=_parse_due_days(table),
        kinds=_parse_kinds(table),
        harms=_parse_harms(table),
        written=_parse_written(table),
    )


def _obligation_tables(top: _Table) -> list[_Table]:
    raw = top.data.get("obligation")
    if raw is None:
        raise top.fail(NO_OBLIGATIONS)
    if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
        raise top.fail(OBLIGATIONS_NOT_BLOCKS, "obligation")
    if not raw:
        raise top.fail(NO_OBLIGATIONS, "obligation")
    tables = []
    for n, data in enumerate(raw):
        # Name the obligation by its key in messages when it has a usable one.
        key = data.get("key")
        usable = isinstance(key, str) and ID_PATTERN.fullmatch(key)
        subject = f"obligation {key!r}" if usable else f"obligation {n + 1}"
        tables.append(_Table(top.filename, top.lines, data, n, subject))
    return tables


def _syntax_error(filename: str, text: str, error: tomllib.TOMLDecodeError) -> EthicsFileError:
    """tomllib puts the position in its message: '... (at line 3, column 9)'."""
    reason = str(error)
    line: int | None = None
    if found := re.search(r" \(at line (\d+), column (\d+)\)$", reason):
        line = int(found.group(1))
        reason = f"{reason[: found.start()]} at column {found.group(2)}"
    elif reason.endswith(" (at end of document)"):
        line = max(1, len(text.splitlines()))
        reason = reason.removesuffix(" (at end of document)") + " at the end of the file"
    return EthicsFileError(filename, line, NOT_TOML.format(reason=reason))


def parse_code(text: str, filename: str, *, shipped: bool = False) -> EthicsCode:
    """Parse one ethics file's text. `filename` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _syntax_error(filename, text, e) from None
    except RecursionError:
        raise EthicsFileError(filename, None, NESTED_TOO_DEEPLY) from None
    lines = _Lines(text)
    top = _Table(filename, lines, data, _TOP, "the file")
    top.reject_unknown((*CODE_FIELDS, "obligation"))
    code_id = top.identifier("id", "the id")
    for name in REQUIRED_CODE_FIELDS:
        top.text(name)
    code_type = top.choice("type", TYPES, UNKNOWN_TYPE)
    jurisdiction = top.text("jurisdiction", required=False)
    if code_type == "law" and not jurisdiction:
        raise top.fail(LAW_WITHOUT_JURISDICTION, "type")
    source = top.text("source")
    if not source.startswith(("https://", "http://")):
        # The page links to it: a javascript: address would run in the admin's browser.
        raise top.fail(BAD_SOURCE, "source")

    obligations: list[ObligationRule] = []
    first_line: dict[str, int | None] = {}
    for table in _obligation_tables(top):
        table.reject_unknown(OBLIGATION_FIELDS)
        key = table.identifier("key", "the key")
        if key in first_line:
            raise table.fail(DUPLICATE_KEY, "key", first=first_line[key])
        first_line[key] = lines.of("key", table.block)
        obligations.append(_parse_obligation(table, code_id, key))
    return EthicsCode(
        id=code_id,
        title=top.text("title"),
        short_title=top.text("short_title"),
        type=code_type,
        jurisdiction=jurisdiction,
        source=source,
        version=top.text("version"),
        obligations=tuple(obligations),
        file=filename,
        shipped=shipped,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise EthicsFileError(path.name, None, NOT_UTF8) from None


def load_codes(*extra_dirs: Path, shipped_dir: Path = SHIPPED_DIR) -> dict[str, EthicsCode]:
    """The shipped codes and laws plus every *.toml in `extra_dirs`, by id in id order.

    An id may be defined once: a clinic's file that reused a shipped id would silently
    replace that code's obligations for every clinic that chose it."""
    found: dict[str, EthicsCode] = {}
    folders = [(shipped_dir, True), *((Path(d), False) for d in extra_dirs)]
    for folder, shipped in folders:
        if not folder.is_dir():
            raise EthicsFileError(str(folder), None, NO_FOLDER)
        for path in sorted(folder.glob("*.toml")):
            text = _read(path)
            code = parse_code(text, path.name, shipped=shipped)
            if code.id in found:
                earlier = found[code.id]
                where = "shipped with Reattune" if earlier.shipped else "in another folder"
                other = f"{earlier.file} ({where})"
                raise EthicsFileError(
                    path.name,
                    _Lines(text).of("id"),
                    DUPLICATE_ID.format(code_id=code.id, other=other),
                )
            found[code.id] = code
    return dict(sorted(found.items()))
