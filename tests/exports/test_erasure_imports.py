"""Erasure reaches the import records that name the client: the problems a refused or failed
import listed, and an uploaded file still waiting for the go-ahead."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reattune.cases.models import Client
from reattune.exports.erasure import (
    IMPORT_RUNNING,
    ErasureRefused,
    client_erase,
    erasure_plan,
)
from reattune.exports.import_jobs import ERASED_CLIENT
from reattune.exports.models import Erasure
from reattune.imports.models import ImportJob, ImportStatus
from reattune.imports.progress import progress_folder
from reattune.imports.tasks import run_import
from reattune.imports.views import NOT_WAITING

REASON = "The client's written request of 3 March."
CODE = "C-0142"
HEADER = "client_id,session,measure,total\n"


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def client_(world) -> Client:
    client: Client = world.case.participants.get().client
    client.code = CODE
    client.save()
    return client


def _job(
    clinic,
    status: str,
    *,
    problems: str = "",
    rows: str | None = None,
    file_name: str = "history.csv",
) -> ImportJob:
    job = ImportJob.objects.create(
        clinic=clinic, file_name=file_name, status=status, problems=problems
    )
    if rows is not None:
        progress_folder()
        job.upload_path.write_text(HEADER + rows, encoding="utf-8")
    return job


@pytest.fixture
def erase(django_capture_on_commit_callbacks):
    """Erase as a request would: the files go once the erasure's transaction commits."""

    def run(client: Client, by) -> Erasure:
        with django_capture_on_commit_callbacks(execute=True):
            return client_erase(client=client, by=by, code_typed=client.code, reason=REASON)

    return run


def test_import_problems_naming_the_client_lose_the_code_and_keep_the_rest(
    world, other_world, client_, erase
):
    refused = _job(
        world.clinic,
        ImportStatus.REFUSED,
        problems=(
            f"history.csv, line 4: client {CODE}, session 3 already has phq9 in Reattune\n"
            "history.csv, line 9: client C-01420, session 1 already has gad7 in Reattune\n"
            f"history.csv, line 12: client_id '{CODE.lower()}' and 'X' (line 2) are one client"
        ),
    )
    elsewhere = _job(
        other_world.clinic,
        ImportStatus.REFUSED,
        problems=f"history.csv, line 4: client {CODE}, session 3 already has phq9 in Reattune",
    )

    erasure = erase(client_, world.admin)

    refused.refresh_from_db()
    assert refused.problems == (
        f"history.csv, line 4: client {ERASED_CLIENT}, session 3 already has phq9 in Reattune\n"
        "history.csv, line 9: client C-01420, session 1 already has gad7 in Reattune\n"
        f"history.csv, line 12: client_id '{ERASED_CLIENT}' and 'X' (line 2) are one client"
    )
    elsewhere.refresh_from_db()
    assert CODE in elsewhere.problems  # another clinic's C-0142 is another person
    assert erasure.counts["imports.ImportJob:problems_scrubbed"] == 1


def test_a_joint_clients_place_in_an_import_problem_is_scrubbed_and_the_partners_is_kept(
    world, client_, erase
):
    client_.code = "COUPLE-7/p1"
    client_.save()
    job = _job(
        world.clinic,
        ImportStatus.FAILED,
        problems=(
            "h.csv, line 3: client COUPLE-7, participant p1, session 2 already has core10\n"
            "h.csv, line 4: client COUPLE-7, participant p2, session 2 already has core10"
        ),
    )

    erase(client_, world.admin)

    job.refresh_from_db()
    assert job.problems == (
        f"h.csv, line 3: client {ERASED_CLIENT}, session 2 already has core10\n"
        "h.csv, line 4: client COUPLE-7, participant p2, session 2 already has core10"
    )


def test_an_upload_waiting_for_the_go_ahead_that_names_the_client_is_deleted_and_cancelled(
    world, client, client_, data_dir, erase
):
    naming = _job(world.clinic, ImportStatus.CHECKED, rows=f"{CODE},1,phq9,12\nC-9,1,phq9,3\n")
    other = _job(world.clinic, ImportStatus.CHECKED, rows="C-01420,1,phq9,12\n")
    path = naming.upload_path

    erasure = erase(client_, world.admin)

    naming.refresh_from_db()
    assert naming.status == ImportStatus.CANCELLED
    assert naming.finished_at is not None
    assert not path.exists()
    assert erasure.counts["imports.ImportJob:uploads_cancelled"] == 1
    other.refresh_from_db()
    assert other.status == ImportStatus.CHECKED
    assert other.upload_path.exists()
    # The go-ahead is refused, and the task would not import it either.
    client.force_login(world.admin)
    page = client.post(reverse("import_confirm", args=[naming.pk]))
    assert NOT_WAITING in page.content.decode()
    assert run_import.enqueue(naming.pk).return_value == ImportStatus.CANCELLED
    assert not Client.objects.filter(clinic=world.clinic, code__iexact=CODE).exists()


def test_a_queued_upload_that_names_the_client_is_cancelled_before_it_can_start(
    world, client_, data_dir, erase
):
    queued = _job(world.clinic, ImportStatus.QUEUED, rows=f"{CODE.lower()},1,phq9,12\n")

    erase(client_, world.admin)

    queued.refresh_from_db()
    assert queued.status == ImportStatus.CANCELLED
    assert not queued.upload_path.exists()
    assert run_import.enqueue(queued.pk).return_value == ImportStatus.CANCELLED


def test_the_dry_run_lists_the_import_records_the_erasure_changes(world, client_, data_dir):
    _job(world.clinic, ImportStatus.REFUSED, problems=f"h.csv, line 2: client {CODE}, session 1")
    waiting = _job(world.clinic, ImportStatus.CHECKED, rows=f"{CODE},1,phq9,12\n")

    plan = erasure_plan(client_)

    described = dict(plan.described())
    assert any("import" in name and n == 1 for name, n in described.items())
    assert plan.import_jobs.cancel_ids == [waiting.pk]
    assert len(plan.import_jobs.scrub_ids) == 1
    # A dry run changes nothing.
    waiting.refresh_from_db()
    assert waiting.status == ImportStatus.CHECKED and waiting.upload_path.exists()


def test_the_erase_command_dry_run_names_the_waiting_upload(world, client_, data_dir):
    from io import StringIO

    from django.core.management import call_command

    waiting = _job(world.clinic, ImportStatus.CHECKED, rows=f"{CODE},1,phq9,12\n")
    out = StringIO()

    call_command(
        "erase", clinic=world.clinic.slug, code=CODE, reason=REASON, dry_run=True, stdout=out
    )

    assert f"imports.ImportJob {waiting.pk}" in out.getvalue()


def test_an_import_running_with_the_clients_rows_refuses_the_erasure(
    world, client_, data_dir, erase
):
    running = _job(world.clinic, ImportStatus.RUNNING, rows=f"{CODE},1,phq9,12\n")
    scrubbable = _job(world.clinic, ImportStatus.FAILED, problems=f"client {CODE}")

    with pytest.raises(ErasureRefused, match=re.escape(IMPORT_RUNNING)):
        erase(client_, world.admin)

    assert Client.objects.filter(pk=client_.pk).exists()
    assert running.upload_path.exists()
    scrubbable.refresh_from_db()
    assert scrubbable.problems == f"client {CODE}"
    assert not Erasure.objects.exists()


def test_an_erasure_that_is_undone_keeps_the_waiting_upload(
    world, client_, data_dir, monkeypatch, erase
):
    from reattune.exports import erasure as erasure_module

    waiting = _job(world.clinic, ImportStatus.CHECKED, rows=f"{CODE},1,phq9,12\n")

    def refuse(*args, **kwargs):
        raise ErasureRefused("stop")

    monkeypatch.setattr(erasure_module, "record", refuse)

    with pytest.raises(ErasureRefused):
        erase(client_, world.admin)

    waiting.refresh_from_db()
    assert waiting.status == ImportStatus.CHECKED
    assert waiting.upload_path.exists()


def test_the_erase_page_lists_the_imports_that_name_the_client(login, world, client_, data_dir):
    waiting = _job(world.clinic, ImportStatus.CHECKED, rows=f"{CODE},1,phq9,12\n")
    refused = _job(world.clinic, ImportStatus.REFUSED, problems=f"h.csv, line 2: client {CODE}")

    page = login(world.admin).get(reverse("client_erase", args=[client_.pk]))

    text = page.content.decode()
    assert reverse("import_detail", args=[waiting.pk]) in text
    assert reverse("import_detail", args=[refused.pk]) in text
    assert "cancelled, file deleted" in text


@pytest.mark.parametrize(
    ("file_name", "scrubbed"),
    [
        ("er-C-0142.csv", f"er-{ERASED_CLIENT}.csv"),
        ("c-0142_march.csv", f"{ERASED_CLIENT}_march.csv"),
        ("scores/C-0142-2.csv", f"scores/{ERASED_CLIENT}-2.csv"),
        ("C-01420.csv", f"{ERASED_CLIENT}0.csv"),
    ],
)
def test_a_file_name_loses_the_code_wherever_it_appears_and_so_do_the_messages_quoting_it(
    world, client_, erase, file_name, scrubbed
):
    job = _job(
        world.clinic,
        ImportStatus.REFUSED,
        file_name=file_name,
        problems=(
            f"{file_name}, line 4: client {CODE}, session 3 already has phq9 in Reattune\n"
            f"{file_name}, line 9: client C-01420, session 1 already has gad7 in Reattune"
        ),
    )

    erasure = erase(client_, world.admin)

    job.refresh_from_db()
    assert job.file_name == scrubbed
    assert job.problems == (
        f"{scrubbed}, line 4: client {ERASED_CLIENT}, session 3 already has phq9 in Reattune\n"
        f"{scrubbed}, line 9: client C-01420, session 1 already has gad7 in Reattune"
    )
    assert erasure.counts["imports.ImportJob:problems_scrubbed"] == 1


def test_a_job_whose_file_name_alone_holds_the_code_is_scrubbed(world, client_, erase):
    job = _job(world.clinic, ImportStatus.DONE, file_name="export-C-0142.csv")

    erase(client_, world.admin)

    job.refresh_from_db()
    assert job.file_name == f"export-{ERASED_CLIENT}.csv"
