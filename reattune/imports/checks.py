"""The import's own checks on a file that detection can already read, each naming its line.

`reattune detect` accepts some things the web app cannot store: a total of 12.5 (a stored total
is a whole number), a missed session with a total (answers are kept only for sessions that took
place), one session cancelled for one measure and attended for another (a session has one
attendance). These are refused here, with the line, before anything is written. Checks against
what the clinic holds already (a session that has that measure) are in `plan.py`.

Every check is a polars filter over the rows with its message formatted in polars, so a file
with every row wrong costs no Python loop; `problems` keeps each line's first problem and the
first ten lines, as `reattune detect` does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import polars as pl
from django.core.exceptions import ValidationError

from reattune.detection.csvio import MAX_PROBLEMS, MORE_PROBLEMS, QUOTE_LENGTH, Problem
from reattune.detection.frame import ATTENDED
from reattune.lib.validation import visible_text

CODE_LENGTH = 40  # Client.code
LABEL_LENGTH = 60  # Participant.label
JOINT_SEPARATOR = "/"
# The columns that become codes and labels, checked as the client and case forms check them.
# What `visible_text` refuses: control and format characters, line and paragraph separators.
HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
CODE_COLUMNS = ("client_id", "participant_id", "client_code")

# Problem messages, as `FILE, line N: <message>`; the tests reuse these templates (polars
# `pl.format` fills each `{}` in order).
HIDDEN_CHARACTERS = (
    "{} has a control or invisible character (a line break, tab, NUL, or a direction mark "
    "such as U+202E); Reattune refuses these in codes, as its pages do"
)
TOTAL_NOT_WHOLE = "total {} is not a whole number; Reattune keeps whole totals"
MISSED_WITH_TOTAL = (
    "a {} session has a total, but Reattune keeps answers only for sessions that took place: "
    "leave total empty, or set attendance to attended"
)
CODE_TOO_LONG = "client code '{}' is longer than 40 characters, the most Reattune keeps"
LABEL_TOO_LONG = "participant_id '{}' is longer than 60 characters, the most Reattune keeps"
JOINT_AND_NOT = (
    "client {} has rows with participant_id and rows without it (line {}): a client_id is "
    "either one person's case or a joint case"
)
SAME_CODE = "client_id '{}' and '{}' (line {}) are one client in Reattune, where codes ignore case"
ATTENDANCE_DIFFERS = (
    "session {} of client {} is {} here but {} on line {}: a session has one attendance"
)
DATE_NOT_DATE = "date '{}' is not a date written as YYYY-MM-DD"
DATE_DIFFERS = "session {} of client {} is dated {} here but {} on line {}"
UNKNOWN_CLINICIAN = "no one in this clinic has the email '{}'"
CODE_DIFFERS = "client_code '{}' differs from '{}' given for the same person on line {}"
CODE_TWICE_IN_CASE = (
    "client_code '{}' is participant {} here but participant {} on line {} of the same case"
)


def client_code() -> pl.Expr:
    """The Reattune client code of each row's person: `client_code` where the file gives it
    (as Reattune's own export does), else the client_id, or in a joint case
    `<client_id>/<participant_id>` (participant ids such as p1 repeat across couples)."""
    client_id, participant_id = pl.col("client_id"), pl.col("participant_id")
    joint = client_id + pl.lit(JOINT_SEPARATOR) + participant_id
    derived = pl.when(participant_id == "").then(client_id).otherwise(joint)
    return pl.coalesce(pl.col("client_code"), derived)


def row_problems(rows: pl.DataFrame, clinician_emails: set[str]) -> list[pl.DataFrame]:
    """Each check's failing rows as (line, message) frames, in the order a row's problems are
    reported."""
    rows = rows.with_columns(
        _code=client_code(),
        _joint=pl.col("participant_id") != "",
        _lower=pl.col("client_id").str.to_lowercase(),
        _date=pl.col("date").str.strptime(pl.Date, "%Y-%m-%d", strict=False),
    )
    total = pl.col("total")
    found = [
        *_hidden_characters(rows),
        rows.filter(total.is_not_null() & (total != total.floor())).select(
            "line",
            pl.format(TOTAL_NOT_WHOLE, quoted(pl.col("total").cast(pl.String))).alias("message"),
        ),
        rows.filter((pl.col("attendance") != ATTENDED) & total.is_not_null()).select(
            "line", pl.format(MISSED_WITH_TOTAL, "attendance").alias("message")
        ),
        rows.filter(pl.col("_code").str.len_chars() > CODE_LENGTH).select(
            "line", pl.format(CODE_TOO_LONG, quoted("_code")).alias("message")
        ),
        rows.filter(pl.col("participant_id").str.len_chars() > LABEL_LENGTH).select(
            "line", pl.format(LABEL_TOO_LONG, quoted("participant_id")).alias("message")
        ),
        _differs(rows, ["client_id"], "_joint").select(
            "line", pl.format(JOINT_AND_NOT, quoted("client_id"), "_first").alias("message")
        ),
        _differs(rows, ["_lower"], "client_id").select(
            "line",
            pl.format(SAME_CODE, quoted("client_id"), quoted("_first_value"), "_first").alias(
                "message"
            ),
        ),
        _differs(rows, ["client_id", "session"], "attendance").select(
            "line",
            pl.format(
                ATTENDANCE_DIFFERS,
                "session",
                quoted("client_id"),
                "attendance",
                "_first_value",
                "_first",
            ).alias("message"),
        ),
        rows.filter(pl.col("date").is_not_null() & pl.col("_date").is_null()).select(
            "line", pl.format(DATE_NOT_DATE, quoted("date")).alias("message")
        ),
        _differs(rows, ["client_id", "session"], "_date").select(
            "line",
            pl.format(
                DATE_DIFFERS,
                "session",
                quoted("client_id"),
                pl.col("_date").cast(pl.String),
                pl.col("_first_value").cast(pl.String),
                "_first",
            ).alias("message"),
        ),
        _differs(rows, ["client_id", "participant_id"], "client_code").select(
            "line",
            pl.format(CODE_DIFFERS, quoted("client_code"), quoted("_first_value"), "_first").alias(
                "message"
            ),
        ),
        _differs(rows, ["client_id", "_code"], "participant_id").select(
            "line",
            pl.format(
                CODE_TWICE_IN_CASE,
                quoted("_code"),
                quoted("participant_id"),
                quoted("_first_value"),
                "_first",
            ).alias("message"),
        ),
        rows.filter(
            pl.col("clinician_email").is_not_null()
            & ~pl.col("clinician_email").is_in(sorted(clinician_emails))
        ).select("line", pl.format(UNKNOWN_CLINICIAN, quoted("clinician_email")).alias("message")),
    ]
    return found


def quoted(column: str | pl.Expr) -> pl.Expr:
    """A value for a message: its first QUOTE_LENGTH characters and "…" when longer, as
    `reattune.detection.csvio.shorten` quotes detection's values."""
    value = pl.col(column) if isinstance(column, str) else column
    cut = value.str.slice(0, QUOTE_LENGTH) + pl.lit("…")
    return pl.when(value.str.len_chars() > QUOTE_LENGTH).then(cut).otherwise(value)


def _hidden_characters(rows: pl.DataFrame) -> list[pl.DataFrame]:
    """Rows whose codes `visible_text` (the forms' check) refuses. Each distinct value is
    checked once: a file has far fewer codes than rows."""
    found = []
    for column in CODE_COLUMNS:
        values = rows[column].drop_nulls().unique().to_list()
        hidden = [value for value in values if not _visible(value)]
        if hidden:
            found.append(
                rows.filter(pl.col(column).is_in(hidden)).select(
                    "line", pl.lit(HIDDEN_CHARACTERS.format(column)).alias("message")
                )
            )
    return found


def _visible(value: str) -> bool:
    try:
        visible_text(value)
    except ValidationError:
        return False
    return True


def _differs(rows: pl.DataFrame, key: list[str], column: str) -> pl.DataFrame:
    """Rows whose `column` differs from the first row of their `key` that gives it (file
    order), with that row's line in `_first` and its value in `_first_value`."""
    given = rows.filter(pl.col(column).is_not_null())
    first = given.group_by(key, maintain_order=True).agg(
        pl.col("line").first().alias("_first"), pl.col(column).first().alias("_first_value")
    )
    return given.join(first, on=key, how="left").filter(pl.col(column) != pl.col("_first_value"))


def printable(shown: Sequence[Problem]) -> list[Problem]:
    """The problems with any control or invisible character in a message (a value echoed from
    the file) written as an escape such as \\x00, so that a message shows what is there and
    can be stored: PostgreSQL refuses NUL in text."""
    return [Problem(p.line, _escaped(p.message)) for p in shown]


def _escaped(message: str) -> str:
    if _visible(message):
        return message
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in HIDDEN_CATEGORIES
        else ch
        for ch in message
    )


def problems(found: Sequence[pl.DataFrame]) -> list[Problem]:
    """Each failing line's first problem, the first MAX_PROBLEMS lines in line order, and one
    more saying how many other rows have problems."""
    frames = [
        f.select(pl.col("line").cast(pl.Int64), pl.col("message").cast(pl.String)).with_columns(
            _check=pl.lit(n, pl.Int32)
        )
        for n, f in enumerate(found)
        if not f.is_empty()
    ]
    if not frames:
        return []
    every = (
        pl.concat(frames).sort("line", "_check").unique("line", keep="first", maintain_order=True)
    )
    shown = [Problem(line, message) for line, message, _ in every.head(MAX_PROBLEMS).iter_rows()]
    if (more := every.height - len(shown)) > 0:
        rows = "row" if more == 1 else "rows"
        shown.append(Problem(None, MORE_PROBLEMS.format(count=more, rows=rows)))
    return shown
