"""The web import, run as a django-tasks task by `reattune worker` (docs/worker.md), or in
the request with the immediate backend. Either way the job row says how it ended and the
progress file shows how far it has got, so the admin's page needs nothing from the process
that runs it.

A file is imported once at most. The job is claimed from QUEUED to RUNNING before the import
starts, and it becomes DONE in the import's own transaction: the rows and the job's DONE commit
together or not at all. So a job still RUNNING has nothing of its import in the database, and
when the worker running it dies (docs/worker.md, *A worker that dies mid-task*), the task's
next attempt takes the job over and imports the file from the start.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import TaskContext, task

from reattune.imports.models import ImportJob, ImportStatus
from reattune.imports.plan import ImportRefused, import_plan
from reattune.imports.progress import FileProgress
from reattune.imports.services import ImportFailed, scores_import
from reattune.imports.sweep import uploads_sweep

logger = logging.getLogger(__name__)

UNEXPECTED = "The import stopped on an unexpected error, and nothing was imported. {error}"
FILE_GONE = (
    "The uploaded file was no longer on the server when the import ran, so nothing was "
    "imported. Upload the file again to import it."
)


class TakenOver(Exception):
    """A later attempt has taken the job over: this one must leave it alone."""


@task(takes_context=True)
def run_import(context: TaskContext, job_id: int, clinic_id: int | None = None) -> str:
    """Import a checked and confirmed job's file; return its final status. `clinic_id` (the
    job's clinic) shows a failure to that clinic's admin (docs/worker.md)."""
    uploads_sweep()
    job = _claim(job_id, attempt=context.attempt)
    if job is None:
        return _left_alone(job_id)  # already run, running, or cancelled
    if not job.upload_path.exists():
        _finish(job, ImportStatus.FAILED, problems=FILE_GONE)
        return _status(job_id)
    try:
        # Checked again: the clinic may have changed since the dry run.
        plan = import_plan(
            clinic=job.clinic,
            path=job.upload_path,
            source=job.file_name,
            close_cases=job.close_cases,
        )
        with transaction.atomic():
            summary = scores_import(
                plan=plan,
                by=job.created_by,
                progress=FileProgress(job.progress_path),
                job_id=job.pk,
            )
            done = _held(job).update(
                status=ImportStatus.DONE,
                summary=summary.as_dict(),
                finished_at=timezone.now(),
            )
            if not done:
                raise TakenOver
    except TakenOver:
        logger.warning("Import %s was taken over by a later attempt; this one is undone", job.pk)
    except (ImportRefused, ImportFailed) as e:
        _finish(job, ImportStatus.FAILED, problems=str(e))
    except Exception as e:
        logger.exception("Import %s failed", job.pk)
        _finish(job, ImportStatus.FAILED, problems=UNEXPECTED.format(error=type(e).__name__))
    else:
        _files_delete(job)
    return _status(job_id)


def _claim(job_id: int, *, attempt: int) -> ImportJob | None:
    """The job, marked RUNNING for this attempt; None if it is not this attempt's to run.

    The first attempt claims the job only from QUEUED (a cancelled, running or finished job is
    left alone). A later attempt means the earlier one's worker was lost, and may also take
    over a job still RUNNING: that status says its import did not commit, since DONE commits
    with the import. The take-over gives the job a new `started_at`, which every attempt
    checks as it finishes (`_held`); so should the earlier attempt be alive after all (a
    worker too slow to beat, taken for dead), its own commit is refused and undone, and only
    one import ever commits. The immediate backend's tasks are always on their first attempt.
    """
    now = timezone.now()
    jobs = ImportJob.objects.filter(pk=job_id)
    claimed = jobs.filter(status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now
    )
    if not claimed and attempt > 1:
        claimed = jobs.filter(status=ImportStatus.RUNNING).update(started_at=now)
        if claimed:
            logger.warning(
                "Import %s: its earlier attempt stopped before importing anything; "
                "importing again (attempt %s)",
                job_id, attempt,
            )  # fmt: skip
    if not claimed:
        return None
    job = ImportJob.objects.select_related("clinic", "created_by").get(pk=job_id)
    if job.status != ImportStatus.RUNNING or job.started_at != now:
        return None  # taken over in the meantime
    job.progress_path.unlink(missing_ok=True)  # an earlier attempt's, if any
    return job


def _held(job: ImportJob) -> QuerySet[ImportJob]:
    """The job, if it is still RUNNING under this attempt's claim."""
    return ImportJob.objects.filter(
        pk=job.pk, status=ImportStatus.RUNNING, started_at=job.started_at
    )


def _finish(job: ImportJob, status: str, **fields: object) -> None:
    """End the job with `status`, unless a later attempt has taken it over."""
    if _held(job).update(status=status, finished_at=timezone.now(), **fields):
        _files_delete(job)


def _left_alone(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        # A run stopped between its commit and deleting the upload: it holds client codes.
        _files_delete(job)
    return job.status


LOST = (
    "The import stopped because the background worker running it stopped every time it tried "
    "(it may have run out of memory on this file), so nothing was imported. Upload the file "
    "again, or split it into smaller files, to import it."
)


def import_lost(job_id: int, clinic_id: int | None = None) -> None:
    """The import's task has failed for good (reattune/worker/attempts.py calls this): its job
    ends FAILED, saying why, rather than "Importing" for ever. A job still QUEUED or RUNNING
    then imported nothing, since DONE commits with the rows."""
    job = ImportJob.objects.filter(pk=job_id).first()
    ended = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).update(status=ImportStatus.FAILED, problems=LOST, finished_at=timezone.now())
    if ended and job is not None:
        _files_delete(job)


def _files_delete(job: ImportJob) -> None:
    job.upload_path.unlink(missing_ok=True)
    job.progress_path.unlink(missing_ok=True)


def _status(job_id: int) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)
