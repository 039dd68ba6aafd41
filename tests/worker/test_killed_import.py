"""An import whose worker dies mid-import is imported by the task's next attempt, once: the
job's DONE commits with the import's rows, so a job still RUNNING imported nothing, and a
later attempt takes it over (reattune/imports/tasks.py)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.audit.models import AuditEvent
from reattune.cases.models import Client, TherapySession
from reattune.checks.models import Response
from reattune.imports.models import ImportJob, ImportStatus
from reattune.imports.progress import FileProgress, progress_folder
from reattune.imports.tasks import FILE_GONE, run_import
from reattune.worker.runner import ReattuneWorker
from tests.durability.owndb import REPO
from tests.factories import ClinicWorld
from tests.imports.helpers import write_rows
from tests.worker.conftest import Processes, task_rows, wait_until

ROWS = 400


# --- Real worker processes, one killed mid-import ---------------------------------------------


def _paused_worker(processes: Processes, folder: Path) -> subprocess.Popen[str]:
    """A worker whose import stops inside its transaction (tests/imports/worker_processes.py)."""
    module = "tests.imports.worker_processes"
    return processes.start(
        [sys.executable, "-m", module, "paused-worker", str(folder), "--no-schedule"]
    )


def _one(processes: Processes, sql: str) -> Any:
    [(value,)] = processes.database.query(sql)
    return value


def test_an_import_whose_worker_was_killed_is_imported_by_the_next_attempt_exactly_once(
    processes: Processes, tmp_path: Path
):
    folder = tmp_path / "signals"
    folder.mkdir()
    queued = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.imports.worker_processes", "queue", str(ROWS)],
        env=processes.env(),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=300,
    )
    job_id, answers = map(int, queued.stdout.split())
    job = f"SELECT status, problems FROM imports_importjob WHERE id = {job_id}"
    imported = "SELECT count(*) FROM checks_response WHERE source = 'import'"
    upload = processes.database.data_dir / "imports" / f"job-{job_id}.csv"

    first = _paused_worker(processes, folder)
    wait_until(
        lambda: (folder / "paused").exists() or first.poll() is not None,
        seconds=120,
        why="the import to reach its responses",
    )
    assert first.poll() is None, processes.log(first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert processes.database.query(job) == [("running", "")], "left running by a worker gone"
    assert _one(processes, "SELECT count(*) FROM cases_client") == 0, "its rows rolled back"
    assert _one(processes, "SELECT count(*) FROM cases_therapysession") == 0
    assert upload.exists()

    second = processes.worker("--no-schedule")
    wait_until(
        lambda: task_rows(processes.database)[0][1] in ("SUCCESSFUL", "FAILED"),
        seconds=120,
        why="the task to run again and end",
    )
    assert processes.database.query(job) == [("done", "")], processes.log(second)
    [(path, status, worker_ids)] = task_rows(processes.database)
    assert path == "reattune.imports.tasks.run_import"
    assert status == "SUCCESSFUL"
    assert len(worker_ids) == 2 and worker_ids[0] != worker_ids[1], "a second attempt, elsewhere"
    assert 0 < answers <= ROWS
    assert _one(processes, imported) == answers, "every answer of the file, once"
    audit = f"SELECT count(*) FROM audit_auditevent WHERE target = 'import_scores:{job_id}'"
    assert _one(processes, audit) == 1, "imported once"
    assert "importing again (attempt 2)" in processes.log(second)
    assert not upload.exists(), "the upload is deleted once imported"


# --- A later attempt, run in this process ---------------------------------------------------

FILE = [
    {"client_id": "k1", "session": 1, "date": "2024-03-04", "measure": "phq9", "total": "12"},
    {"client_id": "k1", "session": 2, "date": "2024-03-11", "measure": "phq9", "total": "9"},
    {"client_id": "k2", "session": 1, "date": "2024-03-05", "measure": "gad7", "total": "6"},
]


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _job(world: ClinicWorld, status: str, *, upload: bool = True) -> ImportJob:
    job = ImportJob.objects.create(
        clinic=world.clinic,
        created_by=world.admin,
        file_name="history.csv",
        status=status,
        started_at=timezone.now() if status == ImportStatus.RUNNING else None,
    )
    if upload:
        progress_folder()
        write_rows(job.upload_path, FILE)
    return job


def _queued_again(job: ImportJob, *, after: list[str]) -> DBTaskResult[Any, Any]:
    """The job's task back in the queue after the attempts `after` (worker ids) were lost,
    as lease recovery leaves it (tests/worker/test_recovery.py)."""
    row = DBTaskResult.objects.get(pk=run_import.enqueue(job.pk, clinic_id=job.clinic_id).id)
    row.worker_ids = after
    row.save(update_fields=["worker_ids"])
    return row


def _run_worker() -> None:
    ReattuneWorker(batch=True, schedule=False, interval=0).run()


def _imported(world: ClinicWorld) -> int:
    return Response.objects.filter(clinic=world.clinic, source="import").count()


def _audited(job: ImportJob) -> int:
    return AuditEvent.objects.filter(target=f"import_scores:{job.pk}").count()


@pytest.mark.django_db
def test_a_later_attempt_imports_a_job_its_lost_worker_left_running(world, data_dir):
    job = _job(world, ImportStatus.RUNNING)
    row = _queued_again(job, after=["gone"])
    _run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.problems == ""
    assert job.summary["responses_new"] == 3
    assert _imported(world) == 3 and _audited(job) == 1
    assert not job.upload_path.exists()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and row.return_value == ImportStatus.DONE
    assert len(row.worker_ids) == 2


@pytest.mark.django_db
def test_a_later_attempt_after_a_committed_import_does_not_import_again(world, data_dir):
    job = _job(world, ImportStatus.QUEUED)
    row = DBTaskResult.objects.get(pk=run_import.enqueue(job.pk, clinic_id=job.clinic_id).id)
    _run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and _imported(world) == 3
    finished_at = job.finished_at
    # The worker died after the import committed and before the task was marked done (and
    # before the upload was deleted): lease recovery puts the task back.
    write_rows(job.upload_path, FILE)
    DBTaskResult.objects.filter(pk=row.pk).update(status="READY")
    _run_worker()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and len(row.worker_ids) == 2
    assert row.return_value == ImportStatus.DONE
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.finished_at == finished_at
    assert _imported(world) == 3 and _audited(job) == 1, "imported once"
    assert Client.objects.filter(clinic=world.clinic, code__in=["k1", "k2"]).count() == 2
    assert not job.upload_path.exists(), "the upload left behind is deleted"


@pytest.mark.django_db
def test_a_first_attempt_leaves_a_running_job_alone(world, data_dir):
    job = _job(world, ImportStatus.RUNNING)
    row = DBTaskResult.objects.get(pk=run_import.enqueue(job.pk, clinic_id=job.clinic_id).id)
    _run_worker()
    row.refresh_from_db()
    assert row.return_value == ImportStatus.RUNNING
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and _imported(world) == 0
    assert job.upload_path.exists()


@pytest.mark.django_db
def test_a_later_attempt_does_not_run_a_cancelled_job(world, data_dir):
    job = _job(world, ImportStatus.CANCELLED)
    _queued_again(job, after=["gone"])
    _run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and _imported(world) == 0


@pytest.mark.django_db
def test_a_running_job_whose_upload_is_gone_fails_saying_so(world, data_dir):
    job = _job(world, ImportStatus.RUNNING, upload=False)
    _queued_again(job, after=["gone"])
    _run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.problems == FILE_GONE
    assert job.finished_at is not None and _imported(world) == 0


@pytest.mark.django_db
def test_a_later_attempt_shows_the_imports_own_failure_on_the_job(world, data_dir):
    job = _job(world, ImportStatus.RUNNING)
    write_rows(job.upload_path, [{**FILE[0], "total": "99"}])
    _queued_again(job, after=["gone"])
    _run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "history.csv, line 2" in job.problems and _imported(world) == 0
    assert not job.upload_path.exists()


@pytest.mark.django_db
def test_an_attempt_taken_over_while_it_imports_commits_nothing(world, data_dir, monkeypatch):
    """An attempt taken for dead that was only slow: the take-over changes the job's
    started_at, and the slow attempt's commit is refused and undone."""
    job = _job(world, ImportStatus.QUEUED)
    report = FileProgress.__call__

    def taken_over_halfway(self: FileProgress, **state: Any) -> None:
        report(self, **state)
        if state["phase"] == "responses":
            ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now())

    monkeypatch.setattr(FileProgress, "__call__", taken_over_halfway)
    row = DBTaskResult.objects.get(pk=run_import.enqueue(job.pk, clinic_id=job.clinic_id).id)
    _run_worker()
    assert _imported(world) == 0 and _audited(job) == 0
    assert not TherapySession.objects.filter(clinic=world.clinic, date__year=2024).exists()
    assert not Client.objects.filter(clinic=world.clinic, code__in=["k1", "k2"]).exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING, "left to the attempt that took it over"
    assert job.upload_path.exists(), "which needs the file"
    row.refresh_from_db()
    assert row.return_value == ImportStatus.RUNNING


@pytest.mark.django_db
def test_an_import_whose_every_attempt_was_lost_ends_failed_saying_why(world, data_dir, settings):
    """The last attempt's worker is lost too (a file that runs the worker out of memory each
    time): the task fails for good, and the job says so instead of "Importing" for ever."""
    from reattune.imports.tasks import LOST
    from reattune.worker.liveness import abandoned_tasks_recover

    job = _job(world, ImportStatus.RUNNING)
    row = _queued_again(job, after=[f"gone-{n}" for n in range(settings.TASK_MAX_ATTEMPTS)])
    long_ago = timezone.now() - dt.timedelta(hours=1)
    DBTaskResult.objects.filter(pk=row.pk).update(status="RUNNING", started_at=long_ago)

    assert abandoned_tasks_recover() == 1

    row.refresh_from_db()
    assert row.status == "FAILED"
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.problems == LOST
    assert job.finished_at is not None and _imported(world) == 0
    assert not job.upload_path.exists()
    # A job that had finished is left as it was.
    done = _job(world, ImportStatus.DONE)
    from reattune.imports.tasks import import_lost

    import_lost(done.pk)
    done.refresh_from_db()
    assert done.status == ImportStatus.DONE
