"""Typed request for views behind login_required, and the one way to get a person's clinic."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from reattune.clinics.models import Clinic, User

NO_CLINIC = "This account belongs to no clinic. Ask your clinic admin to add you to one."


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def clinic_id_of(user: User) -> int:
    """The person's clinic id; an installation superuser outside every clinic gets a 403."""
    if user.clinic_id is None:
        raise PermissionDenied(NO_CLINIC)
    return user.clinic_id


def clinic_of(user: User) -> Clinic:
    if user.clinic is None:
        raise PermissionDenied(NO_CLINIC)
    return user.clinic


def admin_clinic_of(user: User, refusal: str) -> Clinic:
    """The clinic this clinic admin manages; a 403 saying `refusal` for everyone else."""
    clinic = clinic_of(user)
    if not user.is_clinic_admin:
        raise PermissionDenied(refusal)
    return clinic
