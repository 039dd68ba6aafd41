"""The web import, run as a django-tasks task by `reattune worker` (docs/worker.md), or in
the request with the immediate backend. Either way the job row says how it ended and the
progress file shows how far it has got, so the admin's page needs nothing from the process
that runs it."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from reattune.imports.models import ImportJob, ImportStatus
from reattune.imports.plan import ImportRefused, import_plan
from reattune.imports.progress import FileProgress
from reattune.imports.services import ImportFailed, scores_import
from reattune.imports.sweep import uploads_sweep

logger = logging.getLogger(__name__)

UNEXPECTED = "The import stopped on an unexpected error, and nothing was imported. {error}"


@task()
def run_import(job_id: int, clinic_id: int | None = None) -> str:
    """Import a checked and confirmed job's file; return its final status. `clinic_id` (the
    job's clinic) shows a failure to that clinic's admin (docs/worker.md)."""
    uploads_sweep()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("clinic", "created_by").get(pk=job_id)
    if not claimed:
        return job.status  # already run, or cancelled: never import a file twice
    try:
        # Checked again: the clinic may have changed since the dry run.
        plan = import_plan(
            clinic=job.clinic,
            path=job.upload_path,
            source=job.file_name,
            close_cases=job.close_cases,
        )
        summary = scores_import(
            plan=plan,
            by=job.created_by,
            progress=FileProgress(job.progress_path),
            job_id=job.pk,
        )
    except (ImportRefused, ImportFailed) as e:
        _finish(job, ImportStatus.FAILED, problems=str(e))
    except Exception as e:
        logger.exception("Import %s failed", job.pk)
        _finish(job, ImportStatus.FAILED, problems=UNEXPECTED.format(error=type(e).__name__))
    else:
        _finish(job, ImportStatus.DONE, summary=summary.as_dict())
    return job.status


def _finish(job: ImportJob, status: str, **fields: object) -> None:
    with transaction.atomic():
        for name, value in fields.items():
            setattr(job, name, value)
        job.status = status
        job.finished_at = timezone.now()
        job.save()
    job.upload_path.unlink(missing_ok=True)
    job.progress_path.unlink(missing_ok=True)
