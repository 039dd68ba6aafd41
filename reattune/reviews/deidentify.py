"""The identifier check for a de-identified case review. Plain Python, no Django: given a
review's sections and the identifiers of its case, find every place an identifier still
appears, say where, and offer replacements.

What counts as an identifier (`identifiers_of`):
- for every client in the case: the code, the full name and each part of it of three letters
  or more, the date of birth written in the usual ways (2026-03-14, 14/03/2026, 03/14/2026,
  14 Mar 2026, 14th March 2026, March 14, 2026, 14/03/26 …), the email and its local part;
- the names of the clinicians involved (full name and parts of three letters or more, without
  titles such as "Dr"). The issue asks for client identifiers; a blame-free review names no
  one either, so a clinician's name is caught too, and reads "[clinician]" when redacted.

Matching is tolerant, because people retype codes and names however they like: case and
accents are ignored ("Tomas" finds "Tomás"), letters and digits may be split or joined by up
to three spaces or punctuation marks ("DEMO-007", "demo 007", "DEMO007", "Demo_7": leading
zeros are optional), and a hit must stand as a whole word ("Ash" is not found in "washing").
Name parts shorter than three letters are skipped, so initials and short words ("Al", "Jo")
never raise a false alarm; a client code is always checked, however short, since it is the
identifier itself.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CLIENT = "client"
CLINICIAN = "clinician"
REPLACEMENTS = {CLIENT: "[client]", CLINICIAN: "[clinician]"}
MIN_NAME_PART = 3
MAX_GAP = 3  # spaces or punctuation marks allowed between the pieces of one identifier
EXCERPT_WIDTH = 24  # characters of context either side of a hit
HONORIFICS = frozenset({"mrs", "miss", "prof", "professor", "rev", "sir", "dame", "mx"})
# The words the replacements are made of are never a name part, or redacted text would fail.
PLACEHOLDER_WORDS = frozenset({"client", "clinician"})


@dataclass(frozen=True)
class ClientFacts:
    code: str
    name: str = ""
    date_of_birth: dt.date | None = None
    email: str = ""


@dataclass(frozen=True)
class Identifier:
    """One string that must not appear: `what` says what it is ("client code"), `whose`
    whether it belongs to a client or a clinician (which replacement it gets)."""

    value: str
    what: str
    whose: str = CLIENT


@dataclass(frozen=True)
class Hit:
    section: str
    line: int  # from 1
    column: int  # from 1
    start: int  # offsets into the section's text
    end: int
    found: str
    identifier: Identifier
    excerpt: str

    def where(self) -> str:
        return f"{self.section}, line {self.line}: '{self.excerpt}'"


def _name_parts(name: str) -> list[str]:
    parts = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", name)
    return [
        p
        for p in parts
        if len(p) >= MIN_NAME_PART and _fold(p)[0] not in HONORIFICS | PLACEHOLDER_WORDS
    ]


def _dates(day: dt.date) -> list[str]:
    month, mon = day.strftime("%B"), day.strftime("%b")
    d, m, y, yy = day.day, day.month, day.year, day.year % 100
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return [
        f"{y}-{m:02d}-{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{m:02d}/{d:02d}/{y}",
        f"{d:02d}/{m:02d}/{yy:02d}",
        f"{m:02d}/{d:02d}/{yy:02d}",
        f"{d} {mon} {y}",
        f"{d} {month} {y}",
        f"{d}{suffix} {month} {y}",
        f"{d}{suffix} {mon} {y}",
        f"{month} {d}, {y}",
        f"{mon} {d}, {y}",
        f"{month} {d}{suffix}, {y}",
    ]


def identifiers_of(
    clients: Iterable[ClientFacts], clinician_names: Iterable[str] = ()
) -> list[Identifier]:
    """Every identifier of a case's clients and the clinicians involved (see the module)."""
    found: list[Identifier] = []
    for client in clients:
        found.append(Identifier(client.code, "client code"))
        if client.name.strip():
            found.append(Identifier(client.name, "client's name"))
            found += [Identifier(p, "client's name") for p in _name_parts(client.name)]
        if client.date_of_birth:
            found += [Identifier(d, "date of birth") for d in _dates(client.date_of_birth)]
        if client.email.strip():
            found.append(Identifier(client.email, "client's email"))
            local = client.email.split("@", 1)[0]
            if sum(ch.isalnum() for ch in local) >= MIN_NAME_PART:
                found.append(Identifier(local, "client's email"))
    for name in clinician_names:
        if name.strip():
            found.append(Identifier(name, "clinician's name", CLINICIAN))
            # "Dr Tomás Reyes" is also written "Tomás Reyes": one hit for the whole name.
            found.append(Identifier(" ".join(_name_parts(name)), "clinician's name", CLINICIAN))
            found += [Identifier(p, "clinician's name", CLINICIAN) for p in _name_parts(name)]
    unique: dict[str, Identifier] = {}
    for identifier in found:
        # The first description wins: a code that is also an email's local part is a code.
        if pattern := _pattern(identifier.value):
            unique.setdefault(pattern, identifier)
    return list(unique.values())


def _fold(text: str) -> tuple[str, list[int]]:
    """`text` without case or accents, and for each folded character the index of the
    original character it came from (so positions can be reported in the original)."""
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue
            for c in part.casefold():
                folded.append(c)
                origin.append(i)
    return "".join(folded), origin


def _piece(token: str) -> str:
    if token.isdigit():
        # "007" is also written "7"; a run of zeros stays at least one zero.
        return "0*" + (re.escape(token.lstrip("0")) or "0")
    return re.escape(token)


def _pattern(value: str) -> str:
    """A regular expression (over folded text) for `value` with its pieces (runs of letters,
    runs of digits) separated by up to MAX_GAP non-alphanumeric characters, as a whole word."""
    tokens = re.findall(r"[^\W\d_]+|\d+", _fold(value)[0])
    if not tokens:
        return ""
    gap = rf"[\W_]{{0,{MAX_GAP}}}"
    return r"(?<![^\W_])" + gap.join(_piece(t) for t in tokens) + r"(?![^\W_])"


def _excerpt(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    left = max(line_start, start - EXCERPT_WIDTH)
    right = min(line_end, end + EXCERPT_WIDTH)
    before = ("…" if left > line_start else "") + text[left:start]
    after = text[end:right] + ("…" if right < line_end else "")
    return f"{before}[{text[start:end]}]{after}".strip()


def _spans(text: str, identifiers: Iterable[Identifier]) -> list[tuple[int, int, Identifier]]:
    """Non-overlapping (start, end, identifier) in `text`, the longest match winning where
    two overlap (a full name over its parts)."""
    folded, origin = _fold(text)
    candidates = []
    for identifier in identifiers:
        pattern = _pattern(identifier.value)
        for m in re.finditer(pattern, folded) if pattern else ():
            if m.end() > m.start():
                start, end = origin[m.start()], origin[m.end() - 1] + 1
                candidates.append((start, end, identifier))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    chosen: list[tuple[int, int, Identifier]] = []
    for start, end, identifier in candidates:
        if not chosen or start >= chosen[-1][1]:
            chosen.append((start, end, identifier))
    return chosen


def find(sections: Mapping[str, str], identifiers: Iterable[Identifier]) -> list[Hit]:
    """Every identifier left in the sections (title → text), in order of section and place."""
    identifiers = list(identifiers)
    hits = []
    for section, text in sections.items():
        for start, end, identifier in _spans(text, identifiers):
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            excerpt = _excerpt(text, start, end)
            hits.append(
                Hit(section, line, column, start, end, text[start:end], identifier, excerpt)
            )
    return hits


def describe(hits: Iterable[Hit]) -> list[str]:
    """One line per hit, saying where it is: "What happened, line 2: 'Met with [DEMO-007] …'"."""
    return [hit.where() for hit in hits]


def redact(sections: Mapping[str, str], identifiers: Iterable[Identifier]) -> dict[str, str]:
    """The sections with every hit replaced by "[client]" or "[clinician]"."""
    identifiers = list(identifiers)
    redacted = {}
    for section, text in sections.items():
        for start, end, identifier in reversed(_spans(text, identifiers)):
            text = text[:start] + REPLACEMENTS[identifier.whose] + text[end:]
        redacted[section] = text
    return redacted
