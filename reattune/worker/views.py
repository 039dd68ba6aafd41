"""The clinic admin's failed tasks page: what kept failing in the background, with a retry
and a dismiss button each. Clinic admins only (everyone else 403); another clinic's task is a
404, since its id is looked up among the admin's clinic's tasks only."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from reattune.clinics.http import AuthedRequest, admin_clinic_of
from reattune.worker.backend import QueueFull
from reattune.worker.failed import (
    TaskGone,
    failed_task_dismiss,
    failed_task_retry,
    failed_tasks_for_clinic,
    get_failed_task_for_admin,
    installation_failures,
    task_words,
)

ADMINS_ONLY = "Only a clinic admin can see and retry the clinic's failed background tasks."
RETRIED = "{what}: queued to run again."
DISMISSED = "{what}: dismissed. It will not be run again."


@login_required
@require_safe
def failed_task_list(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    context = {
        "tasks": failed_tasks_for_clinic(clinic),
        "installation_failed": installation_failures().count(),
    }
    return render(request, "worker/failed_tasks.html", context)


@login_required
@require_POST
def failed_task_retry_view(request: AuthedRequest, task_id: UUID) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    row = get_failed_task_for_admin(clinic, task_id)
    try:
        failed_task_retry(row=row, by=request.user)
    except (QueueFull, TaskGone) as e:
        messages.error(request, str(e))
    else:
        messages.success(request, RETRIED.format(what=task_words(row.task_path)))
    return redirect("failed_task_list")


@login_required
@require_POST
def failed_task_dismiss_view(request: AuthedRequest, task_id: UUID) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    row = get_failed_task_for_admin(clinic, task_id)
    failed_task_dismiss(row=row, by=request.user)
    messages.success(request, DISMISSED.format(what=task_words(row.task_path)))
    return redirect("failed_task_list")
