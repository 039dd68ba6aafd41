"""Recording clients, cases and sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reattune.cases.models import (
    Attendance,
    Case,
    CaseClinician,
    CaseKind,
    Client,
    Participant,
    TherapySession,
)
from reattune.clinics.models import Clinic, User

SESSION_NUMBER_TAKEN = (
    "Session {number} is already in this case's log. Pick the next free number ({free})."
)
CLIENT_CODE_TAKEN = "Another client in this clinic already has the code {code!r}."
CLINICIAN_OTHER_CLINIC = "A case can only be assigned to clinicians of the same clinic."
NOT_ENOUGH_PARTICIPANTS = "A {kind} case needs at least {minimum} participants."

MINIMUM_PARTICIPANTS = {
    CaseKind.INDIVIDUAL: 1,
    CaseKind.COUPLE: 2,
    CaseKind.FAMILY: 2,
    CaseKind.GROUP: 2,
}


def client_create(
    *,
    clinic: Clinic,
    code: str,
    name: str = "",
    date_of_birth: dt.date | None = None,
    email: str = "",
    created_by: User | None = None,
) -> Client:
    client = Client(
        clinic=clinic,
        code=code.strip(),
        name=name,
        date_of_birth=date_of_birth,
        email=email,
        created_by=created_by,
    )
    if Client.objects.filter(clinic=clinic, code__iexact=client.code).exists():
        raise ValidationError({"code": CLIENT_CODE_TAKEN.format(code=client.code)})
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def case_create(
    *,
    clinic: Clinic,
    kind: str,
    clients: Sequence[Client],
    clinicians: Sequence[User],
    title: str = "",
    labels: Sequence[str] = (),
    opened_on: dt.date | None = None,
) -> Case:
    minimum = MINIMUM_PARTICIPANTS[CaseKind(kind)]
    if len(clients) < minimum:
        raise ValidationError(
            NOT_ENOUGH_PARTICIPANTS.format(kind=CaseKind(kind).label.lower(), minimum=minimum)
        )
    if any(c.clinic_id != clinic.pk for c in clinicians) or any(
        c.clinic_id != clinic.pk for c in clients
    ):
        raise ValidationError(CLINICIAN_OTHER_CLINIC)
    case = Case(clinic=clinic, kind=kind, title=title)
    if opened_on:
        case.opened_on = opened_on
    case.full_clean()
    case.save()
    for n, client in enumerate(clients):
        label = labels[n] if n < len(labels) else ""
        Participant.objects.create(clinic=clinic, case=case, client=client, label=label)
    for clinician in clinicians:
        CaseClinician.objects.create(clinic=clinic, case=case, clinician=clinician)
    return case


def session_record(
    *,
    case: Case,
    date: dt.date,
    attendance: str = Attendance.ATTENDED,
    number: int | None = None,
) -> TherapySession:
    """Add a session to the log; the number defaults to the next free one."""
    chosen = number or case.next_session_number()
    session = TherapySession(
        clinic_id=case.clinic_id, case=case, number=chosen, date=date, attendance=attendance
    )
    session.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        raise ValidationError(
            {"number": SESSION_NUMBER_TAKEN.format(number=chosen, free=case.next_session_number())}
        ) from None
    _detect_after_commit(session)
    return session


def session_attendance_set(*, session: TherapySession, attendance: str) -> TherapySession:
    session.attendance = attendance
    session.full_clean(validate_constraints=False)
    session.save(update_fields=["attendance"])
    _detect_after_commit(session)
    return session


def _detect_after_commit(session: TherapySession) -> None:
    """A missed session can itself be a signal (disengagement after a rupture, a repair whose
    window ran out), so detection runs when attendance is recorded, not only on answers."""
    if session.attendance in (Attendance.CANCELLED, Attendance.NO_SHOW):
        from reattune.alerts.services import alerts_raise_for_session

        transaction.on_commit(partial(alerts_raise_for_session, session=session))
