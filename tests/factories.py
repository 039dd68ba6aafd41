"""Shared test data. All of it is synthetic."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from reattune.cases.models import Attendance, Case, Client, TherapySession
from reattune.cases.services import case_create, client_create, session_record
from reattune.clinics.models import Clinic, Role, User
from reattune.clinics.services import clinic_create, person_create, supervision_start

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_clinic(name: str = "") -> Clinic:
    n = next(_counter)
    return clinic_create(name=name or f"Test clinic {n}", slug=f"test-clinic-{n}")


# Test people may sign in with a password alone for now; tests of the second factor set
# `second_factor_due` themselves, or use the `login` fixture, which passes the second factor.
SECOND_FACTOR_GRACE = dt.timedelta(days=365)


def make_person(clinic: Clinic, role: Role = Role.CLINICIAN, name: str = "") -> User:
    n = next(_counter)
    person = person_create(
        clinic=clinic,
        email=f"person{n}@{clinic.slug}.example",
        full_name=name or f"{role.label} {n}",
        role=role,
        password=PASSWORD,
    )
    person.second_factor_due = timezone.now() + SECOND_FACTOR_GRACE
    person.save(update_fields=["second_factor_due"])
    return person


def make_client(clinic: Clinic, code: str = "", created_by: User | None = None) -> Client:
    return client_create(
        clinic=clinic, code=code or f"C{next(_counter):04d}", created_by=created_by
    )


def make_case(
    clinician: User, *, kind: str = "individual", clients: list[Client] | None = None
) -> Case:
    assert clinician.clinic is not None
    count = 1 if kind == "individual" else 2
    chosen = clients or [make_client(clinician.clinic) for _ in range(count)]
    labels = [] if kind == "individual" else [f"Partner {'AB'[i]}" for i in range(len(chosen))]
    return case_create(
        clinic=clinician.clinic, kind=kind, clients=chosen, clinicians=[clinician], labels=labels
    )


def make_session(
    case: Case, number: int | None = None, attendance: str = Attendance.ATTENDED
) -> TherapySession:
    return session_record(
        case=case,
        date=dt.date(2026, 1, 5) + dt.timedelta(weeks=(number or 1) - 1),
        attendance=attendance,
        number=number,
    )


@dataclass
class ClinicWorld:
    """One clinic with a person in every role, a supervisor supervising the trainee, and one
    case each for the clinician and the trainee, plus an unrelated second clinician."""

    clinic: Clinic
    admin: User
    supervisor: User
    clinician: User
    trainee: User
    colleague: User
    case: Case
    trainee_case: Case
    colleague_case: Case
    session: TherapySession


def make_world(name: str = "") -> ClinicWorld:
    clinic = make_clinic(name)
    admin = make_person(clinic, Role.ADMIN)
    supervisor = make_person(clinic, Role.SUPERVISOR)
    clinician = make_person(clinic, Role.CLINICIAN)
    trainee = make_person(clinic, Role.TRAINEE)
    colleague = make_person(clinic, Role.CLINICIAN)
    supervision_start(supervisor=supervisor, supervisee=trainee)
    case = make_case(clinician)
    return ClinicWorld(
        clinic=clinic,
        admin=admin,
        supervisor=supervisor,
        clinician=clinician,
        trainee=trainee,
        colleague=colleague,
        case=case,
        trainee_case=make_case(trainee),
        colleague_case=make_case(colleague),
        session=make_session(case, 1),
    )
