"""Writing an import: every client, case, session and response of a checked plan, or none.

Rows go in with `bulk_create`, a few thousand at a time, because a historic file is large
(100,000 rows is an ordinary clinic's few years) and one INSERT a row would take minutes. The
answers are scored by the measure's definition, as a check link's are, and sealed by the
encrypted field as usual; `source` is "import". Imported answers raise no alerts: they are
history, acted on (or not) long ago, and a clinic bringing in years of it would otherwise get
an alert for every old safety answer. New cases are closed at their last session unless the
plan says to keep them open, so that expected-response calibration learns from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

import polars as pl
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone

from reattune.audit.log import record
from reattune.audit.models import Action, Category
from reattune.cases.models import Case, CaseClinician, Client, Participant, TherapySession
from reattune.checks.models import Response, ResponseSource
from reattune.clinics.models import User
from reattune.imports.plan import CHUNK, ImportPlan, Summary
from reattune.imports.progress import Progress, no_progress
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.registry import all_definitions

CHANGED_MEANWHILE = (
    "Someone added answers or sessions for these clients while the import ran, so nothing was "
    "imported. Check the file again and import it once more."
)
DATABASE_REFUSED = (
    "The database refused the import ({error}), so nothing was imported. Check the file for "
    "unusual characters and import it again; if it happens again, tell whoever runs Reattune."
)
# Who the audit row names when no person is given (`reattune import_scores` without --by), as
# the export and erasure commands do.
COMMAND_LINE = "command line"
BATCH = 2000
FELT_OFF = "felt_off"

M = TypeVar("M", bound=models.Model)


class ImportFailed(Exception):
    """The import was undone; the message says why."""


def scores_import(
    *,
    plan: ImportPlan,
    by: User | None,
    progress: Progress = no_progress,
    job_id: int | None = None,
) -> Summary:
    """Write `plan` in one transaction and record it in the audit log; return what was done.
    Raises ImportFailed, leaving nothing behind, if the clinic changed since the plan."""
    summary = plan.summary
    writer = _Writer(plan, by, progress, summary)
    try:
        with transaction.atomic():
            writer.write()
            record(
                category=Category.CLIENT,
                action=Action.CREATE,
                user=by,
                user_label="" if by is not None else COMMAND_LINE,
                clinic_id=plan.clinic.pk,
                target=f"import_scores:{job_id}" if job_id else "import_scores",
            )
    except IntegrityError:
        raise ImportFailed(CHANGED_MEANWHILE) from None
    except DatabaseError as e:
        raise ImportFailed(DATABASE_REFUSED.format(error=_first_line(e))) from None
    return summary


def _first_line(error: Exception) -> str:
    """The database's own words, on one line and without characters a page cannot show."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class _Writer:
    def __init__(self, plan: ImportPlan, by: User | None, progress: Progress, summary: Summary):
        self.plan = plan
        self.by = by
        self.progress = progress
        self.done = 0
        self.existing = {c.key for c in plan.cases.values() if c.case_pk is not None}
        self.total = (
            summary.clients_new
            + summary.cases_new
            + summary.participants_new
            + summary.sessions_new
            + summary.responses_new
        )

    def write(self) -> None:
        self._same_people()
        self._clients()
        self._cases()
        self._participants()
        self._sessions()
        self._responses()

    def _same_people(self) -> None:
        """The participants the plan reuses still belong to the clients it found: an answer's
        client must be its participant's client. Checked inside the transaction (and locked on
        PostgreSQL), since the plan was made before it began."""
        expected = {
            p.participant_pk: p.client_pk
            for c in self.plan.cases.values()
            if c.case_pk is not None
            for p in c.people.values()
            if p.participant_pk is not None
        }
        found: dict[int, int] = {}
        keys = list(expected)
        for start in range(0, len(keys), CHUNK):
            found.update(
                Participant.objects.select_for_update()
                .filter(pk__in=keys[start : start + CHUNK])
                .values_list("pk", "client_id")
            )
        if found != expected:
            raise ImportFailed(CHANGED_MEANWHILE)

    def _create(self, phase: str, objects: Sequence[M]) -> list[M]:
        model = type(objects[0]) if objects else None
        created: list[M] = []
        self.progress(phase=phase, done=self.done, total=self.total)
        for start in range(0, len(objects), BATCH):
            batch = list(objects[start : start + BATCH])
            assert model is not None
            created += model._default_manager.bulk_create(batch)
            self.done += len(batch)
            self.progress(phase=phase, done=self.done, total=self.total)
        return created

    def _clients(self) -> None:
        people = [p for c in self.plan.cases.values() for p in c.people.values()]
        new: dict[str, Client] = {}
        for person in people:
            if person.client_pk is None and person.code.lower() not in new:
                new[person.code.lower()] = Client(
                    clinic=self.plan.clinic, code=person.code, created_by=self.by
                )
        self._create("clients", list(new.values()))
        for person in people:
            if person.client_pk is None:
                person.client_pk = new[person.code.lower()].pk

    def _cases(self) -> None:
        plans = [c for c in self.plan.cases.values() if c.case_pk is None]
        reused = [c.case_pk for c in self.plan.cases.values() if c.case_pk is not None]
        cases = []
        for plan in plans:
            dates = [s.date or self.plan.today for s in plan.sessions.values()]
            cases.append(
                Case(
                    clinic=self.plan.clinic,
                    kind=plan.kind,
                    title=plan.key if plan.titled else "",
                    opened_on=min(dates),
                    closed_on=max(dates) if self.plan.close_cases else None,
                )
            )
        self._create("cases", cases)
        for plan, case in zip(plans, cases, strict=True):
            plan.case_pk = case.pk
        existing = set(
            CaseClinician.objects.filter(case_id__in=reused).values_list("case_id", "clinician_id")
        )
        assignments = [
            CaseClinician(clinic=self.plan.clinic, case_id=_pk(c.case_pk), clinician_id=pk)
            for c in self.plan.cases.values()
            for pk in sorted(c.clinician_pks)
            if (c.case_pk, pk) not in existing
        ]
        CaseClinician.objects.bulk_create(assignments, batch_size=BATCH)

    def _participants(self) -> None:
        pending = [
            (case, person)
            for case in self.plan.cases.values()
            for person in case.people.values()
            if person.participant_pk is None
        ]
        if any(case.key in self.existing for case, _ in pending):
            # The plan never adds anyone to a case that was there before; should that change,
            # stop rather than put someone into another person's case.
            raise ImportFailed(CHANGED_MEANWHILE)
        created = self._create(
            "participants",
            [
                Participant(
                    clinic=self.plan.clinic,
                    case_id=_pk(case.case_pk),
                    client_id=_pk(person.client_pk),
                    label=person.participant_id,
                )
                for case, person in pending
            ],
        )
        for (_, person), participant in zip(pending, created, strict=True):
            person.participant_pk = participant.pk

    def _sessions(self) -> None:
        pending = [
            (case, session)
            for case in self.plan.cases.values()
            for session in case.sessions.values()
            if session.session_pk is None
        ]
        created = self._create(
            "sessions",
            [
                TherapySession(
                    clinic=self.plan.clinic,
                    case_id=_pk(case.case_pk),
                    number=session.number,
                    date=session.date or self.plan.today,
                    attendance=session.attendance,
                )
                for case, session in pending
            ],
        )
        for (_, session), row in zip(pending, created, strict=True):
            session.session_pk = row.pk

    def _responses(self) -> None:
        definitions = all_definitions()
        answered = self.plan.rows.filter(pl.col("total").is_not_null())
        columns = [
            "client_id",
            "participant_id",
            "session",
            "measure",
            "total",
            "items",
            "felt_off",
        ]
        responses = []
        for client_id, participant_id, number, measure, total, items, felt_off in answered.select(
            columns
        ).iter_rows():
            case = self.plan.cases[client_id]
            person = case.people[participant_id]
            session = case.sessions[number]
            definition = definitions[measure]
            answers = _answers(definition, items, felt_off)
            score = definition.score(answers) if items is not None else None
            responses.append(
                Response(
                    clinic_id=self.plan.clinic.pk,
                    source=ResponseSource.IMPORT,
                    session_id=_pk(session.session_pk),
                    participant_id=_pk(person.participant_pk),
                    client_id=_pk(person.client_pk),
                    measure_id=definition.id,
                    measure_version=definition.version,
                    answers=answers,
                    total=score.total if score else int(total),
                    subscales=score.subscales if score else {},
                    submitted_at=_noon(session.date or self.plan.today),
                )
            )
        self._create("responses", responses)


def _answers(
    definition: MeasureDefinition, items: list[int] | None, felt_off: bool | None
) -> dict[str, Any]:
    """The answers as a check link would have stored them: each scored item's answer in the
    definition's order, and the "did anything feel off?" answer where the file gives it.
    Without items only that answer is known, and the total is kept as given."""
    answers: dict[str, Any] = {}
    if items is not None:
        answers = {item.id: int(v) for item, v in zip(definition.scored_items, items, strict=True)}
    if felt_off is not None and any(i.id == FELT_OFF for i in definition.items):
        answers[FELT_OFF] = "yes" if felt_off else "no"
    return answers


def _pk(pk: int | None) -> int:
    """A pk the writer filled in earlier in the same import."""
    assert pk is not None
    return pk


def _noon(day: dt.date) -> dt.datetime:
    """When an imported answer counts as given: midday on its session's date, so it sorts
    with that session whatever the time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
