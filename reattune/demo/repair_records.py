"""How the demo's repair records are written and where they go: a writer that makes each
step through the real services and then dates it to the day the story says, and the finder of
seeded cases whose checks fit each story. ALL OF IT IS SYNTHETIC."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Max
from django.utils import timezone

from reattune.alerts.models import Alert, AlertStatus
from reattune.cases.models import Attendance, Case, CaseKind, TherapySession
from reattune.checks.models import Response
from reattune.clinics.models import Clinic, Role, Supervision, User
from reattune.demo.stories import REPAIR_COMMENTS
from reattune.repairs import disclosures, obligations, services
from reattune.repairs.models import Obligation, Repair, RepairEvent, RepairStatus
from reattune.repairs.steps import default_plan

# A synthetic mix: a UK professional code and a US federal law, which no one clinic would
# follow together, so that the demo shows a code's duties and a law's deadlines side by side.
DEMO_CODES = ("bacp", "hipaa_breach")
LATE = " (after it was due)"  # how obligation_complete's history line says it was late
ALLIANCE_SIGNALS = ("alliance_rupture", "split_alliance", "repair_held", "repair_not_held")
DAY = dt.timedelta(days=1)


def at_hour(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`day` at `hour`:`minute`, never later than now."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return min(moment, timezone.now())


def newest_line() -> int:
    return RepairEvent.objects.aggregate(n=Max("pk"))["n"] or 0


@contextmanager
def history_dated(when: dt.datetime) -> Iterator[None]:
    """Date the history lines written inside the block to `when`."""
    before = newest_line()
    yield
    RepairEvent.objects.filter(pk__gt=before).update(at=when)


@dataclass
class RecordWriter:
    """One repair record, written through the services, each step dated to its moment."""

    repair: Repair

    @classmethod
    def open(cls, when: dt.datetime, **fields: Any) -> RecordWriter:
        with history_dated(when):
            repair = services.repair_open(opened_at=when, **fields)
        repair.versions.update(recorded_at=when)
        Alert.objects.filter(repair=repair).update(acknowledged_at=when)
        if repair.verified_session is not None:
            # Judged at once by checks already in: date the verdict to the deciding check.
            decided = decided_at(repair)
            closed = decided if repair.status == RepairStatus.HELD else F("closed_at")
            Repair.objects.filter(pk=repair.pk).update(verified_at=decided, closed_at=closed)
            repair.events.filter(action__startswith="verified").update(at=decided)
        return cls(repair)

    def plan(self, by: User, when: dt.datetime, *skip: str, **words: str) -> None:
        """Every step but `skip`, in the example's words or the story's own."""
        steps = [s | {"text": words.get(s["key"], s["text"])} for s in default_plan()]
        steps = [s for s in steps if s["key"] not in skip]
        with history_dated(when):
            plan = services.plan_save(repair=self.repair, by=by, steps=steps, expected_number=0)
        self.repair.plans.filter(pk=plan.pk).update(recorded_at=when)

    def talk(self, by: User, session: TherapySession, when: dt.datetime, **words: str) -> None:
        plan = self.repair.current_plan()
        with history_dated(when):
            talk = services.conversation_record(
                repair=self.repair,
                by=by,
                session=session,
                steps_taken=[s["key"] for s in plan.steps] if plan else [],
                expected_number=0,
                **words,
            )
        self.repair.conversations.filter(pk=talk.pk).update(recorded_at=when)

    def tell(self, by: User, when: dt.datetime, **fields: Any) -> None:
        with history_dated(when):
            told = disclosures.disclosure_record(repair=self.repair, by=by, told_by=by, **fields)
        self.repair.disclosures.filter(pk=told.pk).update(recorded_at=when)

    def amend(self, by: User, when: dt.datetime, reason: str, **changes: str) -> None:
        now = self.repair.current()
        fields = {
            "session": now.session,
            "kind": now.kind,
            "marker": now.marker,
            "harm": now.harm,
            "what_happened": now.what_happened,
            "contribution": now.contribution,
        }
        with history_dated(when):
            version = services.repair_amend(
                repair=self.repair,
                by=by,
                expected_number=now.number,
                reason=reason,
                **(fields | changes),
            )
        self.repair.versions.filter(pk=version.pk).update(recorded_at=when)

    def done(self, by: User, when: dt.datetime, *keys: str, note: str = "") -> None:
        """Mark each obligation `code_id.key` done at `when`."""
        for key in keys:
            code_id, _, rule = key.partition(".")
            obligation = self.repair.obligations.get(code_id=code_id, key=rule)
            before = newest_line()
            obligations.obligation_complete(obligation=obligation, by=by, note=note)
            Obligation.objects.filter(pk=obligation.pk).update(done_at=when)
            for line in RepairEvent.objects.filter(pk__gt=before):
                if when.date() <= obligation.due_on:
                    line.summary = line.summary.replace(LATE, "")
                line.at = when
                line.save(update_fields=["at", "summary"])

    def close(self, by: User, when: dt.datetime, reason: str) -> None:
        with history_dated(when):
            services.repair_close(repair=self.repair, by=by, reason=reason)
        Repair.objects.filter(pk=self.repair.pk).update(closed_at=when)


def decided_at(repair: Repair) -> dt.datetime:
    """When the deciding check came in, or the evening of a session that was missed."""
    session = repair.verified_session
    assert session is not None
    answered = (
        Response.objects.filter(session=session, participant_id=repair.participant_id)
        .values_list("submitted_at", flat=True)
        .first()
    )
    return answered or at_hour(session.date, 20)


@dataclass
class DemoCases:
    clinic: Clinic
    today: dt.date
    staff: dict[str, User]

    def cases_of(self, person: str) -> list[Case]:
        return list(
            Case.objects.filter(
                clinic=self.clinic, kind=CaseKind.INDIVIDUAL, clinicians=self.staff[person]
            )
            .exclude(alerts__signal__in=ALLIANCE_SIGNALS)
            .distinct()
            .order_by("pk")
        )

    def latest_answered(self, person: str) -> tuple[Case, TherapySession]:
        """The longest of `person`'s cases whose latest session's check is answered: a
        mistake there waits for checks that have not come yet."""
        found = []
        for case in self.cases_of(person):
            last = case.sessions.order_by("-number").first()
            if last is not None and last.responses.filter(measure_id="alliance").exists():
                found.append((last.number, -case.pk, case, last))
        _, _, case, last = max(found, key=lambda row: row[:2])
        return case, last

    def repaired_rupture(self) -> tuple[Alert, TherapySession]:
        """A rupture alert the engine saw repaired at the next check, in a qualified
        clinician's case where the client wrote about both sessions (the longest such)."""
        found = []
        for held in Alert.objects.filter(
            clinic=self.clinic, signal="repair_held", case__kind=CaseKind.INDIVIDUAL
        ).select_related("case", "session"):
            rupture = (
                Alert.objects.filter(case=held.case, signal="alliance_rupture")
                .filter(status=AlertStatus.OPEN, session__number__lt=held.session.number)
                .order_by("-session__number")
                .first()
            )
            if rupture is None or not held.case.clinicians.filter(role=Role.CLINICIAN).exists():
                continue
            wrote = {
                r.session_id: str(r.answers.get("change", ""))
                for r in Response.objects.filter(
                    measure_id="alliance", session_id__in=[rupture.session_id, held.session_id]
                )
            }
            if wrote.get(rupture.session_id) and wrote.get(held.session_id) in REPAIR_COMMENTS:
                found.append((held.case.sessions.count(), -held.pk, rupture, held.session))
        _, _, rupture, recovered = max(found, key=lambda row: row[:2])
        return rupture, recovered

    def missed_twice(self, trainee: str) -> tuple[Case, TherapySession]:
        """The trainee's latest attended session followed by two that were missed."""
        found = []
        for case in self.cases_of(trainee):
            sessions = list(case.sessions.order_by("number"))
            for first, *next_two in zip(sessions, sessions[1:], sessions[2:], strict=False):
                if (
                    first.number >= 3
                    and first.attendance == Attendance.ATTENDED
                    and all(s.attendance != Attendance.ATTENDED for s in next_two)
                ):
                    found.append((first.date, case.pk, case, first))
        _, _, case, session = max(found, key=lambda row: row[:2])
        return case, session

    def three_weeks_ago(
        self, trainee: str, not_in: Case
    ) -> tuple[Case, TherapySession, TherapySession]:
        """The trainee's attended session nearest to three weeks ago, and the next one."""
        target = self.today - dt.timedelta(days=22)
        found = []
        for case in self.cases_of(trainee):
            if case == not_in:
                continue
            attended = case.sessions.filter(attendance=Attendance.ATTENDED).order_by("number")
            for session, after in itertools.pairwise(attended):
                found.append((abs((session.date - target).days), case.pk, session, after))
        _, _, session, after = min(found, key=lambda row: row[:2])
        return session.case, session, after

    def supervisor_of(self, person: str) -> User:
        link = Supervision.objects.active().filter(supervisee=self.staff[person]).first()
        assert link is not None
        return link.supervisor
