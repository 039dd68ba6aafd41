"""The demo clinic's learning records. ALL OF IT IS SYNTHETIC: invented ratings, reflections
and goals for invented trainees.

- The clinic's default competency framework.
- Six months of ratings for both trainees, by their supervisors, showing growth (with one
  dip: Nia's ethics rating after the confidentiality mistake, before it recovers).
- Two of Nia's reflections, one on the repair that did not hold, and a learning goal with a
  deliberate-practice plan and a progress note.

Everything is made through reattune.learning.services; afterwards only timestamps are moved,
so each record reads as if written on its day.
"""

from __future__ import annotations

import datetime as dt

from reattune.clinics.models import Clinic, Supervision, User
from reattune.demo.people import STAFF
from reattune.demo.repair_records import at_hour
from reattune.learning import services
from reattune.learning.framework import framework_for
from reattune.learning.models import CompetencyRating, GoalNote, LearningGoal, Reflection
from reattune.repairs.models import Repair, RepairStatus

DAY = dt.timedelta(days=1)
# Days before today of each rating round, oldest first.
ROUNDS = (175, 120, 62, 8)
# Levels per competency key at each round.
LEVELS = {
    "nia": {
        "noticing_ruptures": (2, 2, 3, 4),
        "repairing": (1, 2, 3, 3),
        "using_feedback": (2, 3, 3, 4),
        "ethics": (3, 3, 2, 3),
        "self_reflection": (2, 3, 4, 4),
    },
    "ollie": {
        "noticing_ruptures": (1, 2, 2, 3),
        "repairing": (1, 1, 2, 3),
        "using_feedback": (2, 2, 3, 3),
        "ethics": (2, 3, 3, 3),
        "self_reflection": (1, 2, 2, 3),
    },
}
EVIDENCE = (
    "From the recording we reviewed in supervision and the client's checks this month.",
    "Discussed two sessions in supervision; the checks and the notes agree with what was said.",
    "In supervision, and from the repair record and the client's own ratings since.",
    "From this month's recordings, the checks, and the trainee's own reflections.",
)


def _ratings(person: User, supervisor: User, key: str, today: dt.date) -> None:
    assert person.clinic is not None
    by_key = {c.key: c for c in framework_for(person.clinic)}
    for round_number, days_ago in enumerate(ROUNDS):
        day = today - dt.timedelta(days=days_ago)
        for competency_key, levels in LEVELS[key].items():
            rating = services.rating_record(
                person=person,
                competency=by_key[competency_key],
                level=levels[round_number],
                evidence=EVIDENCE[round_number],
                rated_by=supervisor,
                rated_on=day,
            )
            CompetencyRating.objects.filter(pk=rating.pk).update(recorded_at=at_hour(day, 17))


def _nia_journal(nia: User, today: dt.date) -> None:
    not_held = Repair.objects.filter(case__assignments__clinician=nia, status=RepairStatus.NOT_HELD)
    repair = not_held.first()
    day = max(repair.discovered_on + 4 * DAY, today - 40 * DAY) if repair else today - 40 * DAY
    first = services.reflection_create(
        person=nia,
        prompt="differently",
        repair=repair,
        text="I would ask before suggesting her mother joins, and wait for the answer. I was "
        "ahead of her because of my placement review, and she felt it.",
    )
    second = services.reflection_create(
        person=nia,
        prompt="noticed",
        about="Supervision with Helen",
        text="That I go quiet and speed up at the same time when I'm anxious. Helen noticed "
        "before I did.",
    )
    Reflection.objects.filter(pk=first.pk).update(created_at=at_hour(min(day, today), 20))
    Reflection.objects.filter(pk=second.pk).update(created_at=at_hour(today - 12 * DAY, 18))
    goal = services.goal_create(
        person=nia,
        title="Check the pace with the client before a new step",
        why="Two of my ruptures came from moving on before the client was ready.",
        practice_plan="Before suggesting anything new, ask 'how does that sound to you?' and "
        "wait. After each session, note one moment I checked and one I didn't; bring the "
        "notes to supervision every fortnight.",
        review_on=today + 30 * DAY,
    )
    LearningGoal.objects.filter(pk=goal.pk).update(created_at=at_hour(today - 35 * DAY, 19))
    note = services.goal_note_add(
        goal=goal,
        by=nia,
        text="Checked in four of six sessions this week. The two I missed were both at the end "
        "of a long day.",
    )
    GoalNote.objects.filter(pk=note.pk).update(written_at=at_hour(today - 14 * DAY, 19))


def seed_learning(clinic: Clinic, *, today: dt.date) -> None:
    """Seed the framework, the trainees' ratings and Nia's journal (see the docstring)."""
    framework_for(clinic)
    staff = {m.key: User.objects.get(clinic=clinic, email=m.email) for m in STAFF}
    for key in ("nia", "ollie"):
        supervisor = Supervision.objects.active().get(supervisee=staff[key]).supervisor
        _ratings(staff[key], supervisor, key, today)
    _nia_journal(staff["nia"], today)
