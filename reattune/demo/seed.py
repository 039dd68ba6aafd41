"""Seed the demo clinic. ALL OF ITS DATA IS SYNTHETIC: invented staff, pseudonymous clients,
made-up scores and comments. No real client data is, or may ever be, put here.

Everything goes through the services that real use goes through (clinic_create, person_create,
supervision_start, client_create, case_create, session_record, check_link_create,
check_answers_clean, check_response_submit), so the alerts come from the real detection code.
Afterwards only timestamps are moved: links are created and answered "now" (so they are valid
when answered) and then dated back to the evening of their session, and each alert to the moment
its answers came in, so that the history reads as it would have happened.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.test import override_settings
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.alerts.services import alerts_raise_for_case
from reattune.cases.models import Attendance, Case, CaseKind, Client
from reattune.cases.services import case_create, client_create, session_record
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import (
    check_answers_clean,
    check_link_create,
    check_response_submit,
)
from reattune.clinics.models import Clinic, User
from reattune.clinics.services import clinic_create, person_create, supervision_start
from reattune.demo import stories
from reattune.demo.learning import seed_learning
from reattune.demo.people import (
    CASELOAD,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_SECOND_FACTOR_GRACE_DAYS,
    DEMO_SLUG,
    PSEUDONYMS,
    STAFF,
    SUPERVISIONS,
    client_code,
    client_email,
)
from reattune.demo.repairs import seed_repairs
from reattune.demo.reviews import seed_reviews
from reattune.demo.stories import Check
from reattune.demo.supervision import seed_supervision

RANDOM_SEED = 2026
SAFETY_CLIENTS = 3  # recent PHQ-9 item 9 answers above 0: the urgent alerts a visitor sees
WAITING_CLIENTS = 4  # latest check sent but not yet answered: a visitor can answer one
# Urgent alerts are emailed on commit; nobody should be emailed about synthetic history.
QUIET_EMAIL = "django.core.mail.backends.locmem.EmailBackend"


def demo_clinic() -> Clinic | None:
    return Clinic.objects.filter(slug=DEMO_SLUG).first()


@dataclass(frozen=True)
class Visit:
    """One line of a session plan: when, and whether the client came."""

    date: dt.date
    attendance: str


@dataclass
class _Seeder:
    clinic: Clinic
    rng: random.Random
    today: dt.date
    staff: dict[str, User] = field(default_factory=dict)
    next_client: int = 1
    answered_links: list[CheckLink] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def people(self) -> None:
        for member in STAFF:
            self.staff[member.key] = person_create(
                clinic=self.clinic, email=member.email, full_name=member.full_name, role=member.role
            )
        # One hash for everyone: hashing costs about a third of a second each, and the password
        # is the same printed demo password for every account.
        User.objects.filter(clinic=self.clinic).update(
            password=make_password(DEMO_PASSWORD),
            second_factor_due=timezone.now() + dt.timedelta(days=DEMO_SECOND_FACTOR_GRACE_DAYS),
        )
        for supervisor, supervisee in SUPERVISIONS:
            supervision_start(supervisor=self.staff[supervisor], supervisee=self.staff[supervisee])

    def client(self) -> Client:
        n = self.next_client
        self.next_client += 1
        return client_create(
            clinic=self.clinic, code=client_code(n), name=PSEUDONYMS[n - 1], email=client_email(n)
        )

    def plan(self, sessions: int, attended: int, last_days_ago: int) -> list[Visit]:
        """Weekly sessions ending `last_days_ago` days before today; the first and the last
        attended, a few in between cancelled or missed, and at least `attended` attended."""
        kinds = [Attendance.ATTENDED] * sessions
        for i in range(1, sessions - 1):
            roll = self.rng.random()
            if roll < 0.07:
                kinds[i] = Attendance.CANCELLED
            elif roll < 0.11:
                kinds[i] = Attendance.NO_SHOW
        for i in range(sessions):
            if kinds.count(Attendance.ATTENDED) >= attended:
                break
            kinds[i] = Attendance.ATTENDED
        last = self.today - dt.timedelta(days=last_days_ago)
        return [
            Visit(last - dt.timedelta(weeks=sessions - 1 - i), kind) for i, kind in enumerate(kinds)
        ]

    def history(
        self,
        case: Case,
        visits: list[Visit],
        checks: list[list[Check]],
        *,
        leave_last_open: bool = False,
    ) -> None:
        """Record the sessions and, after each attended one, each participant's check: created
        and answered through the services, or for the last one perhaps left waiting."""
        clinician = case.clinicians.order_by("assignments__pk").first()
        assert clinician is not None
        participants = list(case.participants.order_by("pk"))
        attended = sum(v.attendance == Attendance.ATTENDED for v in visits)
        t = 0
        for number, visit in enumerate(visits, start=1):
            session = session_record(
                case=case, date=visit.date, attendance=visit.attendance, number=number
            )
            if visit.attendance != Attendance.ATTENDED:
                continue
            for participant, answers in zip(participants, checks, strict=True):
                link = check_link_create(
                    session=session, participant=participant, created_by=clinician
                )
                if not (leave_last_open and t == attended - 1):
                    self.answer(link, answers[t], visit.date)
            t += 1

    def answer(self, link: CheckLink, check: Check, day: dt.date) -> None:
        cleaned = check_answers_clean(link, check.form())
        # Alerts are raised once per case at the end (alerts_raise_for_case): the same alerts,
        # one engine run per case instead of one per session.
        responses = check_response_submit(link=link, cleaned=cleaned, raise_alerts=False)
        ended = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 0)))
        answered = ended + dt.timedelta(minutes=self.rng.randint(5, 180))
        now = timezone.now()
        link.created_at, link.used_at = min(ended, now), min(answered, now)
        link.expires_at = link.created_at + dt.timedelta(hours=settings.CHECK_LINK_HOURS)
        self.answered_links.append(link)
        for response in responses:
            response.submitted_at = link.used_at
        self.responses.extend(responses)

    def backdate(self) -> None:
        """Move the answered links and their answers to the evening of their session."""
        CheckLink.objects.bulk_update(
            self.answered_links, ["created_at", "used_at", "expires_at"], batch_size=250
        )
        Response.objects.bulk_update(self.responses, ["submitted_at"], batch_size=250)

    def individual_cases(self) -> None:
        names = [n for n, (_, count, _) in stories.INDIVIDUAL_STORIES.items() for _ in range(count)]
        owners = [key for key, count in CASELOAD for _ in range(count)]
        self.rng.shuffle(names)
        self.rng.shuffle(owners)
        safety = _first(names, "deteriorating", 2) + _first(names, "flat", 1)
        waiting = [
            i for i in _first(names, "improving", 3) + _first(names, "flat", 2) if i not in safety
        ][:WAITING_CLIENTS]
        for i, (name, owner) in enumerate(zip(names, owners, strict=True)):
            story, _, needed = stories.INDIVIDUAL_STORIES[name]
            visits = self.plan(
                sessions=self.rng.randint(max(3, needed), 16),
                attended=needed,
                last_days_ago=self.rng.randint(0, 1) if i in waiting else self.rng.randint(1, 6),
            )
            attended = sum(v.attendance == Attendance.ATTENDED for v in visits)
            checks = stories.checks_from(self.rng, story(self.rng, attended))
            if i in safety:
                checks[-1] = stories.with_safety_item(checks[-1], self.rng.choice((1, 2)))
            client = self.client()
            case = case_create(
                clinic=self.clinic,
                kind=CaseKind.INDIVIDUAL,
                clients=[client],
                clinicians=[self.staff[owner]],
                opened_on=visits[0].date,
            )
            self.history(case, visits, [checks], leave_last_open=i in waiting)

    def couple_case(self) -> None:
        visits = self.plan(sessions=10, attended=10, last_days_ago=self.rng.randint(1, 5))
        partner_a, partner_b = stories.couple_split(self.rng, len(visits))
        case = case_create(
            clinic=self.clinic,
            kind=CaseKind.COUPLE,
            clients=[self.client(), self.client()],
            clinicians=[self.staff["sam"]],
            title="Couple work (synthetic): Partner B's alliance drops after session 4",
            labels=["Partner A", "Partner B"],
            opened_on=visits[0].date,
        )
        checks = [stories.checks_from(self.rng, s) for s in (partner_a, partner_b)]
        self.history(case, visits, checks)

    def family_case(self) -> None:
        visits = self.plan(sessions=9, attended=9, last_days_ago=self.rng.randint(1, 5))
        visits[6] = Visit(visits[6].date, Attendance.CANCELLED)
        series = stories.family_rupture_repaired(self.rng, len(visits) - 1)
        case = case_create(
            clinic=self.clinic,
            kind=CaseKind.FAMILY,
            clients=[self.client(), self.client(), self.client()],
            clinicians=[self.staff["amara"], self.staff["nia"]],
            title="Family work (synthetic): a rupture with the young person, repaired",
            labels=["Parent 1", "Parent 2", "Young person"],
            opened_on=visits[0].date,
        )
        self.history(case, visits, [stories.checks_from(self.rng, s) for s in series])


def _first(names: list[str], story: str, count: int) -> list[int]:
    return [i for i, name in enumerate(names) if name == story][:count]


def demo_seed(*, today: dt.date | None = None) -> Clinic:
    """Create the demo clinic with its people, about sixty clients and their histories.
    Reproducible: the same random seed gives the same clinic, relative to `today`."""
    with override_settings(EMAIL_BACKEND=QUIET_EMAIL):
        with transaction.atomic():
            clinic = clinic_create(name=DEMO_NAME, slug=DEMO_SLUG)
            seeder = _Seeder(clinic, random.Random(RANDOM_SEED), today or timezone.localdate())
            seeder.people()
            seeder.individual_cases()
            seeder.couple_case()
            seeder.family_case()
            seeder.backdate()
            for case in Case.objects.filter(clinic=clinic):
                alerts_raise_for_case(case=case)
            seed_repairs(clinic, today=seeder.today)
            seed_reviews(clinic, today=seeder.today)
            seed_supervision(clinic, today=seeder.today)
            seed_learning(clinic, today=seeder.today)
        _alerts_backdate(clinic)
    return clinic


def _alerts_backdate(clinic: Clinic) -> None:
    """Date each alert to when its answers arrived, not to when the seed ran."""
    submitted = Response.objects.filter(pk=OuterRef("response_id")).values("submitted_at")[:1]
    Alert.objects.filter(clinic=clinic, response__isnull=False).update(
        created_at=Subquery(submitted)
    )


def waiting_links(clinic: Clinic) -> list[CheckLink]:
    """Check links sent and still open: the ones a visitor can answer."""
    return list(
        CheckLink.objects.filter(
            clinic=clinic, used_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("participant__client", "session")
    )
