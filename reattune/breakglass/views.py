"""Asking for emergency access, ending it, and the clinic admin's list of grants."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reattune.breakglass.forms import GrantForm
from reattune.breakglass.models import Grant
from reattune.breakglass.reauth import has_authenticator
from reattune.breakglass.services import (
    ADMINS_DO_NOT_NEED_IT,
    client_in_reach,
    grant_end,
    grant_open,
    grant_revoke,
)
from reattune.clinics.http import AuthedRequest, admin_clinic_of, clinic_id_of
from reattune.clinics.models import User
from reattune.core.pagination import paginate

ADMINS_ONLY = "Only a clinic admin can see and revoke the clinic's emergency access."
ALREADY_IN_REACH = "You can already open {code}, so no emergency access is needed."
GRANTED = (
    "You have emergency access to {code} until {until:%H:%M}. Every page you open is recorded, "
    "and your clinic admin is told by email."
)
ENDED = "Your emergency access to {code} has ended."
REVOKED = "{person}'s emergency access to {code} is revoked."


def _caseload_holder(user: User) -> User:
    """Anyone who carries a caseload in a clinic; admins see every client already (403)."""
    clinic_id_of(user)
    if not user.holds_caseload:
        raise PermissionDenied(ADMINS_DO_NOT_NEED_IT)
    return user


def get_own_grant(user: User, grant_id: int) -> Grant:
    """One of the person's own grants; anyone else's is a 404."""
    return get_object_or_404(
        Grant.objects.filter(person_id=user.pk, clinic_id=clinic_id_of(user)).select_related(
            "client"
        ),
        pk=grant_id,
    )


def get_grant_for_admin(user: User, grant_id: int) -> Grant:
    """A grant in the viewer's own clinic: 404 outside it for everyone, 403 inside it for
    anyone but an admin."""
    grant = get_object_or_404(
        Grant.objects.in_clinic(clinic_id_of(user)).select_related("client", "person"),
        pk=grant_id,
    )
    admin_clinic_of(user, ADMINS_ONLY)
    return grant


@login_required
@require_http_methods(["GET", "POST"])
def request_access(request: AuthedRequest) -> HttpResponse:
    person = _caseload_holder(request.user)
    needs_code = has_authenticator(person)
    form = GrantForm(request.POST or None, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        known = client_in_reach(person=person, code=data["code"])
        if known is not None:
            messages.info(request, ALREADY_IN_REACH.format(code=known.code))
            return redirect("client_detail", client_id=known.pk)
        try:
            grant = grant_open(
                person=person,
                code=data["code"],
                reason=data["reason"],
                password=data["password"],
                otp_code=data.get("otp_code", ""),
                request=request,
                site_url=settings.BASE_URL or request.build_absolute_uri("/"),
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            until = timezone.localtime(grant.expires_at)
            messages.warning(request, GRANTED.format(code=grant.client.code, until=until))
            return redirect("client_detail", client_id=grant.client_id)
    recent = Grant.objects.filter(person=person).select_related("client")[:10]
    context = {
        "form": form,
        "needs_code": needs_code,
        "minutes": settings.BREAK_GLASS_MINUTES,
        "recent": recent,
    }
    return render(request, "breakglass/request.html", context)


@login_required
@require_POST
def end(request: AuthedRequest, grant_id: int) -> HttpResponse:
    grant = get_own_grant(request.user, grant_id)
    try:
        grant_end(grant=grant, request=request)
    except ValidationError as e:
        messages.info(request, e.messages[0])
    else:
        messages.success(request, ENDED.format(code=grant.client.code))
    return redirect("home")


@login_required
@require_safe
def grants(request: AuthedRequest) -> HttpResponse:
    clinic_id = admin_clinic_of(request.user, ADMINS_ONLY).pk
    rows = Grant.objects.in_clinic(clinic_id).select_related("person", "client", "revoked_by")
    page = paginate(request, rows)
    return render(request, "breakglass/grants.html", {"page": page})


@login_required
@require_POST
def revoke(request: AuthedRequest, grant_id: int) -> HttpResponse:
    grant = get_grant_for_admin(request.user, grant_id)
    try:
        grant_revoke(grant=grant, admin=request.user, request=request)
    except ValidationError as e:
        messages.info(request, e.messages[0])
    else:
        messages.success(request, REVOKED.format(person=grant.person, code=grant.client.code))
    return redirect("breakglass_grants")
