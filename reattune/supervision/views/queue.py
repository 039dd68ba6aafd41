"""The supervision queue page and "bring to supervision"."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Client
from reattune.clinics.http import AuthedRequest
from reattune.clinics.models import User
from reattune.repairs.models import Repair
from reattune.supervision import services
from reattune.supervision.forms import RequestForm
from reattune.supervision.left import recently_left
from reattune.supervision.queue import on_draft_agenda, queue_for, queue_scope

QUEUE_NOT_FOR_ADMINS = (
    "The supervision queue belongs to supervisors and the people they supervise. "
    "Clinic admins see every record from the caseload pages."
)
CASELOAD_ONLY = "Only people who carry a caseload can bring something to supervision."
REQUEST_TARGETS = {"alert": Alert, "repair": Repair, "client": Client}


@login_required
def supervision_queue(request: AuthedRequest) -> HttpResponse:
    """For a supervisor: their current supervisees' items, grouped by supervisee, each group
    with a form to start a meeting from the ticked items. For anyone else: their own items."""
    user = request.user
    if user.is_clinic_admin:
        raise PermissionDenied(QUEUE_NOT_FOR_ADMINS)
    cases = queue_scope(user)  # read once, for the queue and what left it
    drafts = on_draft_agenda(user)
    entries: list[dict[str, Any]] = [
        {"item": item, "draft": drafts.get(item.key)} for item in queue_for(user, cases=cases)
    ]
    context = {
        "entries": entries,
        "groups": _by_supervisee(entries, cases.owners) if user.is_supervisor else [],
        "left": recently_left(user, cases=cases),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/queue.html", context)


def _by_supervisee(entries: list[dict[str, Any]], owners: list[int]) -> list[dict[str, Any]]:
    """A group for each supervisee, every one of them, each with a meeting form: the items of
    their cases in the queue's order (an item of a case two of them share is under both)."""
    theirs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        for pk in entry["item"].clinician_ids:
            theirs[pk].append(entry)
    people = User.objects.filter(pk__in=owners).order_by("full_name")
    return [
        {"person": person, "entries": theirs[person.pk], "form_key": uuid.uuid4()}
        for person in people
    ]


@login_required
def request_new(request: AuthedRequest, target: str, target_id: int) -> HttpResponse:
    """ "Bring to supervision" on an alert, a repair or a client the person can see."""
    model = REQUEST_TARGETS.get(target)
    if model is None:
        raise Http404
    record = get_object_or_404(model.objects.for_user(request.user), pk=target_id)  # type: ignore[attr-defined]
    if not request.user.holds_caseload:
        raise PermissionDenied(CASELOAD_ONLY)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, created = services.request_create(
            by=request.user, note=form.cleaned_data["note"], **{target: record}
        )
        if created:
            messages.success(request, "Added to the supervision queue.")
        else:
            messages.info(request, services.ALREADY_ASKED)
        return redirect("supervision_queue")
    context = {"form": form, "record": record, "target": target}
    return render(request, "supervision/request_new.html", context)
