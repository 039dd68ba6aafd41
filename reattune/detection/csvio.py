"""Measurements in and signals out as CSV, for `reattune detect` (docs/detection/command_line.md).

CSV as RFC 4180 describes it (quoted fields may hold commas, quotes and line breaks), UTF-8.
Reading is vectorised: polars reads every column as text and casts it with strict=False, and the
rows a cast could not read are the bad ones; the items are checked with list.min, list.max and
list.sum against each measure's definition, scored as `MeasureDefinition.score` scores them.
Python loops only ever run over the (at most ten) rows being reported. A file that fails any
check raises `DetectInputError` naming each line and its problem, and nothing is returned.
numpy is imported only where a file has problems or a measure's items have uneven ranges of
values: a good file is read without it, which saves its start-up time.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import polars as pl

from reattune.detection.frame import (
    ATTENDED,
    MEASUREMENT_SCHEMA,
    SERIES_KEY,
    SIGNAL_COLUMNS,
)
from reattune.measures.definitions import Item, MeasureDefinition

if TYPE_CHECKING:
    import numpy as np

REQUIRED_COLUMNS = ("client_id", "session", "measure", "total")
# Read when present; any other column (therapist_id, date, notes, …) is ignored.
READ_COLUMNS = (*REQUIRED_COLUMNS, "participant_id", "items", "attendance", "felt_off")
ATTENDANCE = ("attended", "cancelled", "no_show")
MAX_PROBLEMS = 10

# Problem messages, as `INPUT.csv, line N: <message>`; the tests reuse these templates.
NOT_FOUND = "no such file"
NOT_UTF8 = "is not UTF-8 text ({error})"
NOT_CSV = "cannot be read as CSV ({error})"
NO_HEADER = (
    "the file is empty; the first line must be a header naming client_id, session, measure "
    "and total"
)
MISSING_COLUMNS = "the header has no {names} column; it needs client_id, session, measure and total"
RESERVED_COLUMN = (
    "the header names a column {name}, a name Reattune uses while reading: rename or remove it"
)
REPEATED_COLUMN = "the header names the column {name} more than once"
TOO_MANY_FIELDS = "this row has {found} fields but the header has {expected}"
EMPTY = "{column} is empty"
SESSION_NOT_WHOLE = "session {value!r} is not a whole number"
SESSION_BEFORE_INTAKE = "session {value} is before the intake (session 1)"
UNKNOWN_MEASURE = "unknown measure {value!r} (known measures: {known})"
BAD_ATTENDANCE = "attendance {value!r} is not one of attended, cancelled, no_show"
BAD_FELT_OFF = "felt_off {value!r} is not yes or no"
TOTAL_NOT_NUMBER = "total {value!r} is not a number"
TOTAL_MISSING = (
    "total is empty, but only a missed session (attendance cancelled or no_show) may leave it empty"
)
TOTAL_OUT_OF_RANGE = "total {value} is out of range for {measure} ({low}–{high})"
ITEMS_NOT_WHOLE = "items {value!r} are not whole numbers separated by spaces"
ITEM_COUNT = "items has {found} scores but {measure} has {expected} scored items"
ITEM_NOT_ALLOWED = "item {position} ({item}) of {measure} is {value}, but must be {allowed}"
ITEMS_DO_NOT_ADD_UP = "items add up to {scored} but total is {total}"
REVERSED_NOTE = " (scoring {items} in reverse, as {measure} does)"
DUPLICATE_ROW = "duplicate row: {what} was already given on line {first}"
UNEXPLAINED = "this row could not be read"
MORE_PROBLEMS = "and {count:,} more {rows} with problems, not shown; fix these first"
# A value quoted in a message is cut to this many characters and "…": a 5 MB field is not
# worth echoing whole on a page or in a stored import job.
QUOTE_LENGTH = 40
# A total that is written as a number but is too large for a float (999…9, 1e999) reads as
# infinite: it is out of range, not "not a number".
_WRITTEN_AS_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def render(self, source: str) -> str:
        if self.line is None:
            return f"{source}: {self.message}"
        return f"{source}, line {self.line}: {self.message}"


class DetectInputError(Exception):
    """The input cannot be used. `str()` gives one line per problem, naming the file and line."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render(source) for p in self.problems))


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    del message


# --- Reading ------------------------------------------------------------------------------------


def read_measurements(
    path: Path | str,
    definitions: Mapping[str, MeasureDefinition],
    *,
    progress: Progress = _quiet,
) -> pl.DataFrame:
    """The measurements in the CSV at `path`, in MEASUREMENT_SCHEMA and sorted by series and
    session; raises DetectInputError naming the first problems (up to ten, by line)."""
    source = str(path)
    progress(f"reading {source}…")
    raw = _read_text(Path(path), source)
    progress(f"validating {raw.height:,} rows…")
    return _Validator(raw, definitions, source).measurements()


def _read_text(path: Path, source: str) -> pl.DataFrame:
    """Every column as text, with the raw row number in `_row` (blank lines dropped)."""
    if not path.is_file():
        raise DetectInputError(source, [Problem(None, NOT_FOUND)])
    try:
        raw = pl.read_csv(path, infer_schema=False, glob=False, row_index_name="_row")
    except pl.exceptions.NoDataError:
        raise DetectInputError(source, [Problem(1, NO_HEADER)]) from None
    except pl.exceptions.DuplicateError:
        # The only clash polars reports before the header is checked: our own row number.
        raise DetectInputError(source, [Problem(1, RESERVED_COLUMN.format(name="_row"))]) from None
    except pl.exceptions.ComputeError as e:
        raise DetectInputError(source, [_unreadable(path, e)]) from None
    blank = pl.all_horizontal(pl.exclude("_row").is_null())
    if raw.select(blank.any()).item():
        raw = raw.filter(~blank)
    return raw


def _unreadable(path: Path, error: Exception) -> Problem:
    """Where and why polars could not read the file: found again with slower, plainer tools,
    which is fine on this path only."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return Problem(data.count(b"\n", 0, e.start) + 1, NOT_UTF8.format(error=e.reason))
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        expected = len(next(reader, []))
        for record in reader:
            if len(record) > expected:
                message = TOO_MANY_FIELDS.format(found=len(record), expected=expected)
                return Problem(reader.line_num, message)
    return Problem(None, NOT_CSV.format(error=str(error).splitlines()[0]))


def _text_columns(
    raw: pl.DataFrame, lower_case: Mapping[str, Sequence[str]], as_they_are: set[str]
) -> pl.DataFrame:
    """The columns read, trimmed of surrounding spaces, null where nothing is left, and
    lower-cased where `lower_case` lists a column's values and some are not already one of
    them. All three are rarely needed, so first asked about in cheap passes, and none is
    needed in the columns `as_they_are` (`_read_as_they_are`)."""
    text = raw.select(
        pl.col("_row").cast(pl.Int64),
        *(
            pl.col(c)
            if c in as_they_are
            else pl.col(c).str.strip_chars()
            if c in raw.columns
            else pl.lit(None, pl.String).alias(c)
            for c in READ_COLUMNS
        ),
    )
    others = [c for c in READ_COLUMNS if c not in as_they_are]
    empty = [(pl.col(c) == "").any().alias(c) for c in others]
    cased = [
        (~pl.col(c).is_in(list(v))).any().alias(f"{c}.")
        for c, v in lower_case.items()
        if c in others
    ]
    needs = text.select(*empty, *cased).row(0, named=True)
    fixes = []
    for column in others:
        fixed = pl.col(column)
        if needs[column]:
            fixed = pl.when(fixed != "").then(fixed)
        if needs.get(f"{column}."):
            fixed = fixed.str.to_lowercase()
        if needs[column] or needs.get(f"{column}."):
            fixes.append(fixed.alias(column))
    return text.with_columns(fixes) if fixes else text


def _read_as_they_are(raw: pl.DataFrame, lower_case: Mapping[str, Sequence[str]]) -> set[str]:
    """The columns of `raw` whose every value is one that `lower_case` lists, or a number:
    such a value has no spaces around it (polars reads no number with them) and is not empty,
    so trimming it would change nothing."""
    reads = {c: pl.col(c).is_in(list(v)) for c, v in lower_case.items()}
    reads["session"] = pl.col("session").cast(pl.Int32, strict=False).is_not_null()
    reads["total"] = pl.col("total").cast(pl.Float64, strict=False).is_not_null()
    checks = [
        (e | pl.col(c).is_null()).all().alias(c) for c, e in reads.items() if c in raw.columns
    ]
    found = raw.select(checks).row(0, named=True)
    return {column for column, every in found.items() if every}


class _Validator:
    """Builds the measurements frame from the raw text, or raises naming the rows at fault.

    Every check is a boolean mask over the rows; the first check a row fails names its problem.
    """

    def __init__(
        self, raw: pl.DataFrame, definitions: Mapping[str, MeasureDefinition], source: str
    ) -> None:
        self.raw = raw
        self.definitions = definitions
        self.source = source
        self._check_header()
        lower_case = {
            "measure": list(definitions),
            "attendance": ATTENDANCE,
            "felt_off": ("yes", "no"),
        }
        # In file order: parsing text in the order it lies in memory is several times faster
        # than after sorting it, and every check but the duplicate one is row by row.
        self.as_they_are = _read_as_they_are(self.raw, lower_case)
        self.text = _text_columns(self.raw, lower_case, self.as_they_are)
        self._breaks_before: pl.Series | None = None

    def _check_header(self) -> None:
        columns = [c for c in self.raw.columns if c != "_row"]
        stripped = [c.strip() for c in columns]
        for name in stripped:
            if stripped.count(name) > 1 or f"{name}_duplicated_0" in stripped:
                problem = Problem(1, REPEATED_COLUMN.format(name=shorten(name)))
                raise DetectInputError(self.source, [problem])
        if stripped != columns:
            self.raw = self.raw.rename(dict(zip(columns, stripped, strict=True)))
        if missing := [c for c in REQUIRED_COLUMNS if c not in stripped]:
            problem = Problem(1, MISSING_COLUMNS.format(names=" or ".join(missing)))
            raise DetectInputError(self.source, [problem])

    def measurements(self) -> pl.DataFrame:
        typed = self._typed()
        checks = self._checks(typed)
        ordered = _in_series_order(typed)
        repeats = self._duplicates(ordered)
        if repeats.any() or any(mask.any() for _, mask in checks):
            duplicate = _none(typed.height).scatter(ordered["_position"].filter(repeats), True)
            checks.append(("duplicate", duplicate))
            raise DetectInputError(self.source, self._problems(typed, checks))
        return ordered.select(list(MEASUREMENT_SCHEMA))

    def _typed(self) -> pl.DataFrame:
        """The text cast to MEASUREMENT_SCHEMA, null wherever a cast failed (the checks then
        tell a failed cast from an empty field), with `_row` for the line number."""
        text = pl.col("items")
        typed = self.text.select(
            "_row",
            "client_id",
            pl.col("participant_id").fill_null(""),
            pl.col("session").cast(pl.Int32, strict=False),
            "measure",
            pl.col("total").cast(pl.Float64, strict=False),
            _scores(text),
            pl.col("attendance").fill_null(ATTENDED),
            pl.col("felt_off") == "yes",
        )
        # Runs of spaces or tabs between the scores: read them as single spaces. Such a run
        # leaves an unreadable score behind, so only then is the text worth searching.
        if typed["items"].list.count_matches(None).sum() and (
            self.text.select(text.str.contains(r"\s\s|\t").any()).item()
        ):
            spaced = self.text.select(_scores(text.str.replace_all(r"\s+", " ")))
            typed = typed.with_columns(spaced.to_series())
        return typed

    def _checks(self, typed: pl.DataFrame) -> list[tuple[str, pl.Series]]:
        """A mask a check, over the rows of `self.text` and `typed` (the same order), in the
        order a row's problems are reported."""
        text = self.text
        low = _per_measure(self.definitions, lambda d: d.min_total)
        high = _per_measure(self.definitions, lambda d: d.max_total)
        session, total = typed["session"], typed["total"]
        masks = pl.DataFrame(
            {
                "client_empty": text["client_id"].is_null(),
                "session_empty": text["session"].is_null(),
                "session_not_whole": text["session"].is_not_null() & session.is_null(),
                "session_before_intake": session < 1,
                "measure_empty": text["measure"].is_null(),
                "measure_unknown": self._not_one_of("measure", list(self.definitions)),
                "attendance": self._not_one_of("attendance", ATTENDANCE),
                "felt_off": self._not_one_of("felt_off", ["yes", "no"]),
                "total_not_number": text["total"].is_not_null()
                & (total.is_null() | ~total.is_finite()),
                "total_missing": text["total"].is_null() & (typed["attendance"] == ATTENDED),
            }
        ).with_columns(
            total_range=typed.select((pl.col("total") < low) | (pl.col("total") > high)).to_series()
        )
        checks = [(name, _mask(masks[name])) for name in masks.columns]
        return checks + self._item_checks(typed)

    def _not_one_of(self, column: str, values: Sequence[str]) -> pl.Series:
        """Rows whose `column` is not one of `values`: none if every value read as it is."""
        if column in self.as_they_are:
            return _none(self.text.height)
        return ~self.text[column].is_in(list(values))

    def _item_checks(self, typed: pl.DataFrame) -> list[tuple[str, pl.Series]]:
        """Each row's item scores against its measure's definition: one score a scored item,
        each one of its item's values, adding up to the total as `MeasureDefinition.score`
        adds them (a reverse item counts as its highest plus lowest value minus the answer).
        One pass over the list column with list.min, list.max and list.sum; only measures whose
        items do not all share one unbroken range of values need the slower exact check."""
        items = pl.col("items")
        not_whole = _mask(typed["items"].list.count_matches(None) > 0)
        scales = {m: _ItemTable(d) for m, d in self.definitions.items()}
        measure_of = partial(_per_measure, self.definitions)
        low = measure_of(lambda d: scales[d.id].low)
        high = measure_of(lambda d: scales[d.id].low + scales[d.id].span - 1)
        masks = typed.select(
            wrong_count=items.list.len() != measure_of(lambda d: len(d.scored_items)),
            out_of_range=(items.list.min() < low) | (items.list.max() > high),
            mismatch=(items.list.sum() + _reverse_correction(scales)) != pl.col("total"),
            usable=items.is_not_null() & pl.col("measure").is_in(list(self.definitions)),
        )
        wrong_count = _mask(masks["wrong_count"]) & ~not_whole
        usable = _mask(masks["usable"]) & ~not_whole & ~wrong_count
        not_allowed = usable & _mask(masks["out_of_range"])
        if uneven := [m for m, table in scales.items() if not table.one_range]:
            rows_to_check = typed.select(
                pl.int_range(pl.len(), dtype=pl.Int64).alias("position"), "measure", "items"
            ).filter(pl.lit(usable) & pl.col("measure").is_in(uneven))
            for (measure_id,), group in rows_to_check.group_by("measure"):
                table = scales[str(measure_id)]
                scores = group["items"].list.to_array(table.width).to_numpy()
                fails = pl.Series(~table.allows(scores).all(axis=1))
                not_allowed = not_allowed.scatter(group["position"], fails)
        return [
            ("items_not_whole", not_whole),
            ("item_count", wrong_count),
            ("item_not_allowed", not_allowed),
            ("items_do_not_add_up", usable & ~not_allowed & _mask(masks["mismatch"])),
        ]

    def _duplicates(self, ordered: pl.DataFrame) -> pl.Series:
        """Rows of `ordered` (`_in_series_order`) repeating the series and session of the row
        before them: the position in the file breaks ties, so the later line is the repeat."""
        repeat = ordered.select(
            pl.all_horizontal(
                pl.col(c).eq_missing(pl.col(c).shift(1)) for c in [*SERIES_KEY, "session"]
            )
        )
        return _mask(repeat.to_series())

    # --- Reporting (at most MAX_PROBLEMS rows: plain Python is fine here) -----------------------

    def _problems(self, typed: pl.DataFrame, checks: list[tuple[str, pl.Series]]) -> list[Problem]:
        """The first rows at fault, in file order (the order of `typed`)."""
        bad = pl.DataFrame(dict(checks)).select(pl.any_horizontal(pl.all())).to_series()
        bad_positions = bad.arg_true()
        first = bad_positions.head(MAX_PROBLEMS)
        problems = []
        for position in first.to_list():
            name = next(name for name, mask in checks if mask[position])
            text = self.text.row(position, named=True)
            values = typed.row(position, named=True)
            message = self._describe(name, text, values, typed)
            problems.append(Problem(self._line(text["_row"]), message))
        if (more := bad_positions.len() - first.len()) > 0:
            rows = "row" if more == 1 else "rows"
            problems.append(Problem(None, MORE_PROBLEMS.format(count=more, rows=rows)))
        return problems

    def _line(self, raw_row: int) -> int:
        """The line a row starts on: the header is line 1, and a quoted field with line breaks
        in it moves every later row down by as many lines. Dropped blank lines still count."""
        if self._breaks_before is None:
            breaks = pl.sum_horizontal(
                pl.exclude("_row").str.count_matches("\n", literal=True).fill_null(0)
            )
            before = breaks.cum_sum().shift(1, fill_value=0)
            self._breaks_before = self.raw.select(before).to_series()
        header_breaks = sum(c.count("\n") for c in self.raw.columns)
        position = int(self.raw["_row"].search_sorted(raw_row))
        return 2 + header_breaks + raw_row + int(self._breaks_before[position])

    def _describe(
        self, name: str, text: dict[str, Any], values: dict[str, Any], typed: pl.DataFrame
    ) -> str:
        quoted = {c: None if v is None else shorten(v) for c, v in text.items()}
        simple = {
            "client_empty": lambda: EMPTY.format(column="client_id"),
            "session_empty": lambda: EMPTY.format(column="session"),
            "session_not_whole": lambda: SESSION_NOT_WHOLE.format(value=quoted["session"]),
            "session_before_intake": lambda: SESSION_BEFORE_INTAKE.format(value=quoted["session"]),
            "measure_empty": lambda: EMPTY.format(column="measure"),
            "measure_unknown": lambda: UNKNOWN_MEASURE.format(
                value=quoted["measure"], known=", ".join(sorted(self.definitions))
            ),
            "attendance": lambda: BAD_ATTENDANCE.format(value=quoted["attendance"]),
            "felt_off": lambda: BAD_FELT_OFF.format(value=quoted["felt_off"]),
            "total_missing": lambda: TOTAL_MISSING,
            "items_not_whole": lambda: ITEMS_NOT_WHOLE.format(value=quoted["items"]),
            "duplicate": lambda: self._duplicate(values, typed),
        }
        if name in simple:
            return simple[name]()
        if name == "total_not_number" and not _WRITTEN_AS_NUMBER.fullmatch(text["total"]):
            return TOTAL_NOT_NUMBER.format(value=quoted["total"])
        definition = self.definitions[values["measure"]]
        if name in ("total_range", "total_not_number"):
            return TOTAL_OUT_OF_RANGE.format(
                value=quoted["total"],
                measure=definition.id,
                low=definition.min_total,
                high=definition.max_total,
            )
        return _describe_items(name, definition, values["items"], shorten(text["total"]))

    def _duplicate(self, values: dict[str, Any], typed: pl.DataFrame) -> str:
        key = [*SERIES_KEY, "session"]
        same = typed.filter(*(pl.col(c) == values[c] for c in key))
        first = self._line(int(same["_row"].min()))  # type: ignore[arg-type]
        who = f"client {shorten(values['client_id'])}"
        if values["participant_id"]:
            who += f", participant {shorten(values['participant_id'])}"
        what = f"{who}, {values['measure']}, session {values['session']}"
        return DUPLICATE_ROW.format(what=what, first=first)


def shorten(value: object, length: int = QUOTE_LENGTH) -> str:
    """`value` as text for a message: its first `length` characters and "…" when longer."""
    text = str(value)
    return text if len(text) <= length else text[:length] + "…"


def _describe_items(name: str, definition: MeasureDefinition, scores: list[int], total: str) -> str:
    scored_items = definition.scored_items
    if name == "item_count":
        return ITEM_COUNT.format(
            found=len(scores), measure=definition.id, expected=len(scored_items)
        )
    if name == "item_not_allowed":
        for position, (item, value) in enumerate(zip(scored_items, scores, strict=True)):
            if value not in item.values:
                return ITEM_NOT_ALLOWED.format(
                    position=position + 1,
                    item=item.id,
                    measure=definition.id,
                    value=value,
                    allowed=_allowed(item),
                )
    if name == "items_do_not_add_up":
        answers = {item.id: v for item, v in zip(scored_items, scores, strict=True)}
        message = ITEMS_DO_NOT_ADD_UP.format(scored=definition.score(answers).total, total=total)
        if definition.reverse_items:
            reversed_ids = [i.id for i in scored_items if i.id in definition.reverse_items]
            message += REVERSED_NOTE.format(items=", ".join(reversed_ids), measure=definition.id)
        return message
    return UNEXPLAINED


def _mask(series: pl.Series) -> pl.Series:
    return series.fill_null(False)


def _none(n: int) -> pl.Series:
    """A mask of `n` rows, none set."""
    return pl.repeat(False, n, eager=True)


def _scores(text: pl.Expr) -> pl.Expr:
    """Item scores as written: whole numbers separated by single spaces."""
    return text.str.split(" ").cast(pl.List(pl.Int16), strict=False).alias("items")


def _per_measure(
    definitions: Mapping[str, MeasureDefinition],
    value: Callable[[MeasureDefinition], int | None],
) -> pl.Expr:
    return _by_measure({m: value(d) for m, d in definitions.items()})


def _by_measure(mapping: Mapping[str, int | None]) -> pl.Expr:
    """Each row's measure's number in `mapping` (null for a measure it lacks). A comparison
    for each measure: for the few there are, twice as fast as a lookup by hash."""
    each = [pl.when(pl.col("measure") == m).then(pl.lit(v, pl.Int64)) for m, v in mapping.items()]
    return pl.coalesce(each) if each else pl.lit(None, pl.Int64)


def _allowed(item: Item) -> str:
    values = sorted(item.values)
    if values == list(range(values[0], values[-1] + 1)):
        return f"from {values[0]} to {values[-1]}"
    return "one of " + ", ".join(map(str, values))


class _ItemTable:
    """One measure's scored items as arrays: which values each allows, and how each scores."""

    def __init__(self, definition: MeasureDefinition) -> None:
        scored = definition.scored_items
        every_value = [v for item in scored for v in item.values]
        self.width = len(scored)
        self.low = min(every_value)
        self.span = max(every_value) - self.low + 1
        self.values = [sorted(set(item.values)) for item in scored]
        # Every item allows every value from the lowest to the highest of them all.
        self.one_range = all(len(values) == self.span for values in self.values)
        self.flip = {
            position: max(item.values) + min(item.values)
            for position, item in enumerate(scored)
            if item.id in definition.reverse_items
        }

    def allows(self, scores: np.ndarray) -> np.ndarray:
        """Rows by items: is each score one of its item's values?"""
        import numpy as np  # only measures with uneven items need it: see the module docstring

        table = np.zeros((self.width, self.span), dtype=bool)
        for position, values in enumerate(self.values):
            table[position, [v - self.low for v in values]] = True
        offset = scores.astype(np.int32) - self.low
        positions = np.arange(scores.shape[1])[np.newaxis, :]
        listed = table[positions, np.clip(offset, 0, self.span - 1)]
        allowed: np.ndarray = (offset >= 0) & (offset < self.span) & listed
        return allowed


def _reverse_correction(tables: Mapping[str, _ItemTable]) -> pl.Expr:
    """What to add to a plain sum of the items to score reverse items reversed: for each,
    (highest + lowest − answer) − answer."""
    correction = pl.lit(0, dtype=pl.Int64)
    for position in sorted({p for table in tables.values() for p in table.flip}):
        flip = _by_measure({m: table.flip.get(position) for m, table in tables.items()})
        answer = pl.col("items").list.get(position, null_on_oob=True).cast(pl.Int64)
        correction += pl.when(flip.is_not_null()).then(flip - 2 * answer).otherwise(0)
    return correction


def _in_series_order(typed: pl.DataFrame) -> pl.DataFrame:
    """`typed` sorted by series and session, as the engine wants it, with each row's position
    in `typed` in `_position` (in place of `_row`: the same order, and one column less to
    move). A repeated row sits just after the one it repeats."""
    return (
        typed.drop("_row")
        .with_row_index("_position")
        .sort("client_id", "participant_id", "measure", "session", "_position")
    )


# --- Writing ------------------------------------------------------------------------------------


def write_signals(signals: pl.DataFrame, destination: Path | None, stdout: TextIO) -> None:
    """Signals as CSV (SIGNAL_COLUMNS: the six the spec promises first). To a file, written
    beside it and renamed into place, so a failure never leaves half a file; to `stdout`,
    built whole first for the same reason."""
    table = signals.select(SIGNAL_COLUMNS)
    if destination is None:
        stdout.write(table.write_csv())
        stdout.flush()
        return
    _write_atomically(destination, table.write_csv)


def write_measurements(frame: pl.DataFrame, destination: Path) -> None:
    """A measurements frame in the input format `read_measurements` reads."""
    table = frame.select(
        "client_id",
        "participant_id",
        "session",
        "measure",
        pl.col("total").cast(pl.String),
        pl.col("items").cast(pl.List(pl.String)).list.join(" "),
        "attendance",
        pl.col("felt_off").replace_strict({True: "yes", False: "no"}, return_dtype=pl.String),
    )
    _write_atomically(destination, table.write_csv)


def _write_atomically(destination: Path, write: Callable[[str], object]) -> None:
    folder = destination.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        write(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


__all__ = [
    "DetectInputError",
    "Problem",
    "read_measurements",
    "write_measurements",
    "write_signals",
]
