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

from reattune.cases.models import Case
from reattune.clinics.models import Clinic, User
from reattune.demo.people import STAFF
from reattune.demo.repair_records import DAY, DEMO_CODES, DemoCases, RecordWriter, at_hour
from reattune.ethics.services import clinic_ethics_set
from reattune.repairs.models import Repair, Source


def _held(demo: DemoCases) -> Repair:
    rupture, recovered = demo.repaired_rupture()
    clinician = rupture.case.clinicians.get()
    found, wrote = rupture.session.date, rupture.response.answers["change"]  # type: ignore[union-attr]
    record = RecordWriter.open(
        at_hour(found + DAY, 9, 10),
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
        at_hour(found + DAY, 9, 30),
        "explain",
        name="Last time I kept steering us back to my idea of what the problem is.",
        own="That was me not listening, not you.",
    )
    record.done(clinician, at_hour(found + DAY, 16), "bacp.records", "bacp.limit_harm")
    record.done(
        clinician,
        at_hour(found + 3 * DAY, 16),
        "bacp.tell_supervisor",
        note="At peer consultation.",
    )
    record.talk(
        clinician,
        recovered,
        at_hour(recovered.date, 13),
        how_it_went="I said I had pushed my own idea of the problem last time and hadn't "
        "listened, and that I was sorry. They were guarded at first, then said it had felt like "
        "being told who they were. We spent the session on what they brought.",
        client_response="To set the agenda at the start of each session.",
        next_step="They set the agenda; I check in with them halfway through.",
    )
    record.tell(
        clinician,
        at_hour(recovered.date, 13, 5),
        told_on=recovered.date,
        method="in_person",
        what_was_said="That I had kept steering us to my own idea of the problem last time, "
        "that it was my doing and not theirs, and that I was sorry.",
        apology_given=True,
    )
    record.done(clinician, at_hour(recovered.date, 13, 10), "bacp.tell_client", "bacp.apologise")
    record.done(clinician, at_hour(recovered.date, 21), "bacp.monitor_experience")
    record.done(
        clinician,
        at_hour(recovered.date + 7 * DAY, 16),
        "bacp.prevent_repeat",
        note="I now ask every client to set the agenda.",
    )
    record.done(clinician, at_hour(recovered.date + 7 * DAY, 17), "bacp.supervision")
    return record.repair


def _not_held(demo: DemoCases, trainee: str) -> Repair:
    case, session = demo.missed_twice(trainee)
    by, day = demo.staff[trainee], session.date
    record = RecordWriter.open(
        at_hour(day, 19),
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
        at_hour(day, 19, 15),
        "explain",
        "adjust",
        name="Just now I jumped ahead to bringing your mum in.",
        own="That was my hurry, not yours.",
    )
    record.talk(
        by,
        session,
        at_hour(day, 19, 30),
        how_it_went="I named it before she left: I had jumped ahead, and I was sorry. She said "
        "“it's fine” and didn't want to say more.",
        next_step="She would think about it and tell me next time.",
    )
    record.done(
        by,
        at_hour(day, 19, 40),
        "bacp.limit_harm",
        "bacp.tell_client",
        "bacp.apologise",
        "bacp.records",
    )
    record.done(by, at_hour(day + 3 * DAY, 18), "bacp.tell_supervisor", note="In supervision.")
    return record.repair


def _confidentiality(demo: DemoCases, trainee: str, not_in: Case) -> Repair:
    case, session, following = demo.three_weeks_ago(trainee, not_in)
    by, admin, found = demo.staff[trainee], demo.staff["admin"], session.date + DAY
    record = RecordWriter.open(
        at_hour(found, 10),
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
        at_hour(found, 10, 20),
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
        at_hour(found, 11),
        "bacp.confidentiality",
        "bacp.limit_harm",
        "bacp.tell_client",
        "bacp.apologise",
        "bacp.records",
    )
    record.done(
        admin,
        at_hour(found + DAY, 11),
        "hipaa_breach.mitigate",
        note="Her mother confirmed by phone that she deleted the email.",
    )
    record.done(by, at_hour(found + 2 * DAY, 11), "bacp.tell_supervisor", note="In supervision.")
    record.plan(
        by,
        at_hour(found, 15),
        "explain",
        "adjust",
        name="I sent that email to the address you asked us not to use.",
        own="That was my mistake, not yours.",
    )
    record.talk(
        by,
        following,
        at_hour(following.date, 13),
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
        at_hour(regraded, 10),
        "She told me at our last session that the email led to a painful row with her mother. "
        "In supervision we agreed that is harm, if mild, so I have changed the grading.",
        harm="harm_mild",
    )
    record.done(
        by,
        at_hour(regraded, 12),
        "bacp.concerns_and_complaints",
        note="Rang her to tell her about our complaints process and BACP's.",
    )
    record.done(
        admin,
        at_hour(found + 9 * DAY, 15),
        "hipaa_breach.notify_individual",
        note="Letter sent to her new address.",
    )
    record.done(
        admin,
        at_hour(found + 9 * DAY, 15, 5),
        "hipaa_breach.notify_media",
        note="Not needed: one person affected.",
    )
    return record.repair


def _waiting(demo: DemoCases, trainee: str) -> Repair:
    case, session = demo.latest_answered(trainee)
    supervisor, by = demo.supervisor_of(trainee), demo.staff[trainee]
    found = min(session.date + DAY, demo.today)
    record = RecordWriter.open(
        at_hour(found, 17),
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
        at_hour(found, 17, 30),
        name="Last week I said your homework was “not really done”. I think that stung.",
    )
    record.done(by, at_hour(found, 17, 40), "bacp.tell_supervisor", "bacp.limit_harm")
    return record.repair


def _closed(demo: DemoCases, clinician: str) -> Repair:
    case, session = demo.latest_answered(clinician)
    by, day = demo.staff[clinician], session.date
    record = RecordWriter.open(
        at_hour(day, 18),
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
        at_hour(day, 18, 5),
        "bacp.confidentiality",
        "bacp.prevent_repeat",
        note="Screens now lock after a minute, for everyone.",
    )
    record.close(
        by,
        at_hour(day, 18, 15),
        "Nothing reached the client and there is nothing to put right with her: the fix is "
        "ours. Supervision is booked for the rest.",
    )
    return record.repair


def seed_repairs(clinic: Clinic, *, today: dt.date) -> list[Repair]:
    """Choose the demo clinic's codes and seed its repair records (see the module docstring).
    Deterministic: the same seeded checks give the same records."""
    staff = {m.key: User.objects.get(clinic=clinic, email=m.email) for m in STAFF}
    clinic_ethics_set(clinic=clinic, code_ids=DEMO_CODES, by=staff["admin"])
    demo = DemoCases(clinic, today, staff)
    not_held = _not_held(demo, "nia")
    return [
        _held(demo),
        not_held,
        _confidentiality(demo, "nia", not_in=not_held.case),
        _waiting(demo, "ollie"),
        _closed(demo, "leila"),
    ]
