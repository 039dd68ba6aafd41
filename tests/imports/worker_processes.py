"""Helpers tests/worker/test_killed_import.py runs as processes against a database of its own.

python -m tests.imports.worker_processes queue ROWS
    a clinic, its admin, and an import of ROWS simulated rows confirmed and queued for the
    worker (as the go-ahead on the import page queues it); print the job's id
python -m tests.imports.worker_processes paused-worker FOLDER [WORKER OPTIONS...]
    `reattune worker`, except that an import stops halfway, inside its transaction: when it
    reports the start of its responses (clients, cases and sessions written, not committed)
    it touches FOLDER/paused and waits there until the process is killed
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

PAUSED_AT = "responses"


def main(argv: list[str]) -> None:
    command, *rest = argv
    if command == "queue":
        _queue(int(rest[0]))
    elif command == "paused-worker":
        folder, *options = rest
        _paused_worker(Path(folder), options)
    else:
        raise SystemExit(f"unknown command {command}")


def _queue(rows: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    django.setup()
    from reattune.clinics.models import Role
    from reattune.imports.models import ImportJob, ImportStatus
    from reattune.imports.plan import import_plan
    from reattune.imports.progress import progress_folder
    from reattune.imports.tasks import run_import
    from tests.factories import make_clinic, make_person
    from tests.imports.helpers import simulated_file

    clinic = make_clinic()
    admin = make_person(clinic, Role.ADMIN)
    job = ImportJob.objects.create(
        clinic=clinic, created_by=admin, file_name="history.csv", status=ImportStatus.QUEUED
    )
    progress_folder()
    simulated_file(job.upload_path, rows=rows)
    dry_run = import_plan(clinic=clinic, path=job.upload_path, source=job.file_name).summary
    job.summary = dry_run.as_dict()
    job.save(update_fields=["summary"])
    run_import.enqueue(job.pk, clinic_id=clinic.pk)
    print(job.pk, dry_run.responses_new)


def _paused_worker(folder: Path, options: list[str]) -> None:
    from reattune.cli import main as reattune
    from reattune.imports.progress import FileProgress

    report = FileProgress.__call__

    def report_then_pause(self: FileProgress, **state: Any) -> None:
        report(self, **state)
        if state["phase"] == PAUSED_AT:
            (folder / "paused").touch()
            while True:
                time.sleep(0.05)

    FileProgress.__call__ = report_then_pause  # type: ignore[method-assign]
    sys.argv = ["reattune", "worker", *options]
    reattune()


if __name__ == "__main__":
    main(sys.argv[1:])
