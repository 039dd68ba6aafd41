"""What an import would create and reuse in one clinic, worked out before anything is written.

A file's rows map onto the clinic like this (docs/import.md):

- `client_id` without `participant_id`: one client, found by code (ignoring case, as the client
  form does) or created, and their newest individual case, or a new one.
- `client_id` with `participant_id`: a joint case titled `client_id` (the newest such case, or a
  new one: a couple case for two people, a family case for more), and in it one client per
  participant, coded `<client_id>/<participant_id>` and labelled `participant_id`.
- a `client_code` column, where given, is the person's client code instead; and an individual
  row whose client_code differs from its client_id names a case titled client_id (Reattune's
  own export writes `case-<id>` for a client's second case).
- a case found by its title is reused only when it holds exactly the people the file gives
  for it: for a joint case, each participant_id's label with the client the file names; for
  an individual case, that one client. Otherwise the rows are refused: a title is free text,
  and another case with the same title is someone else's. An existing case never gets a new
  participant from an import, so every stored answer's client is its participant's client.
- a session by its number in that case, found or created with the row's attendance and date;
- a response per attended row, refused where that session already has that measure for that
  person, and where a stored session's attendance disagrees with the file.

`import_plan` reads and checks the whole file and the clinic, and raises `ImportRefused`
naming every line at fault (the first ten) or returns an `ImportPlan` whose `summary` is the dry
run's report. `reattune.imports.services.scores_import` writes a plan in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from reattune.cases.models import Case, CaseKind, Client, Participant, TherapySession
from reattune.checks.models import Response
from reattune.clinics.models import Clinic, User
from reattune.detection.csvio import DetectInputError, Problem, shorten
from reattune.imports.checks import client_code, printable, problems, row_problems
from reattune.imports.reading import read_rows
from reattune.measures.registry import all_definitions

NO_ROWS = "the file has a header but no rows; nothing to import"
ALREADY_STORED = "{who}, session {session} already has {measure} in Reattune"
CASE_OF_OTHERS = (
    "client_id {client_id} names an existing case of other clients (case #{case}, {kind}): "
    "give this file's case another client_id, or client_code values naming that case's clients "
    "with participant_id as their labels in it"
)
ATTENDANCE_STORED = (
    "session {session} of client {client} is recorded in Reattune as {stored}, "
    "but this file says {given}"
)
# Large enough to be few queries, small enough for SQLite's limit on query variables.
CHUNK = 500


class ImportRefused(DetectInputError):
    """The file cannot be imported: `str()` gives one line per problem, `FILE, line N: …`."""


@dataclass(frozen=True)
class Summary:
    """The dry run's report, and after an import what was done."""

    rows: int = 0
    clients_new: int = 0
    clients_reused: int = 0
    cases_new: int = 0
    cases_reused: int = 0
    cases_closed: int = 0
    participants_new: int = 0
    sessions_new: int = 0
    sessions_missed_new: int = 0
    sessions_reused: int = 0
    responses_new: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Person:
    """One rater in a case: the client (found or to be created) and their place in the case."""

    participant_id: str  # "" in an individual case
    code: str
    client_pk: int | None = None
    participant_pk: int | None = None


@dataclass
class SessionPlan:
    number: int
    attendance: str
    date: dt.date | None
    session_pk: int | None = None


@dataclass
class CasePlan:
    """One `client_id` of the file: an individual case or a joint one."""

    key: str
    joint: bool
    titled: bool  # found and made by its title (the key), not by its one client
    case_pk: int | None = None
    people: dict[str, Person] = field(default_factory=dict)
    sessions: dict[int, SessionPlan] = field(default_factory=dict)
    clinician_pks: set[int] = field(default_factory=set)

    @property
    def kind(self) -> str:
        if not self.joint:
            return CaseKind.INDIVIDUAL
        return CaseKind.COUPLE if len(self.people) == 2 else CaseKind.FAMILY


@dataclass
class ImportPlan:
    clinic: Clinic
    source: str
    rows: pl.DataFrame  # reading.ROW_SCHEMA, in file order
    cases: dict[str, CasePlan]
    close_cases: bool
    today: dt.date

    @property
    def summary(self) -> Summary:
        cases = self.cases.values()
        people = [p for c in cases for p in c.people.values()]
        sessions = [s for c in cases for s in c.sessions.values()]
        new_cases = sum(c.case_pk is None for c in cases)
        return Summary(
            rows=self.rows.height,
            clients_new=len({p.code.lower() for p in people if p.client_pk is None}),
            clients_reused=len({p.client_pk for p in people if p.client_pk is not None}),
            cases_new=new_cases,
            cases_reused=len(self.cases) - new_cases,
            cases_closed=new_cases if self.close_cases else 0,
            participants_new=sum(p.participant_pk is None for p in people),
            sessions_new=sum(s.session_pk is None for s in sessions),
            sessions_missed_new=sum(
                s.session_pk is None and s.attendance != "attended" for s in sessions
            ),
            sessions_reused=sum(s.session_pk is not None for s in sessions),
            responses_new=int(self.rows["total"].is_not_null().sum()),
        )


def import_plan(
    *,
    clinic: Clinic,
    path: Path,
    source: str = "",
    close_cases: bool = True,
    today: dt.date | None = None,
) -> ImportPlan:
    """Read and check the file at `path` against the clinic; `source` names the file in
    messages (the uploaded file's name on the web). Raises ImportRefused."""
    source = source or str(path)
    try:
        rows = read_rows(path, all_definitions())
    except DetectInputError as e:
        raise ImportRefused(source, printable(e.problems)) from None
    if rows.is_empty():
        raise ImportRefused(source, [Problem(None, NO_ROWS)])
    clinicians = _clinicians(clinic)
    found = row_problems(rows, set(clinicians))
    plan = ImportPlan(
        clinic=clinic,
        source=source,
        rows=rows,
        cases=_cases(rows, clinicians),
        close_cases=close_cases,
        today=today or dt.date.today(),
    )
    found += _against_clinic(plan)
    if shown := problems(found):
        raise ImportRefused(source, printable(shown))
    return plan


def _clinicians(clinic: Clinic) -> dict[str, int]:
    people = User.objects.filter(clinic=clinic, is_active=True).values_list("email", "pk")
    return {email.lower(): pk for email, pk in people}


def _cases(rows: pl.DataFrame, clinicians: dict[str, int]) -> dict[str, CasePlan]:
    """The file's cases, people and sessions, in file order (nothing looked up yet)."""
    cases: dict[str, CasePlan] = {}
    columns = ["client_id", "participant_id", "session", "attendance", "date", "clinician_email"]
    dates = rows["date"].str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    codes = rows.select(client_code()).to_series()
    for (client_id, participant_id, number, attendance, _, email), date, code in zip(
        rows.select(columns).iter_rows(), dates, codes, strict=True
    ):
        case = cases.get(client_id)
        if case is None:
            joint = participant_id != ""
            titled = joint or code != client_id
            case = cases[client_id] = CasePlan(key=client_id, joint=joint, titled=titled)
        if participant_id not in case.people:
            case.people[participant_id] = Person(participant_id=participant_id, code=code)
        session = case.sessions.get(number)
        if session is None:
            case.sessions[number] = SessionPlan(number, attendance, date)
        elif session.date is None and date is not None:
            session.date = date
        if email is not None and email in clinicians:
            case.clinician_pks.add(clinicians[email])
    return cases


def _against_clinic(plan: ImportPlan) -> list[pl.DataFrame]:
    """Find what exists already, filling in the plan's pks, and return the rows that clash
    with it as (line, message) frames."""
    clinic = plan.clinic
    codes = dict(
        (code.lower(), pk)
        for pk, code in Client.objects.filter(clinic=clinic).values_list("pk", "code")
    )
    individual: dict[int, int] = {}
    for client_pk, case_pk in (
        Participant.objects.filter(case__clinic=clinic, case__kind=CaseKind.INDIVIDUAL)
        .order_by("case_id")
        .values_list("client_id", "case_id")
    ):
        individual[client_pk] = case_pk  # the newest wins
    titled = dict(
        Case.objects.filter(clinic=clinic)
        .exclude(title="")
        .order_by("pk")
        .values_list("title", "pk")
    )
    for case in plan.cases.values():
        for person in case.people.values():
            person.client_pk = codes.get(person.code.lower())
        if case.titled:
            case.case_pk = titled.get(case.key)
        else:
            person = case.people[""]
            case.case_pk = individual.get(person.client_pk) if person.client_pk else None
    found = [_others_cases(plan)]
    reused = {c.case_pk: c for c in plan.cases.values() if c.case_pk is not None}
    if reused:
        found.append(_clashes(plan, reused))
    return found


def _others_cases(plan: ImportPlan) -> pl.DataFrame:
    """The rows of each case found by its title that is not the file's: its kind or its
    people differ from what the file gives. Such a case is dropped from the plan (the rows
    are refused), so nothing is added to it or checked against it."""
    by_title = {c.case_pk: c for c in plan.cases.values() if c.titled and c.case_pk is not None}
    kinds: dict[int, str] = {}
    stored: dict[int, set[tuple[str, int]]] = {pk: set() for pk in by_title}
    for chunk in _chunked(by_title):
        kinds.update(Case.objects.filter(pk__in=chunk).values_list("pk", "kind"))
        for case_pk, client_pk, label in Participant.objects.filter(case_id__in=chunk).values_list(
            "case_id", "client_id", "label"
        ):
            stored[case_pk].add((label, client_pk))
    refused: dict[str, tuple[int, str]] = {}
    for case_pk, case in by_title.items():
        kind = kinds[case_pk]
        if case.joint:
            wanted = {(p.participant_id, p.client_pk) for p in case.people.values()}
            fits = kind != CaseKind.INDIVIDUAL and wanted <= stored[case_pk]
        else:
            person = case.people[""]
            clients = {client for _, client in stored[case_pk]}
            fits = kind == CaseKind.INDIVIDUAL and clients == {person.client_pk}
        if not fits:
            refused[case.key] = (case_pk, kind)
            case.case_pk = None
    rows = plan.rows.filter(pl.col("client_id").is_in(sorted(refused))).select("line", "client_id")
    messages = [
        CASE_OF_OTHERS.format(client_id=shorten(key), case=refused[key][0], kind=refused[key][1])
        for key in rows["client_id"]
    ]
    return pl.DataFrame(
        {"line": rows["line"], "message": messages},
        schema={"line": pl.Int64, "message": pl.String},
    )


def _clashes(plan: ImportPlan, reused: dict[int, CasePlan]) -> pl.DataFrame:
    stored_attendance: dict[tuple[str, int], str] = {}
    session_keys: dict[int, tuple[str, int]] = {}
    for chunk in _chunked(reused):
        for pk, case_pk, number, attendance in TherapySession.objects.filter(
            case_id__in=chunk
        ).values_list("pk", "case_id", "number", "attendance"):
            case = reused[case_pk]
            if number in case.sessions:
                case.sessions[number].session_pk = pk
                stored_attendance[(case.key, number)] = attendance
                session_keys[pk] = (case.key, number)
        for pk, case_pk, client_pk, label in Participant.objects.filter(
            case_id__in=chunk
        ).values_list("pk", "case_id", "client_id", "label"):
            case = reused[case_pk]
            person = case.people.get(label if case.joint else "")
            # The same client as well as the same label: an answer's client is always its
            # participant's client.
            if person is not None and person.client_pk == client_pk:
                person.participant_pk = pk
    answered: set[tuple[str, str, int, str]] = set()
    labels = {
        p.participant_pk: p.participant_id
        for c in reused.values()
        for p in c.people.values()
        if p.participant_pk is not None
    }
    for chunk in _chunked(session_keys):
        for session_pk, participant_pk, measure in Response.objects.filter(
            session_id__in=chunk, participant_id__in=list(labels)
        ).values_list("session_id", "participant_id", "measure_id"):
            key, number = session_keys[session_pk]
            answered.add((key, labels[participant_pk], number, measure))
    return _clash_rows(plan, stored_attendance, answered)


def _clash_rows(
    plan: ImportPlan,
    stored_attendance: dict[tuple[str, int], str],
    answered: set[tuple[str, str, int, str]],
) -> pl.DataFrame:
    lines: list[int] = []
    messages: list[str] = []
    reused_keys = {c.key for c in plan.cases.values() if c.case_pk is not None}
    candidates = plan.rows.filter(pl.col("client_id").is_in(sorted(reused_keys)))
    columns = ["line", "client_id", "participant_id", "session", "measure", "attendance", "total"]
    for line, client_id, participant_id, number, measure, attendance, total in candidates.select(
        columns
    ).iter_rows():
        stored = stored_attendance.get((client_id, number))
        if stored is not None and stored != attendance:
            lines.append(line)
            messages.append(
                ATTENDANCE_STORED.format(
                    session=number, client=shorten(client_id), stored=stored, given=attendance
                )
            )
        elif total is not None and (client_id, participant_id, number, measure) in answered:
            who = f"client {shorten(client_id)}" + (
                f", participant {shorten(participant_id)}" if participant_id else ""
            )
            lines.append(line)
            messages.append(ALREADY_STORED.format(who=who, session=number, measure=measure))
    return pl.DataFrame(
        {"line": lines, "message": messages}, schema={"line": pl.Int64, "message": pl.String}
    )


def _chunked(keys: Iterable[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for key in keys:
        batch.append(key)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["CASE_OF_OTHERS", "NO_ROWS", "ImportPlan", "ImportRefused", "Summary", "import_plan"]
