"""Opening, ending and revoking break-glass grants, with their audit rows and the notice to
the clinic's admins."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reattune.audit import log as audit
from reattune.audit.models import Action, Category, Outcome
from reattune.breakglass.models import Grant
from reattune.breakglass.reauth import has_authenticator, reauthenticate
from reattune.cases.models import Client
from reattune.clinics.http import clinic_id_of
from reattune.clinics.models import Role, User

logger = logging.getLogger(__name__)

ADMINS_DO_NOT_NEED_IT = (
    "Clinic admins already see every client in the clinic, so there is no emergency access "
    "to ask for."
)
REAUTH_FAILED = (
    "That password or authenticator code is not right, so nothing was opened. "
    "Several wrong tries lock your account for a while."
)
# The same words whether the code is unknown or belongs to another clinic: other clinics'
# clients are never reachable, and this never says that they exist.
NO_SUCH_CLIENT = "There is no client with that code in your clinic. Please check the code."
ALREADY_ENDED = "This emergency access has already ended."
NOTICE_SUBJECT = "Emergency access used at {clinic}"

TARGET_REQUEST = "breakglass_request"
TARGET_END = "breakglass_end"
TARGET_REVOKE = "breakglass_revoke"


def _by_code(clients: QuerySet[Client], code: str) -> Client | None:
    exact = clients.filter(code=code).first()
    if exact is not None:
        return exact
    # A phone's automatic capital should not stop anyone in an emergency; but only if the
    # code is unambiguous without its case.
    loose = list(clients.filter(code__iexact=code)[:2])
    return loose[0] if len(loose) == 1 else None


def client_in_reach(*, person: User, code: str) -> Client | None:
    """The client with this code if the person can already open them (their caseload, or a
    grant they hold now). Needs no re-authentication: it only finds what they already see."""
    return _by_code(Client.objects.for_user(person), code)


def _refuse(*, person: User, request: HttpRequest | None, message: str) -> ValidationError:
    audit.record(
        category=Category.CLIENT,
        action=Action.BREAK_GLASS,
        outcome=Outcome.DENIED,
        user=person,
        clinic_id=person.clinic_id,
        target=TARGET_REQUEST,
        request=request,
        flagged=True,
    )
    return ValidationError(message)


def grant_open(
    *,
    person: User,
    code: str,
    reason: str,
    password: str,
    otp_code: str,
    request: HttpRequest,
    site_url: str,
) -> Grant:
    """Check the person again (password, and authenticator code if they have one), find the
    client in their own clinic, and open a grant for BREAK_GLASS_MINUTES. Writes a flagged
    audit row either way and emails the clinic's admins. Raises ValidationError on refusal."""
    clinic_id = clinic_id_of(person)
    if person.role == Role.ADMIN:
        raise PermissionDenied(ADMINS_DO_NOT_NEED_IT)
    if not reauthenticate(request=request, person=person, password=password, code=otp_code):
        raise _refuse(person=person, request=request, message=REAUTH_FAILED)
    client = _by_code(Client.objects.filter(clinic_id=clinic_id), code)
    if client is None:
        raise _refuse(person=person, request=request, message=NO_SUCH_CLIENT)
    with transaction.atomic():
        now = timezone.now()
        grant = Grant(
            clinic_id=clinic_id,
            person=person,
            client=client,
            reason=reason,
            second_factor=has_authenticator(person),
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        grant.full_clean()
        grant.save()
        # In the same transaction: no grant without its flagged audit row (fail-closed).
        audit.record(
            category=Category.CLIENT,
            action=Action.BREAK_GLASS,
            outcome=Outcome.OK,
            user=person,
            client_id=client.pk,
            clinic_id=person.clinic_id,
            target=TARGET_REQUEST,
            request=request,
            flagged=True,
        )
        # Only once the grant and its audit row are safely stored: an email about access that
        # was then rolled back would send the admin looking for nothing.
        transaction.on_commit(partial(notice_send, grant_id=grant.pk, site_url=site_url))
    return grant


def notice_send(*, grant_id: int, site_url: str) -> bool:
    """Tell the clinic's admins: who, which client code, until when, and where to read the
    reason. Never the client's name or the reason itself (it may hold clinical detail).
    Marks the grant `notice_sent`; False if there was nobody to tell or the mail failed, which
    the grants page shows."""
    grant = Grant.objects.select_related("person", "client", "clinic").get(pk=grant_id)
    admins = User.objects.filter(clinic_id=grant.clinic_id, role=Role.ADMIN, is_active=True)
    recipients = [a.email for a in admins.exclude(email="").order_by("pk")]
    if not recipients:
        logger.warning("Break-glass grant %s: the clinic has no active admin to tell", grant.pk)
        return False
    body = render_to_string(
        "breakglass/email_notice.txt",
        {
            "grant": grant,
            "minutes": settings.BREAK_GLASS_MINUTES,
            "link": site_url.rstrip("/") + reverse("breakglass_grants"),
        },
    )
    try:
        send_mail(
            subject=NOTICE_SUBJECT.format(clinic=grant.clinic.name),
            message=body,
            from_email=None,
            recipient_list=recipients,
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send the break-glass notice for grant %s", grant.pk)
        return False
    Grant.objects.filter(pk=grant.pk).update(notice_sent=True)
    return True


@transaction.atomic
def grant_end(*, grant: Grant, request: HttpRequest | None = None) -> Grant:
    """The person says they are done: access stops now."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    if not grant.is_active:
        raise ValidationError(ALREADY_ENDED)
    grant.ended_at = timezone.now()
    grant.full_clean()
    grant.save(update_fields=["ended_at"])
    _record_change(grant=grant, user=grant.person, target=TARGET_END, request=request)
    return grant


@transaction.atomic
def grant_revoke(*, grant: Grant, admin: User, request: HttpRequest | None = None) -> Grant:
    """A clinic admin stops someone's emergency access now."""
    if admin.role != Role.ADMIN or admin.clinic_id != grant.clinic_id:
        raise PermissionDenied
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    if not grant.is_active:
        raise ValidationError(ALREADY_ENDED)
    grant.revoked_at = timezone.now()
    grant.revoked_by = admin
    grant.full_clean()
    grant.save(update_fields=["revoked_at", "revoked_by"])
    _record_change(grant=grant, user=admin, target=TARGET_REVOKE, request=request)
    return grant


def _record_change(*, grant: Grant, user: User, target: str, request: HttpRequest | None) -> None:
    audit.record(
        category=Category.CLIENT,
        action=Action.BREAK_GLASS,
        outcome=Outcome.OK,
        user=user,
        client_id=grant.client_id,
        clinic_id=grant.clinic_id,
        target=target,
        request=request,
    )
