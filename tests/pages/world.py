"""A clinic that grows: the same people and pages, with several times the records around them.

`grow(world, n)` adds `n` of everything a page can list or count, for the people the query-count
tests sign in as, and it adds to the records the detail pages show (the world's main case gets
more sessions, answers, alerts and repairs). All data synthetic."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from reattune.api.services import token_create
from reattune.clinics.models import Role
from reattune.clinics.services import supervision_start
from reattune.imports.models import ImportJob
from reattune.learning.framework import framework_for
from reattune.learning.services import goal_create, rating_record, reflection_create
from reattune.reviews.services import review_create
from reattune.supervision.models import ActionItem
from reattune.supervision.services import meeting_create, request_create, topic_add
from tests.breakglass.helpers import grant_for
from tests.factories import ClinicWorld, make_case, make_person
from tests.repairs.helpers import RUPTURE, check, open_by_hand, session


def _checked_case_sessions(world: ClinicWorld, case, by, first: int, count: int) -> None:
    """`count` more sessions of `case`, each answered; every other one a rupture (an alert)."""
    for number in range(first, first + count):
        score = RUPTURE if number % 2 else 36
        check(case, session(case, number), by, score, felt_off="yes" if score == RUPTURE else "no")


def grow(world: ClinicWorld, n: int) -> None:
    """Add `n` of each kind of record around the world's people (n >= 1)."""
    today = timezone.localdate()
    start = world.case.sessions.count() + 1
    _checked_case_sessions(world, world.case, world.clinician, start, n)
    for who in (world.clinician, world.trainee):
        for _ in range(n):
            case = make_case(who)
            _checked_case_sessions(world, case, who, 1, 2)
            repair = open_by_hand(case, who, at=session(case, 1))
            request_create(by=who, note="Pacing again.", repair=repair)
            review_create(
                repair=repair,
                by=world.admin,
                content={"title": "A rupture", "what_happened": "Moved too fast."},
            )
            reflection_create(person=who, prompt="noticed", text="I rushed.", repair=repair)
    for i in range(n):
        open_by_hand(world.case, world.clinician, at=session(world.case, start + i))
        goal_create(
            person=world.clinician,
            title="Slow down",
            why="Ruptures at endings.",
            practice_plan="Stop early.",
            review_on=today + dt.timedelta(days=30),
        )
        for competency in framework_for(world.clinic)[:2]:
            rating_record(
                person=world.colleague,
                competency=competency,
                level=3,
                evidence="Seen in a recording.",
                rated_by=world.admin,
            )
        supervisee = make_person(world.clinic, Role.TRAINEE)
        supervision_start(supervisor=world.supervisor, supervisee=supervisee)
        _checked_case_sessions(world, make_case(supervisee), supervisee, 1, 2)
        meeting, _ = meeting_create(
            supervisor=world.supervisor,
            supervisee=world.trainee,
            held_on=today,
            item_keys=[],
            form_key=uuid.uuid4(),
        )
        item = topic_add(meeting=meeting, by=world.supervisor, title="Endings")
        ActionItem.objects.create(
            meeting=meeting, agenda_item=item, text="Read.", owner=world.trainee, due_on=today
        )
        token_create(admin=world.admin, name=f"Token {uuid.uuid4().hex[:6]}", scopes=["read"])
        ImportJob.objects.create(
            clinic=world.clinic, created_by=world.admin, file_name="more.csv", status="checked"
        )
        grant_for(world.clinician, world.colleague_case.participants.get().client)
        make_person(world.clinic, Role.CLINICIAN)
