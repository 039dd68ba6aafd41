"""Setting up a clinic and its people."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from reattune.clinics.http import clinic_of
from reattune.clinics.models import Clinic, Role, Supervision, User
from reattune.measures.models import MeasureSchedule

SUPERVISION_ACROSS_CLINICS = "A supervisor and supervisee must belong to the same clinic."

# A new clinic starts with the alliance check after every session and PHQ-9 and GAD-7 every
# session; the admin can change this on the measures page.
DEFAULT_SCHEDULE = (("alliance", 1), ("phq9", 1), ("gad7", 1))


@transaction.atomic
def clinic_create(*, name: str, slug: str) -> Clinic:
    clinic = Clinic(name=name, slug=slug)
    clinic.full_clean()
    clinic.save()
    for position, (measure_id, every) in enumerate(DEFAULT_SCHEDULE):
        MeasureSchedule.objects.create(
            clinic=clinic, measure_id=measure_id, every_n_sessions=every, position=position
        )
    return clinic


def person_create(
    *, clinic: Clinic, email: str, full_name: str, role: Role, password: str | None = None
) -> User:
    return User.objects.create_user(
        email=email, password=password, full_name=full_name, clinic=clinic, role=role
    )


def supervision_start(*, supervisor: User, supervisee: User) -> Supervision:
    if supervisor.clinic_id != supervisee.clinic_id:
        raise ValidationError(SUPERVISION_ACROSS_CLINICS)
    link = Supervision(clinic=clinic_of(supervisor), supervisor=supervisor, supervisee=supervisee)
    link.full_clean()
    link.save()
    return link
