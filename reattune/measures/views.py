"""Measure pages: what each measure asks and where its numbers come from, and the clinic
admin's schedule. Any clinic member may read; only a clinic admin changes the schedule."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from reattune.clinics.http import NO_CLINIC
from reattune.clinics.models import Clinic, Role, User
from reattune.measures import registry
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.forms import ScheduleForm, schedule_of

SCHEDULE_SAVED = "The measure schedule is saved."
ADMINS_ONLY = "Only a clinic admin can change which measures the clinic runs."


def _clinic_for(request: HttpRequest) -> Clinic:
    """The viewer's own clinic; 403 for an installation superuser who belongs to none."""
    user = request.user
    if not isinstance(user, User) or user.clinic is None:
        raise PermissionDenied(NO_CLINIC)
    return user.clinic


def _admin_clinic_for(request: HttpRequest) -> Clinic:
    """The clinic a clinic admin manages; 403 for everyone else."""
    clinic = _clinic_for(request)
    if getattr(request.user, "role", None) != Role.ADMIN:
        raise PermissionDenied(ADMINS_ONLY)
    return clinic


def _definition_or_404(measure_id: str) -> MeasureDefinition:
    try:
        return registry.get_definition(measure_id)
    except KeyError:
        raise Http404("This installation has no measure with that id.") from None


@login_required
@require_safe
def measure_list(request: HttpRequest) -> HttpResponse:
    schedule = schedule_of(_clinic_for(request))
    definitions = sorted(registry.all_definitions().values(), key=lambda d: d.title.lower())
    rows = [(d, schedule.get(d.id)) for d in definitions]
    return render(request, "measures/list.html", {"rows": rows})


@login_required
@require_safe
def measure_detail(request: HttpRequest, measure_id: str) -> HttpResponse:
    schedule = schedule_of(_clinic_for(request))
    definition = _definition_or_404(measure_id)
    context = {
        "measure": definition,
        "row": schedule.get(definition.id),
        "reverse_items": [i for i in definition.items if i.id in definition.reverse_items],
        "safety_items": [i for i in definition.items if i.is_safety],
    }
    return render(request, "measures/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def measure_schedule(request: HttpRequest) -> HttpResponse:
    clinic = _admin_clinic_for(request)
    definitions = registry.all_definitions().values()
    data = request.POST if request.method == "POST" else None
    form = ScheduleForm(data, clinic=clinic, definitions=definitions)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, SCHEDULE_SAVED)
        return redirect("measure_schedule")
    return render(request, "measures/schedule.html", {"form": form})
