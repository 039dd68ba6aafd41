"""A clinic's answers as CSV, in the long format that `reattune detect` and `reattune
import_scores` read (docs/detection/command_line.md), with the columns they pass over (date,
case, code, clinician, source…) after the ones they read.

Rows are made a few hundred cases at a time (keyset pages over the case ids), so a large
clinic is never held in memory: the web page streams them and the command writes them as they
come.

`client_id` is what the detection core calls a series: the client's code for a client's only
case, and `case-<id>` for a joint (couple, family, group) case or a client with several cases,
so that two cases never share a session number. In a joint case `participant_id` is the
client's code. `client_code` and `case_id` are always given.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from django.db.models import Count

from reattune.cases.models import Attendance, Case, Participant, TherapySession
from reattune.checks.models import Response
from reattune.clinics.models import Clinic
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.registry import all_definitions

COLUMNS = (
    "client_id",
    "participant_id",
    "session",
    "measure",
    "total",
    "items",
    "attendance",
    "felt_off",
    "date",
    "case_id",
    "case_kind",
    "client_code",
    "clinician_email",
    "measure_version",
    "source",
    "submitted_at",
)
RESPONSE_FIELDS = (
    "session__case_id",
    "session_id",
    "session__number",
    "session__date",
    "participant_id",
    "measure_id",
    "measure_version",
    "total",
    "answers",
    "source",
    "submitted_at",
)
CASES_PER_PAGE = 200
MISSED = (Attendance.CANCELLED, Attendance.NO_SHOW)
# The measure a missed session is written under, as the web app's detection does.
MISSED_MEASURE = "alliance"
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: str) -> str:
    """Text a person typed (a code, a label), quoted so that a spreadsheet shows it as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def clinic_rows(clinic: Clinic) -> Iterator[list[str]]:
    """The header, then one row per answered measure and per missed session, case by case."""
    yield list(COLUMNS)
    definitions = all_definitions()
    last = 0
    while True:
        page = list(
            Case.objects.filter(clinic=clinic, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:CASES_PER_PAGE]
        )
        if not page:
            return
        yield from _page_rows(page, definitions)
        last = page[-1]


def case_rows(
    case_ids: Iterable[int], *, participant_ids: Iterable[int] | None = None
) -> Iterator[list[str]]:
    """Rows for these cases only, optionally only for some participants (one client's data
    for an access request), without the header."""
    definitions = all_definitions()
    yield from _page_rows(list(case_ids), definitions, set(participant_ids or ()) or None)


def write_rows(rows: Iterable[list[str]], out: Writable) -> int:
    """Write `rows` as CSV to `out`; the number of data rows (after the header)."""
    writer = csv.writer(out)
    written = -1
    for row in rows:
        writer.writerow(row)
        written += 1
    return max(written, 0)


class _Echo:
    """A file-like object whose write returns the text, for a streamed response."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Each row as one CSV line, for StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def _page_rows(
    case_ids: list[int],
    definitions: dict[str, MeasureDefinition],
    only_participants: set[int] | None = None,
) -> Iterator[list[str]]:
    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=case_ids).prefetch_related(
            "participants__client", "assignments__clinician"
        )
    }
    client_ids = {p.client_id for c in cases.values() for p in c.participants.all()}
    case_count = dict(
        Participant.objects.filter(client_id__in=client_ids)
        .values("client_id")
        .annotate(n=Count("case_id", distinct=True))
        .values_list("client_id", "n")
    )
    # Plain values, not model objects: building tens of thousands of Response objects cost
    # more than reading and decrypting them.
    responses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in Response.objects.filter(session__case_id__in=case_ids).values(*RESPONSE_FIELDS):
        responses[r["session__case_id"]].append(r)
    missed = defaultdict(list)
    for s in TherapySession.objects.filter(case_id__in=case_ids, attendance__in=MISSED):
        missed[s.case_id].append(s)
    for pk in case_ids:
        case = cases[pk]
        rows = _case(case, case_count, responses[pk], missed[pk], definitions)
        for participant_pk, row in sorted(rows, key=_order):
            if only_participants is None or participant_pk in only_participants:
                yield row


def _order(entry: tuple[int, list[str]]) -> tuple[str, str, int, str]:
    row = entry[1]
    return (row[1], row[3], int(row[2]), row[0])


def _case(
    case: Case,
    case_count: dict[int, int],
    responses: list[dict[str, Any]],
    missed: list[TherapySession],
    definitions: dict[str, MeasureDefinition],
) -> list[tuple[int, list[str]]]:
    participants = {p.pk: p for p in case.participants.all()}
    joint = len(participants) > 1
    only = next(iter(participants.values()), None)
    if not joint and only is not None and case_count.get(only.client_id, 0) <= 1:
        series = only.client.code
    else:
        series = f"case-{case.pk}"
    # The first clinician assigned: the import reads one email.
    assigned = sorted(case.assignments.all(), key=lambda a: (a.assigned_at, a.pk))
    clinician = assigned[0].clinician.email if assigned else ""

    def row(participant: Participant, number: int, day: dt.date, values: list[str]) -> list[str]:
        return [
            safe_cell(series),
            safe_cell(participant.client.code) if joint else "",
            str(number),
            *values,
            day.isoformat(),
            str(case.pk),
            case.kind,
            safe_cell(participant.client.code),
            safe_cell(clinician),
        ]

    rows = []
    # A session marked missed that has answers took place for whoever answered: its rows say
    # attended, and it gets no missed rows (a session has one attendance; the import refuses
    # a missed session with a total, and two attendances for one session).
    answered = {r["session_id"] for r in responses}
    for r in responses:
        definition = definitions.get(r["measure_id"])
        if definition is None:
            continue  # a measure whose definition was removed: no reader could check it
        participant = participants[r["participant_id"]]
        answers = r["answers"] or {}
        felt_off = answers.get("felt_off")
        values = [
            r["measure_id"],
            str(r["total"]),
            _items(definition, answers),
            "attended",
            felt_off if felt_off in ("yes", "no") else "",
        ]
        extra = [r["measure_version"], r["source"], _utc(r["submitted_at"])]
        number, day = r["session__number"], r["session__date"]
        rows.append((participant.pk, [*row(participant, number, day, values), *extra]))
    for session in missed:
        if session.pk in answered:
            continue
        for participant in participants.values():
            values = [MISSED_MEASURE, "", "", session.attendance, ""]
            line = row(participant, session.number, session.date, values)
            rows.append((participant.pk, [*line, "", "", ""]))
    return rows


def _items(definition: MeasureDefinition, answers: dict[str, Any]) -> str:
    """The scored items' answers in the measure's order, or nothing if any is missing (an
    imported total without its items)."""
    values = [answers.get(item.id) for item in definition.scored_items]
    if any(v is None for v in values):
        return ""
    return " ".join(str(int(v)) for v in values)  # type: ignore[arg-type]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
