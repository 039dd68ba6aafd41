"""Checks shared by forms: dates a person could really mean, and text without invisible or
control characters. Messages are for clinicians; the tests reuse them."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST = dt.date(1900, 1, 1)
DATE_IN_FUTURE = "That date is in the future. Please check it."
DATE_TOO_FAR = "Please give a date between {earliest} and {latest}."
INVISIBLE_TEXT = "Please use ordinary letters, numbers and punctuation (no hidden characters)."


def past_date(value: dt.date | None) -> dt.date | None:
    """A date that has already happened, such as a date of birth."""
    if value is None:
        return None
    if value > timezone.localdate():
        raise ValidationError(DATE_IN_FUTURE)
    if value < EARLIEST:
        raise ValidationError(DATE_TOO_FAR.format(earliest=EARLIEST, latest=timezone.localdate()))
    return value


def working_date(value: dt.date | None, *, years_ahead: int = 2) -> dt.date | None:
    """A date in the life of a clinic: not before 1990, not more than a couple of years ahead."""
    if value is None:
        return None
    today = timezone.localdate()
    earliest = dt.date(1990, 1, 1)
    latest = today.replace(year=today.year + years_ahead)
    if not earliest <= value <= latest:
        raise ValidationError(DATE_TOO_FAR.format(earliest=earliest, latest=latest))
    return value


def visible_text(value: str) -> str:
    """Refuse control characters and invisible formatting characters in a one-line name or
    code; they show as blanks in every list and make two records look the same."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValidationError(INVISIBLE_TEXT)
    if value and not value.strip():
        raise ValidationError(INVISIBLE_TEXT)
    return value.strip()


def without_nul(value: str) -> str:
    """Free text may hold newlines and tabs but never NUL, which PostgreSQL cannot store."""
    return "".join(
        ch for ch in value if ch == "\n" or ch == "\t" or unicodedata.category(ch) != "Cc"
    )


def whole_number(raw: str | None) -> int | None:
    """An id from a query string or a hidden field: ASCII digits short enough for a database
    key, else None. `str.isdigit()` alone lets through "²" (which int() refuses, a 500) and
    other scripts' digits such as "٣" (which int() reads as 3)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None
