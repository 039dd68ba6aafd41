"""The demo clinic's repair records. ALL OF IT IS SYNTHETIC: invented mistakes in invented cases.

One record for each way a repair can stand, so that a visitor sees the whole feature at once:

- held: a rupture alert, repaired in the next session with an apology in person, and the
  client's next check back at their usual level (a qualified clinician's case);
- did not hold: a trainee's own sense that she pushed too fast; the client then missed two
  sessions, so the repair waits in her supervisor's "For supervision" queue;
- a confidentiality mistake in the same trainee's caseload, three weeks old and amended once
  (version 2, with a reason), its BACP and HIPAA obligations partly done and two overdue;
- waiting: opened by a supervisor in the other trainee's case, the plan made, the client's
  next check not in yet;
- closed: something that reached nobody, closed by the clinician with a reason.

The cases are chosen from what the seeded checks already show (the engine's repair_held alerts,
missed sessions, the latest answered check), so every verdict comes from the real rule. The
other rupture alerts stay open for a visitor to start a repair from.

Each record is made through reattune.repairs.services, as a person would make it. Afterwards
only timestamps are moved, as seed.py does for links and alerts: each step is dated to the day
the story says it happened, and an obligation's history line says "after it was due" only if
it was done after its due date (the service judges that by today's date).
"""

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
from reattune.demo.people import STAFF
from reattune.demo.stories import REPAIR_COMMENTS
from reattune.ethics.services import clinic_ethics_set
from reattune.repairs import disclosures, obligations, services
from reattune.repairs.models import Obligation, Repair, RepairEvent, RepairStatus, Source
from reattune.repairs.steps import default_plan

# A synthetic mix: a UK professional code and a US federal law, which no one clinic would
# follow together, so that the demo shows a code's duties and a law's deadlines side by side.
DEMO_CODES = ("bacp", "hipaa_breach")
LATE = " (after it was due)"  # how obligation_complete's history line says it was late
ALLIANCE_SIGNALS = ("alliance_rupture", "split_alliance", "repair_held", "repair_not_held")
DAY = dt.timedelta(days=1)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`day` at `hour`:`minute`, never later than now."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return min(moment, timezone.now())


def _newest_line() -> int:
    return RepairEvent.objects.aggregate(n=Max("pk"))["n"] or 0


@contextmanager
def _history_dated(when: dt.datetime) -> Iterator[None]:
    """Date the history lines written inside the block to `when`."""
    before = _newest_line()
    yield
    RepairEvent.objects.filter(pk__gt=before).update(at=when)


@dataclass
class _Record:
    """One repair record, written through the services, each step dated to its moment."""

    repair: Repair

    @classmethod
    def open(cls, when: dt.datetime, **fields: Any) -> _Record:
        with _history_dated(when):
            repair = services.repair_open(opened_at=when, **fields)
        repair.versions.update(recorded_at=when)
        Alert.objects.filter(repair=repair).update(acknowledged_at=when)
        if repair.verified_session is not None:
            # Judged at once by checks already in: date the verdict to the deciding check.
            decided = _decided_at(repair)
            closed = decided if repair.status == RepairStatus.HELD else F("closed_at")
            Repair.objects.filter(pk=repair.pk).update(verified_at=decided, closed_at=closed)
            repair.events.filter(action__startswith="verified").update(at=decided)
        return cls(repair)

    def plan(self, by: User, when: dt.datetime, *skip: str, **words: str) -> None:
        """Every step but `skip`, in the example's words or the story's own."""
        steps = [s | {"text": words.get(s["key"], s["text"])} for s in default_plan()]
        steps = [s for s in steps if s["key"] not in skip]
        with _history_dated(when):
            plan = services.plan_save(repair=self.repair, by=by, steps=steps, expected_number=0)
        self.repair.plans.filter(pk=plan.pk).update(recorded_at=when)

    def talk(self, by: User, session: TherapySession, when: dt.datetime, **words: str) -> None:
        plan = self.repair.current_plan()
        with _history_dated(when):
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
        with _history_dated(when):
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
        with _history_dated(when):
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
            before = _newest_line()
            obligations.obligation_complete(obligation=obligation, by=by, note=note)
            Obligation.objects.filter(pk=obligation.pk).update(done_at=when)
            for line in RepairEvent.objects.filter(pk__gt=before):
                if when.date() <= obligation.due_on:
                    line.summary = line.summary.replace(LATE, "")
                line.at = when
                line.save(update_fields=["at", "summary"])

    def close(self, by: User, when: dt.datetime, reason: str) -> None:
        with _history_dated(when):
            services.repair_close(repair=self.repair, by=by, reason=reason)
        Repair.objects.filter(pk=self.repair.pk).update(closed_at=when)


def _decided_at(repair: Repair) -> dt.datetime:
    """When the deciding check came in, or the evening of a session that was missed."""
    session = repair.verified_session
    assert session is not None
    answered = (
        Response.objects.filter(session=session, participant_id=repair.participant_id)
        .values_list("submitted_at", flat=True)
        .first()
    )
    return answered or _at(session.date, 20)


@dataclass
class _Demo:
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


def _held(demo: _Demo) -> Repair:
    rupture, recovered = demo.repaired_rupture()
    clinician = rupture.case.clinicians.get()
    found, wrote = rupture.session.date, rupture.response.answers["change"]  # type: ignore[union-attr]
    record = _Record.open(
        _at(found + DAY, 9, 10),
        by=clinician,
        case=rupture.case,
        participant=rupture.participant,
        session=rupture.session,
        discovered_on=found,
        source=Source.ALERT,
        alert=rupture,
        kind="alliance_rupture",
        marker="confrontation",
        harm="no_harm",
        what_happened=(
            f"In session {rupture.session.number} I was sure I knew where the work needed to go "
            "and steered us back to it each time the client started on something else. Their "
            f"check that evening fell well below their usual, and they wrote: “{wrote}”"
        ),
        contribution="I had a formulation I liked and stopped checking it with them. I was "
        "also running late all day, and hurried.",
    )
    record.plan(
        clinician,
        _at(found + DAY, 9, 30),
        "explain",
        name="Last time I kept steering us back to my idea of what the problem is.",
        own="That was me not listening, not you.",
    )
    record.done(clinician, _at(found + DAY, 16), "bacp.records", "bacp.limit_harm")
    record.done(
        clinician, _at(found + 3 * DAY, 16), "bacp.tell_supervisor", note="At peer consultation."
    )
    record.talk(
        clinician,
        recovered,
        _at(recovered.date, 13),
        how_it_went="I said I had pushed my own idea of the problem last time and hadn't "
        "listened, and that I was sorry. They were guarded at first, then said it had felt like "
        "being told who they were. We spent the session on what they brought.",
        client_response="To set the agenda at the start of each session.",
        next_step="They set the agenda; I check in with them halfway through.",
    )
    record.tell(
        clinician,
        _at(recovered.date, 13, 5),
        told_on=recovered.date,
        method="in_person",
        what_was_said="That I had kept steering us to my own idea of the problem last time, "
        "that it was my doing and not theirs, and that I was sorry.",
        apology_given=True,
    )
    record.done(clinician, _at(recovered.date, 13, 10), "bacp.tell_client", "bacp.apologise")
    record.done(clinician, _at(recovered.date, 21), "bacp.monitor_experience")
    record.done(
        clinician,
        _at(recovered.date + 7 * DAY, 16),
        "bacp.prevent_repeat",
        note="I now ask every client to set the agenda.",
    )
    record.done(clinician, _at(recovered.date + 7 * DAY, 17), "bacp.supervision")
    return record.repair


def _not_held(demo: _Demo, trainee: str) -> Repair:
    case, session = demo.missed_twice(trainee)
    by, day = demo.staff[trainee], session.date
    record = _Record.open(
        _at(day, 19),
        by=by,
        case=case,
        participant=case.participants.get(),
        session=session,
        discovered_on=day,
        source=Source.CLINICIAN,
        kind="alliance_rupture",
        marker="withdrawal",
        harm="no_harm",
        what_happened="Near the end I suggested we invite her mother to a session. She went "
        "quiet, said “maybe”, and left without booking the next one. Her check was fine, but I "
        "think I pushed her somewhere she wasn't ready to go.",
        contribution="I wanted to show progress before my placement review, and went at my "
        "pace, not hers.",
    )
    record.plan(
        by,
        _at(day, 19, 15),
        "explain",
        "adjust",
        name="Just now I jumped ahead to bringing your mum in.",
        own="That was my hurry, not yours.",
    )
    record.talk(
        by,
        session,
        _at(day, 19, 30),
        how_it_went="I named it before she left: I had jumped ahead, and I was sorry. She said "
        "“it's fine” and didn't want to say more.",
        next_step="She would think about it and tell me next time.",
    )
    record.done(
        by,
        _at(day, 19, 40),
        "bacp.limit_harm",
        "bacp.tell_client",
        "bacp.apologise",
        "bacp.records",
    )
    record.done(by, _at(day + 3 * DAY, 18), "bacp.tell_supervisor", note="In supervision.")
    return record.repair


def _confidentiality(demo: _Demo, trainee: str, not_in: Case) -> Repair:
    case, session, following = demo.three_weeks_ago(trainee, not_in)
    by, admin, found = demo.staff[trainee], demo.staff["admin"], session.date + DAY
    record = _Record.open(
        _at(found, 10),
        by=by,
        case=case,
        participant=case.participants.get(),
        session=session,
        discovered_on=found,
        source=Source.CLINICIAN,
        kind="confidentiality",
        harm="no_harm",
        what_happened=f"After session {session.number} I emailed the client a summary of what "
        "we had agreed, to the address on her referral. She had asked us at the start to use "
        "her new one: the old address is shared with her mother, who opened and read it. The "
        "client rang the next morning to tell me.",
        contribution="I used the referral address without checking her notes, in a batch of "
        "letters at the end of a long day. Her record keeps both addresses with nothing to say "
        "which one to use.",
    )
    record.tell(
        by,
        _at(found, 10, 20),
        told_on=found,
        method="call",
        what_was_said="What I had sent, to which address, and that her mother had read it; "
        "that it was my mistake and I was sorry; what we would do so it can't happen again.",
        apology_given=True,
        follow_up_due_on=found + 10 * DAY,
        followed_up_on=found + 9 * DAY,
    )
    record.done(
        by,
        _at(found, 11),
        "bacp.confidentiality",
        "bacp.limit_harm",
        "bacp.tell_client",
        "bacp.apologise",
        "bacp.records",
    )
    record.done(
        admin,
        _at(found + DAY, 11),
        "hipaa_breach.mitigate",
        note="Her mother confirmed by phone that she deleted the email.",
    )
    record.done(by, _at(found + 2 * DAY, 11), "bacp.tell_supervisor", note="In supervision.")
    record.plan(
        by,
        _at(found, 15),
        "explain",
        "adjust",
        name="I sent that email to the address you asked us not to use.",
        own="That was my mistake, not yours.",
    )
    record.talk(
        by,
        following,
        _at(following.date, 13),
        how_it_went="We went back over it. She said the email had led to a painful row with "
        "her mother about what she tells me, and she wanted it written down that it was our "
        "mistake, not hers.",
        client_response="To see any letter before we send it.",
        next_step="I show her the clinic's letter at our next session.",
    )
    # Regraded after supervision, once the client's check had already said the repair held.
    regraded = min(following.date + 2 * DAY, demo.today)
    record.amend(
        by,
        _at(regraded, 10),
        "She told me at our last session that the email led to a painful row with her mother. "
        "In supervision we agreed that is harm, if mild, so I have changed the grading.",
        harm="harm_mild",
    )
    record.done(
        by,
        _at(regraded, 12),
        "bacp.concerns_and_complaints",
        note="Rang her to tell her about our complaints process and BACP's.",
    )
    record.done(
        admin,
        _at(found + 9 * DAY, 15),
        "hipaa_breach.notify_individual",
        note="Letter sent to her new address.",
    )
    record.done(
        admin,
        _at(found + 9 * DAY, 15, 5),
        "hipaa_breach.notify_media",
        note="Not needed: one person affected.",
    )
    return record.repair


def _waiting(demo: _Demo, trainee: str) -> Repair:
    case, session = demo.latest_answered(trainee)
    supervisor, by = demo.supervisor_of(trainee), demo.staff[trainee]
    found = min(session.date + DAY, demo.today)
    record = _Record.open(
        _at(found, 17),
        by=supervisor,
        case=case,
        participant=case.participants.get(),
        session=session,
        discovered_on=found,
        source=Source.SUPERVISOR,
        kind="alliance_rupture",
        harm="no_harm",
        what_happened=f"In supervision {by.get_short_name()} told me that in session "
        f"{session.number} he called the client's homework “not really done”. She laughed "
        "and changed the subject. Her check was at her usual level, but we agreed it may have "
        "landed as a telling-off.",
        contribution="Written by the supervisor, in the words we agreed together.",
    )
    record.plan(
        by,
        _at(found, 17, 30),
        name="Last week I said your homework was “not really done”. I think that stung.",
    )
    record.done(by, _at(found, 17, 40), "bacp.tell_supervisor", "bacp.limit_harm")
    return record.repair


def _closed(demo: _Demo, clinician: str) -> Repair:
    case, session = demo.latest_answered(clinician)
    by, day = demo.staff[clinician], session.date
    record = _Record.open(
        _at(day, 18),
        by=by,
        case=case,
        participant=case.participants.get(),
        session=session,
        discovered_on=day,
        source=Source.CLINICIAN,
        kind="confidentiality",
        harm="unsafe_condition",
        what_happened="I left the client's notes open on the screen in the shared room while I "
        "fetched her a glass of water. Nobody else came in, and the door was shut.",
        contribution="The screen lock was off: I had turned it off during an update.",
    )
    record.done(
        by,
        _at(day, 18, 5),
        "bacp.confidentiality",
        "bacp.prevent_repeat",
        note="Screens now lock after a minute, for everyone.",
    )
    record.close(
        by,
        _at(day, 18, 15),
        "Nothing reached the client and there is nothing to put right with her: the fix is "
        "ours. Supervision is booked for the rest.",
    )
    return record.repair


def seed_repairs(clinic: Clinic, *, today: dt.date) -> list[Repair]:
    """Choose the demo clinic's codes and seed its repair records (see the module docstring).
    Deterministic: the same seeded checks give the same records."""
    staff = {m.key: User.objects.get(clinic=clinic, email=m.email) for m in STAFF}
    clinic_ethics_set(clinic=clinic, code_ids=DEMO_CODES, by=staff["admin"])
    demo = _Demo(clinic, today, staff)
    not_held = _not_held(demo, "nia")
    return [
        _held(demo),
        not_held,
        _confidentiality(demo, "nia", not_in=not_held.case),
        _waiting(demo, "ollie"),
        _closed(demo, "leila"),
    ]
