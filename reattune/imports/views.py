"""The clinic admin's import pages: upload and dry run, go-ahead, and progress.

Every job is fetched through the admin's own clinic, so another clinic's job is a 404.
"""

from __future__ import annotations

import os
import unicodedata

from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reattune.clinics.http import AuthedRequest, admin_clinic_of
from reattune.clinics.models import Clinic, User
from reattune.core.pagination import paginate
from reattune.imports.checks import HIDDEN_CATEGORIES
from reattune.imports.forms import UploadForm
from reattune.imports.models import ImportJob, ImportStatus
from reattune.imports.plan import ImportRefused, import_plan
from reattune.imports.progress import progress_folder, read_progress
from reattune.imports.sweep import uploads_sweep
from reattune.imports.tasks import run_import

ADMINS_ONLY = "Only a clinic admin can import scores into the clinic."
NOT_WAITING = "This import is not waiting for a go-ahead (it has run, or was cancelled)."
POLL_SECONDS = 2


def _job(user: User, job_id: int) -> ImportJob:
    clinic = admin_clinic_of(user, ADMINS_ONLY)
    return get_object_or_404(ImportJob.objects.for_clinic(clinic.pk), pk=job_id)


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    uploads_sweep()
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = _checked_upload(
            clinic, request.user, form.cleaned_data["file"], not form.cleaned_data["keep_open"]
        )
        return redirect("import_detail", job.pk)
    jobs = ImportJob.objects.for_clinic(clinic.pk).select_related("created_by")
    page = paginate(request, jobs.order_by("-created_at", "-pk"))
    return render(request, "imports/list.html", {"form": form, "jobs": page})


def _checked_upload(clinic: Clinic, by: User, upload: UploadedFile, close: bool) -> ImportJob:
    """Keep the file in the data folder and run the dry run on it. The file stays only if the
    job is saved as checked, waiting for a go-ahead: whatever else happens (a refusal, an
    error: the request's transaction then drops the job row), it is deleted, since it holds
    client data that no page could then remove."""
    job = ImportJob.objects.create(
        clinic=clinic,
        created_by=by,
        file_name=_file_name(upload),
        close_cases=close,
        status=ImportStatus.CHECKED,
    )
    kept = False
    try:
        progress_folder()
        descriptor = os.open(job.upload_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        try:
            plan = import_plan(
                clinic=clinic, path=job.upload_path, source=job.file_name, close_cases=close
            )
        except ImportRefused as e:
            job.status, job.problems, job.finished_at = (
                ImportStatus.REFUSED,
                str(e),
                timezone.now(),
            )
        else:
            job.summary, job.rows = plan.summary.as_dict(), plan.rows.height
        job.save()
        kept = job.status == ImportStatus.CHECKED
    finally:
        if not kept:
            job.upload_path.unlink(missing_ok=True)
    return job


def _file_name(upload: UploadedFile) -> str:
    """The upload's own name, for the pages and messages: without folders, and with any
    control or invisible character replaced (PostgreSQL refuses NUL in text)."""
    name = os.path.basename(upload.name or "") or "upload.csv"
    shown = "".join("?" if unicodedata.category(ch) in HIDDEN_CATEGORIES else ch for ch in name)
    return shown[:200]


@login_required
@require_safe
def import_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job(request.user, job_id)
    return render(request, "imports/detail.html", _context(job))


@login_required
@require_POST
def import_confirm(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job(request.user, job_id)
    uploads_sweep()
    job.refresh_from_db()
    queued = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.QUEUED
    )
    if not queued:
        return render(request, "imports/detail.html", {**_context(job), "error": NOT_WAITING})
    run_import.enqueue(job.pk, clinic_id=job.clinic_id)
    return redirect("import_detail", job.pk)


@login_required
@require_POST
def import_cancel(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job(request.user, job_id)
    cancelled = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now()
    )
    if cancelled:
        job.upload_path.unlink(missing_ok=True)
    return redirect("import_list")


@login_required
@require_safe
def import_progress(request: AuthedRequest, job_id: int) -> HttpResponse:
    """The progress bar alone, for htmx to poll; without htmx, the whole page."""
    job = _job(request.user, job_id)
    template = "imports/_progress.html" if request.htmx else "imports/detail.html"
    return render(request, template, _context(job))


def _context(job: ImportJob) -> dict[str, object]:
    state = read_progress(job.progress_path) if job.in_progress else None
    if state:
        state["done"], state["total"] = f"{state['done']:,}", f"{state['total']:,}"
    return {
        "job": job,
        "rows": f"{job.rows:,}",
        "state": state,
        "poll_seconds": POLL_SECONDS,
        "report": _report(job.summary),
        "Status": ImportStatus,
    }


REPORT = (
    ("rows", "Rows in the file"),
    ("clients_new", "New clients"),
    ("clients_reused", "Clients already in the clinic"),
    ("cases_new", "New cases"),
    ("cases_closed", "…of them closed at their last session"),
    ("cases_reused", "Cases already in the clinic"),
    ("participants_new", "New participants in cases"),
    ("sessions_new", "New sessions"),
    ("sessions_missed_new", "…of them missed (cancelled or no show)"),
    ("sessions_reused", "Sessions already in the clinic"),
    ("responses_new", "New responses (answers)"),
)


def _report(summary: dict[str, int]) -> list[tuple[str, str]]:
    return [(label, f"{summary[key]:,}") for key, label in REPORT if key in summary]
