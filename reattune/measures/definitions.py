"""Measure definitions: one TOML file per measure, parsed, validated and scored here.

Plain Python with no Django import, so the web app, the command line and the detection core
share it. A file with an error stops start-up with the file's name and the field at fault.
"""

from __future__ import annotations

import builtins
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SHIPPED_DIR = Path(__file__).resolve().parent / "definitions"

ItemType = Literal["choice", "scale", "yes_no", "text"]
ITEM_TYPES: tuple[str, ...] = ("choice", "scale", "yes_no", "text")
DIRECTIONS = ("higher_is_worse", "higher_is_better")
KINDS = ("outcome", "alliance")
ALERT_KINDS = ("safety", "rupture")
MAX_TEXT_LENGTH = 1000
# Ids appear in URLs and in MeasureSchedule.measure_id (max_length=40).
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
# A scale is shown as one button per point; 0 to 100 is the widest in routine use.
MAX_SCALE_SPAN = 100


class DefinitionError(Exception):
    """A measure file cannot be used. The message names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        super().__init__(f"{source}: {where}: {problem}")


class AnswerError(Exception):
    """A submitted answer is missing or out of range. Keyed by item id for the form."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class ItemAlert:
    """An answer that raises an alert by itself: a safety item above a value, or a yes to the
    'did anything feel off' question."""

    kind: str
    above: int | None = None
    equals: str | None = None

    def fires(self, answer: Any) -> bool:
        if answer is None:
            return False
        if self.above is not None:
            return isinstance(answer, int) and answer > self.above
        return str(answer) == self.equals


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    type: ItemType
    required: bool
    scored: bool
    options: tuple[Option, ...] = ()
    minimum: int = 0
    maximum: int = 0
    min_label: str = ""
    max_label: str = ""
    max_length: int = MAX_TEXT_LENGTH
    alert: ItemAlert | None = None

    @property
    def values(self) -> tuple[int, ...]:
        if self.type == "choice":
            return tuple(o.value for o in self.options)
        if self.type == "scale":
            return tuple(range(self.minimum, self.maximum + 1))
        return ()

    @property
    def is_safety(self) -> bool:
        return self.alert is not None and self.alert.kind == "safety"


@dataclass(frozen=True)
class Threshold:
    value: float
    source: str


@dataclass(frozen=True)
class Subscale:
    id: str
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class MeasureDefinition:
    id: str
    title: str
    short_title: str
    version: str
    kind: str
    licence: str
    attribution: str
    instructions: str
    direction: str
    items: tuple[Item, ...]
    reverse_items: frozenset[str]
    subscales: tuple[Subscale, ...]
    cutoff: Threshold | None
    reliable_change: Threshold | None
    source_file: str = ""
    url: str = ""
    notes: str = ""
    shipped: bool = field(default=False, compare=False)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    @property
    def min_total(self) -> int:
        return sum(min(i.values) for i in self.scored_items)

    @property
    def max_total(self) -> int:
        return sum(max(i.values) for i in self.scored_items)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def in_clinical_range(self, total: float) -> bool | None:
        if self.cutoff is None:
            return None
        if self.higher_is_better:
            return total < self.cutoff.value
        return total >= self.cutoff.value

    def clean_answers(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Turn raw form values (strings) into typed answers, or raise AnswerError naming
        every item that is missing or out of range. Unknown keys are ignored."""
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for item in self.items:
            value = raw.get(item.id)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                if item.required:
                    errors[item.id] = "Please answer this question."
                continue
            try:
                answers[item.id] = _clean_one(item, value)
            except ValueError as e:
                errors[item.id] = str(e)
        if errors:
            raise AnswerError(errors)
        return answers

    def score(self, answers: Mapping[str, Any]) -> Score:
        """Sum the scored items, reversing those listed as reverse items; subscales likewise.
        Expects answers from clean_answers()."""

        def value_of(item: Item) -> int:
            raw = int(answers[item.id])
            if item.id in self.reverse_items:
                return max(item.values) + min(item.values) - raw
            return raw

        by_id = {i.id: i for i in self.scored_items}
        answered = [i for i in self.scored_items if i.id in answers]
        total = sum(value_of(i) for i in answered)
        subscales = {
            s.id: sum(value_of(by_id[i]) for i in s.items if i in answers) for s in self.subscales
        }
        return Score(total=total, subscales=subscales, items_answered=len(answered))

    def alerts_raised(self, answers: Mapping[str, Any]) -> list[tuple[Item, ItemAlert]]:
        return [
            (item, item.alert)
            for item in self.items
            if item.alert is not None and item.alert.fires(answers.get(item.id))
        ]


@dataclass(frozen=True)
class Score:
    total: int
    subscales: dict[str, int]
    items_answered: int


def _clean_one(item: Item, value: Any) -> Any:
    if item.type in ("choice", "scale"):
        # int() would quietly turn True into 1 and 2.7 into 2.
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("Please choose one of the answers given.")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("Please choose one of the answers given.") from None
        if number not in item.values:
            raise ValueError(
                f"Please choose a value from {min(item.values)} to {max(item.values)}."
            )
        return number
    if item.type == "yes_no":
        lowered = str(value).lower()
        if lowered not in ("yes", "no"):
            raise ValueError("Please answer yes or no.")
        return lowered
    # Control characters (NUL above all, which PostgreSQL cannot store) are dropped; newlines
    # and tabs are the client's own layout and stay.
    text = "".join(ch for ch in str(value) if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    if len(text) > item.max_length:
        raise ValueError(
            f"Please keep this to {item.max_length} characters or fewer (it is {len(text)} now)."
        )
    return text


# --- Parsing -------------------------------------------------------------------------------


class _Reader:
    """Reads fields from one TOML table, raising DefinitionError with the path to the field."""

    def __init__(self, source: str, data: Mapping[str, Any], where: str = "") -> None:
        self.source = source
        self.data = data
        self.where = where

    def _path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, problem: str) -> DefinitionError:
        return DefinitionError(self.source, self._path(key), problem)

    def str(self, key: str, default: str | None = None, *, choices: Iterable[str] = ()) -> str:
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(key, "must be a non-empty text value")
        allowed = tuple(choices)
        if allowed and value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    # The methods below are named after the types they read, so their own annotations spell the
    # types builtins.str and so on: inside the class body `str` now means the method above.
    def int(self, key: builtins.str, default: builtins.int | None = None) -> builtins.int:
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        return value

    def number(self, key: builtins.str) -> float:
        if key not in self.data:
            raise self.fail(key, "is required")
        value = self.data[key]
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise self.fail(key, f"must be a number, not {value!r}")
        return float(value)

    def bool(self, key: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def str_list(self, key: builtins.str) -> list[builtins.str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of text values")
        return value

    def tables(self, key: builtins.str, *, required: builtins.bool = False) -> list[_Reader]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be a list of tables ([[...]] in TOML)")
        return [_Reader(self.source, v, f"{self._path(key)}[{n}]") for n, v in enumerate(value)]

    def table(self, key: builtins.str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return _Reader(self.source, value, self._path(key))


def _parse_options(reader: _Reader, key: str) -> tuple[Option, ...]:
    options = tuple(Option(value=o.int("value"), label=o.str("label")) for o in reader.tables(key))
    if len(options) < 2:
        raise reader.fail(key, "needs at least two response options")
    if len({o.value for o in options}) != len(options):
        raise reader.fail(key, "has two options with the same value")
    return options


def _parse_item(r: _Reader, response_sets: Mapping[str, tuple[Option, ...]]) -> Item:
    item_type = r.str("type", choices=ITEM_TYPES)
    options: tuple[Option, ...] = ()
    minimum = maximum = 0
    if item_type == "choice":
        set_name = r.data.get("options")
        if isinstance(set_name, str):
            if set_name not in response_sets:
                raise r.fail("options", f"names an unknown response set {set_name!r}")
            options = response_sets[set_name]
        else:
            options = _parse_options(r, "options")
    elif item_type == "scale":
        minimum, maximum = r.int("min"), r.int("max")
        if maximum <= minimum:
            raise r.fail("max", "must be greater than min")
        if maximum - minimum > MAX_SCALE_SPAN:
            raise r.fail("max", f"may be at most {MAX_SCALE_SPAN} more than min")
    alert = None
    if (alert_table := r.table("alert")) is not None:
        kind = alert_table.str("kind", choices=ALERT_KINDS)
        if "above" in alert_table.data:
            alert = ItemAlert(kind=kind, above=alert_table.int("above"))
        elif "equals" in alert_table.data:
            alert = ItemAlert(kind=kind, equals=alert_table.str("equals"))
        else:
            raise alert_table.fail("above", "is required (or give equals)")
    if r.int("max_length", MAX_TEXT_LENGTH) < 1:
        raise r.fail("max_length", "must be at least 1")
    scorable = item_type in ("choice", "scale")
    scored = r.bool("scored", scorable)
    if scored and not scorable:
        raise r.fail("scored", f"cannot be true for a {item_type} item")
    return Item(
        id=r.str("id"),
        text=r.str("text"),
        type=item_type,  # type: ignore[arg-type]
        required=r.bool("required", True),
        scored=scored,
        options=options,
        minimum=minimum,
        maximum=maximum,
        min_label=r.str("min_label", ""),
        max_label=r.str("max_label", ""),
        max_length=r.int("max_length", MAX_TEXT_LENGTH),
        alert=alert,
    )


def _parse_threshold(r: _Reader, key: str) -> Threshold | None:
    table = r.table(key)
    if table is None:
        return None
    return Threshold(value=table.number("value"), source=table.str("source"))


def parse_definition(text: str, source: str, *, shipped: bool = False) -> MeasureDefinition:
    """Parse one measure file's text. `source` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DefinitionError(source, "file", f"is not valid TOML ({e})") from None
    r = _Reader(source, data)
    response_sets = {}
    if (sets := r.table("response_sets")) is not None:
        for name in sets.data:
            response_sets[name] = _parse_options(sets, name)
    items = tuple(_parse_item(t, response_sets) for t in r.tables("items", required=True))
    for n, item in enumerate(items):
        if any(earlier.id == item.id for earlier in items[:n]):
            raise r.fail(f"items[{n}].id", f"repeats {item.id!r}, the id of an earlier item")
    scored_ids = {i.id for i in items if i.scored}
    if not scored_ids:
        raise r.fail("items", "needs at least one scored item")

    scoring = r.table("scoring") or _Reader(source, {}, "scoring")
    method = scoring.str("method", "sum", choices=("sum",))
    del method  # only summing is defined; the field exists so files say so explicitly
    reverse = frozenset(scoring.str_list("reverse_items"))
    if unknown := reverse - scored_ids:
        raise scoring.fail("reverse_items", f"names items that are not scored: {sorted(unknown)}")
    subscales = []
    for s in scoring.tables("subscales"):
        members = tuple(s.str_list("items"))
        if strays := set(members) - scored_ids:
            raise s.fail("items", f"names items that are not scored: {sorted(strays)}")
        subscales.append(Subscale(id=s.str("id"), title=s.str("title"), items=members))

    measure_id = r.str("id")
    if not ID_PATTERN.fullmatch(measure_id):
        raise r.fail(
            "id",
            "must start with a lower-case letter a-z, then only a-z, digits 0-9 and "
            "underscores, at most 40 characters",
        )
    return MeasureDefinition(
        id=measure_id,
        title=r.str("title"),
        short_title=r.str("short_title", r.str("title")),
        version=r.str("version"),
        kind=r.str("kind", choices=KINDS),
        licence=r.str("licence"),
        attribution=r.str("attribution"),
        instructions=r.str("instructions", ""),
        direction=r.str("direction", choices=DIRECTIONS),
        items=items,
        reverse_items=reverse,
        subscales=tuple(subscales),
        cutoff=_parse_threshold(r, "clinical_cutoff"),
        reliable_change=_parse_threshold(r, "reliable_change"),
        source_file=source,
        url=r.str("url", ""),
        notes=r.str("notes", ""),
        shipped=shipped,
    )


def load_definitions(
    *folders: Path, shipped_dir: Path = SHIPPED_DIR
) -> dict[str, MeasureDefinition]:
    """Load the shipped definitions and every *.toml in the given folders. A clinic's own file
    may not reuse a shipped id: that would silently change a measure under existing scores."""
    found: dict[str, MeasureDefinition] = {}
    sources = [(shipped_dir, True)] + [(Path(f), False) for f in folders]
    for folder, shipped in sources:
        if not folder.is_dir():
            raise DefinitionError(str(folder), "folder", "does not exist or is not a folder")
        for path in sorted(folder.glob("*.toml")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise DefinitionError(
                    path.name, "file", f"cannot be read as UTF-8 text ({e})"
                ) from None
            definition = parse_definition(text, path.name, shipped=shipped)
            if definition.id in found:
                earlier = found[definition.id]
                by = "a file shipped with Reattune" if earlier.shipped else "another file"
                raise DefinitionError(
                    path.name,
                    "id",
                    f"{definition.id!r} is already defined by {by}, "
                    f"{earlier.source_file}; choose another id",
                )
            found[definition.id] = definition
    return found
