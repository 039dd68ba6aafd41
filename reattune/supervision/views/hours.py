"""A person's hours against their targets: seen by the person, their current supervisors and
the clinic admins; anyone else (another trainee, another clinic) gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reattune.clinics.http import AuthedRequest, clinic_id_of
from reattune.clinics.models import User
from reattune.core.pagination import paginate
from reattune.supervision import hours as rules
from reattune.supervision.forms import HoursForm, TargetForm
from reattune.supervision.models import HoursEntry

CANNOT_RECORD = "Only the person or their supervisor records hours."
CANNOT_SET_TARGET = "Only a current supervisor or a clinic admin sets a target."


def _person(request: AuthedRequest, person_id: int | None) -> User:
    if person_id is None:
        return request.user
    person = get_object_or_404(User, pk=person_id, clinic_id=clinic_id_of(request.user))
    if not rules.can_see_hours(request.user, person):
        raise Http404
    return person


def _page(request: AuthedRequest, person: User, **forms: object) -> HttpResponse:
    context = {
        "person": person,
        "progress": rules.progress_of(person),
        "entries": paginate(
            request,
            HoursEntry.objects.filter(person=person)
            .select_related("recorded_by")
            .order_by("-on", "-pk"),
        ),
        "can_record": rules.can_record_hours(request.user, person),
        "can_set_target": rules.can_set_target(request.user, person),
        "form": forms.get("form") or HoursForm(),
        "target_form": forms.get("target_form") or TargetForm(),
    }
    status = 400 if forms else 200
    return render(request, "supervision/hours.html", context, status=status)


@login_required
def hours(request: AuthedRequest, person_id: int | None = None) -> HttpResponse:
    person = _person(request, person_id)
    if request.method != "POST":
        return _page(request, person)
    if not rules.can_record_hours(request.user, person):
        raise PermissionDenied(CANNOT_RECORD)
    form = HoursForm(request.POST)
    if form.is_valid():
        try:
            _, created = rules.hours_add(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if created:
                messages.success(request, "Hours recorded.")
            return redirect(request.path)
    return _page(request, person, form=form)


@login_required
@require_POST
def hours_target(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    if not rules.can_set_target(request.user, person):
        raise PermissionDenied(CANNOT_SET_TARGET)
    form = TargetForm(request.POST)
    if not form.is_valid():
        return _page(request, person, target_form=form)
    rules.target_set(person=person, by=request.user, **form.cleaned_data)
    messages.success(request, "Target saved.")
    return redirect("hours_person", person_id=person.pk)
