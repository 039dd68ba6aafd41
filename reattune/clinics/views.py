"""The clinic admin's people pages: who works in the clinic, their roles, whether they may log
in, and who supervises whom. Only a clinic admin may use them, and every id is looked up inside
the admin's own clinic."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reattune.accounts.second_factor import has_second_factor
from reattune.clinics.forms import PersonChangeForm, PersonForm, SupervisionForm
from reattune.clinics.http import AuthedRequest, admin_clinic_of, clinic_id_of
from reattune.clinics.models import Supervision, User
from reattune.clinics.services import (
    invitation_send,
    person_add,
    person_update,
    supervision_add,
    supervision_end,
)
from reattune.core.pagination import paginate

ADMINS_ONLY = "Only a clinic admin can manage the clinic's people."
INVITED = "{name} is added, and an invitation to set a password is on its way to {email}."
INVITE_NOT_SENT = (
    "{name} is added, but the invitation email could not be sent. "
    "Try again from their page in a moment."
)
INVITE_RESENT = "A new invitation is on its way to {email}."
INVITE_NOT_NEEDED = "{name} has already chosen a password, so there is no invitation to send."
INVITE_INACTIVE = "{name} is deactivated. Reactivate them before inviting them again."
PERSON_SAVED = "Changes to {name} are saved."
SUPERVISION_ADDED = "{supervisor} now supervises {supervisee}."
SUPERVISION_ENDED = "{supervisor} no longer supervises {supervisee}."


def get_person_for_admin(user: User, person_id: int) -> User:
    """A person in the viewer's own clinic. The clinic scope comes first, so an id from another
    clinic is a 404 for everyone; within the clinic, anyone but an admin gets a 403."""
    person = get_object_or_404(User.objects.filter(clinic_id=clinic_id_of(user)), pk=person_id)
    admin_clinic_of(user, ADMINS_ONLY)
    return person


def get_supervision_for_admin(user: User, supervision_id: int) -> Supervision:
    """A supervision link in the viewer's own clinic; 404 outside it, 403 for a non-admin."""
    link = get_object_or_404(
        Supervision.objects.filter(clinic_id=clinic_id_of(user)).select_related(
            "supervisor", "supervisee"
        ),
        pk=supervision_id,
    )
    admin_clinic_of(user, ADMINS_ONLY)
    return link


def _site_url(request: HttpRequest) -> str:
    """Where emailed links point: REATTUNE_BASE_URL if set, else the address in use."""
    return settings.BASE_URL or request.build_absolute_uri("/")


@login_required
@require_safe
def people(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    active_links = Supervision.objects.active()
    persons = (
        User.objects.filter(clinic=clinic)
        .order_by("-is_active", "full_name", "email", "pk")
        .prefetch_related(
            Prefetch(
                "supervisor_links",
                queryset=active_links.select_related("supervisor"),
                to_attr="current_supervisor_links",
            ),
            Prefetch(
                "supervisees_links",
                queryset=active_links.select_related("supervisee"),
                to_attr="current_supervisee_links",
            ),
        )
    )
    return render(request, "clinics/people.html", {"people": paginate(request, persons)})


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_add(clinic=clinic, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if invitation_send(person=person, site_url=_site_url(request)):
                messages.success(request, INVITED.format(name=person, email=person.email))
            else:
                messages.warning(request, INVITE_NOT_SENT.format(name=person))
            return redirect("person_detail", person_id=person.pk)
    return render(request, "clinics/person_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def person_detail(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = get_person_for_admin(request.user, person_id)
    initial = {"role": person.role, "is_active": person.is_active}
    form = PersonChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person_update(person=person, changed_by=request.user, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, PERSON_SAVED.format(name=person))
            # An admin who has just handed over the role can no longer open the people page.
            request.user.refresh_from_db(fields=["role"])
            return redirect("people" if request.user.is_clinic_admin else "home")
    second_factor_set = has_second_factor(person)
    context = {"person": person, "form": form, "second_factor_set": second_factor_set}
    return render(request, "clinics/person_detail.html", context)


@login_required
@require_POST
def person_reinvite(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = get_person_for_admin(request.user, person_id)
    if person.has_usable_password():
        messages.error(request, INVITE_NOT_NEEDED.format(name=person))
    elif not person.is_active:
        messages.error(request, INVITE_INACTIVE.format(name=person))
    elif invitation_send(person=person, site_url=_site_url(request)):
        messages.success(request, INVITE_RESENT.format(email=person.email))
    else:
        messages.error(request, INVITE_NOT_SENT.format(name=person))
    return redirect("person_detail", person_id=person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def person_supervision(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = get_person_for_admin(request.user, person_id)
    form = SupervisionForm(request.POST or None, supervisee=person)
    if request.method == "POST" and form.is_valid():
        try:
            link = supervision_add(supervisee=person, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            names = {"supervisor": link.supervisor, "supervisee": person}
            messages.success(request, SUPERVISION_ADDED.format(**names))
            return redirect("person_supervision", person_id=person.pk)
    today = timezone.localdate()
    links = person.supervisor_links.select_related("supervisor").order_by("-starts_on", "pk")
    context = {
        "person": person,
        "form": form,
        "today": today,
        # A link ending today still gives access today (`active()` counts the end date).
        "current": [s for s in links if s.ends_on is None or s.ends_on >= today],
        "ended": [s for s in links if s.ends_on is not None and s.ends_on < today],
        "supervisees": Supervision.objects.active()
        .filter(supervisor=person)
        .select_related("supervisee")
        .order_by("supervisee__full_name"),
    }
    return render(request, "clinics/person_supervision.html", context)


@login_required
@require_POST
def supervision_end_view(request: AuthedRequest, supervision_id: int) -> HttpResponse:
    link = get_supervision_for_admin(request.user, supervision_id)
    supervision_end(supervision=link)
    names = {"supervisor": link.supervisor, "supervisee": link.supervisee}
    messages.success(request, SUPERVISION_ENDED.format(**names))
    return redirect("person_supervision", person_id=link.supervisee_id)
