"""Deleting uploads that were checked but never given the go-ahead.

An uploaded file holds client codes and scores. One left waiting (the admin closed the tab)
would otherwise stay in the data folder for good, so a checked upload older than a day is
deleted and its job marked expired. There is no scheduler to run this (issue 8 brings a
worker), so it runs whenever the import list page is opened and whenever an import starts:
the moments someone is working with imports.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reattune.imports.models import ImportJob, ImportStatus

MAX_AGE = dt.timedelta(hours=24)


def uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Expire every clinic's checked uploads older than MAX_AGE and delete their files;
    return how many."""
    now = now or timezone.now()
    stale = list(
        ImportJob.objects.filter(
            status=ImportStatus.CHECKED, created_at__lt=now - MAX_AGE
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in stale:
        # Only a job still waiting: one confirmed meanwhile keeps its file.
        if ImportJob.objects.filter(pk=pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.EXPIRED, finished_at=now
        ):
            ImportJob(pk=pk).upload_path.unlink(missing_ok=True)
            expired += 1
    return expired
