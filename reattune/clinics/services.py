"""Setting up a clinic and its people."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from reattune.accounts.sessions import sessions_end
from reattune.clinics.http import clinic_id_of, clinic_of
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


EMAIL_TAKEN = (
    "That email address already has an account on this Reattune installation. "
    "Use a different address, or ask the person which one they log in with."
)
CANNOT_DEACTIVATE_SELF = "You can't deactivate your own account. Ask another clinic admin."
LAST_ADMIN = (
    "This is the clinic's last active admin. Make someone else a clinic admin first, "
    "so somebody can still manage the clinic."
)
NOT_A_SUPERVISOR = "Please choose someone in this clinic with the supervisor role."
SELF_SUPERVISION = "Nobody can supervise themselves."
SUPERVISEE_HAS_NO_CASELOAD = "Clinic admins carry no caseload, so they can't be supervised."
ALREADY_SUPERVISED = "That supervisor already supervises this person."
INVITATION_SUBJECT = "You're invited to Reattune at {clinic}"

logger = logging.getLogger(__name__)


@transaction.atomic
def person_add(*, clinic: Clinic, email: str, full_name: str, role: Role) -> User:
    """Add a person to the clinic with no usable password; `invitation_send` gives them the
    way in. Kept apart so the account is committed before any email goes, and a failed email
    can simply be sent again."""
    # Emails are unique across the installation; the message names no clinic.
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    return person_create(clinic=clinic, email=email, full_name=full_name, role=role)


def invitation_send(*, person: User, site_url: str) -> bool:
    """Email a link to set a password, made by the password-reset machinery: the token is
    bound to the password hash, so it stops working once used. False if the mail failed."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    clinic = clinic_of(person)
    body = render_to_string(
        "clinics/invitation_email.txt",
        {
            "person": person,
            "clinic": clinic,
            "link": site_url.rstrip("/") + path,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    try:
        send_mail(
            subject=INVITATION_SUBJECT.format(clinic=clinic.name),
            message=body,
            from_email=None,
            recipient_list=[person.email],
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send the invitation to user %s", person.pk)
        return False
    return True


@transaction.atomic
def person_update(*, person: User, role: Role | str, is_active: bool, changed_by: User) -> User:
    """Change a person's role and whether they may log in. Deactivating someone also ends
    every session they have open, so they are out on their very next request."""
    # One change to a clinic's people at a time, so two admins demoting each other at once
    # can't leave the clinic with none.
    clinic_id = clinic_id_of(person)
    Clinic.objects.select_for_update().filter(pk=clinic_id).first()
    person.refresh_from_db(fields=["role", "is_active"])
    if person.pk == changed_by.pk and not is_active:
        raise ValidationError({"is_active": CANNOT_DEACTIVATE_SELF})
    stays_admin = role == Role.ADMIN and is_active
    if person.role == Role.ADMIN and person.is_active and not stays_admin:
        other_admins = User.objects.filter(
            clinic_id=clinic_id, role=Role.ADMIN, is_active=True
        ).exclude(pk=person.pk)
        if not other_admins.exists():
            raise ValidationError(LAST_ADMIN)
    was_active = person.is_active
    person.role = role
    person.is_active = is_active
    person.full_clean(exclude=["password"])
    person.save(update_fields=["role", "is_active"])
    if was_active and not is_active:
        _end_sessions_of(person)
    return person


def _end_sessions_of(person: User) -> None:
    # Every log-in notes its session key against the person (reattune.accounts.sessions).
    sessions_end(user=person)


@transaction.atomic
def supervision_add(
    *, supervisor: User, supervisee: User, starts_on: dt.date | None = None
) -> Supervision:
    """Link a supervisor and a supervisee from today (or `starts_on`), refusing anything the
    clinic admin's page could get wrong: another clinic, the wrong role, or a link that is
    still running."""
    if supervisor.clinic_id != supervisee.clinic_id:
        raise ValidationError(SUPERVISION_ACROSS_CLINICS)
    if supervisor.pk == supervisee.pk:
        raise ValidationError({"supervisor": SELF_SUPERVISION})
    if supervisor.role != Role.SUPERVISOR:
        raise ValidationError({"supervisor": NOT_A_SUPERVISOR})
    if not supervisee.holds_caseload:
        raise ValidationError(SUPERVISEE_HAS_NO_CASELOAD)
    today = timezone.localdate()
    running = Supervision.objects.filter(supervisor=supervisor, supervisee=supervisee).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today)
    )
    if running.exists():
        raise ValidationError({"supervisor": ALREADY_SUPERVISED})
    link = Supervision(
        clinic=clinic_of(supervisor),
        supervisor=supervisor,
        supervisee=supervisee,
        starts_on=starts_on or today,
    )
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def supervision_end(*, supervision: Supervision) -> Supervision | None:
    """End a link today. A link that has not started yet never took effect, so it is removed
    instead (an end date before the start would break the dates' check constraint)."""
    today = timezone.localdate()
    if supervision.starts_on > today:
        supervision.delete()
        return None
    if supervision.ends_on is None or supervision.ends_on > today:
        supervision.ends_on = today
        supervision.full_clean()
        supervision.save(update_fields=["ends_on"])
    return supervision
