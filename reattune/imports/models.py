"""An import started on the web: the uploaded file's check, the admin's go-ahead, the outcome."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from reattune.clinics.models import Clinic


class ImportStatus(models.TextChoices):
    REFUSED = "refused", "Refused: the file has problems"
    CHECKED = "checked", "Checked: waiting for the go-ahead"
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed: nothing was imported"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired: no go-ahead within a day, the file was deleted"


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def for_clinic(self, clinic_id: int) -> ImportJobQuerySet:
        return self.filter(clinic_id=clinic_id)


class ImportJob(models.Model):
    """One uploaded file's way through the import. The file itself waits in the data folder
    (`upload_path`) from the upload until the import ends, is cancelled or expires (a day
    without a go-ahead, `sweep.uploads_sweep`), and is then deleted: it holds client codes and
    scores. While the import runs, its progress is in a small file
    beside it (`progress_path`), since the import's transaction hides its rows until the end."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=200)
    close_cases = models.BooleanField(
        default=True, help_text="Close each new case at its last session (history)."
    )
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    # The dry run's counts (plan.Summary), and after the import what was done.
    summary = models.JSONField(default=dict, blank=True)
    # Why the file was refused or the import failed, one problem a line.
    problems = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["clinic", "-created_at"], name="importjob_clinic_recent")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name}"

    @property
    def upload_path(self) -> Path:
        return Path(settings.DATA_DIR) / "imports" / f"job-{self.pk}.csv"

    @property
    def progress_path(self) -> Path:
        return Path(settings.DATA_DIR) / "imports" / f"job-{self.pk}.progress.json"

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
