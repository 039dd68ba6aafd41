"""The import pages: clinic admins only, their own clinic's jobs, upload, dry run, go-ahead,
progress."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from reattune.cases.models import Client
from reattune.checks.models import Response
from reattune.imports import views
from reattune.imports.checks import HIDDEN_CHARACTERS
from reattune.imports.models import ImportJob, ImportStatus
from reattune.imports.plan import NO_ROWS
from reattune.imports.reading import RESERVED_COLUMN, UNNAMED_COLUMNS
from reattune.imports.sweep import uploads_sweep
from reattune.imports.views import NOT_WAITING
from tests.factories import ClinicWorld

GOOD = (
    b"client_id,session,date,measure,total,items\n"
    b"w1,1,2024-05-06,phq9,11,2 1 3 0 1 2 1 0 1\n"
    b"w1,2,2024-05-13,phq9,8,\n"
)
BAD = GOOD + b"w1,3,2024-05-20,phq9,30,\n"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _upload(client: HttpClient, content: bytes, name: str = "history.csv", **extra: str):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra}
    return client.post(reverse("import_list"), data)


def test_anonymous_people_are_sent_to_sign_in(client: HttpClient, world: ClinicWorld) -> None:
    response = client.get(reverse("import_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ["clinician", "supervisor", "trainee"])
def test_only_a_clinic_admin_may_import(login, world: ClinicWorld, role: str) -> None:
    client = login(getattr(world, role))
    assert client.get(reverse("import_list")).status_code == 403
    assert _upload(client, GOOD).status_code == 403
    assert not ImportJob.objects.exists()


def test_another_clinics_import_is_not_found(
    login, world: ClinicWorld, other_world: ClinicWorld
) -> None:
    _upload(login(other_world.admin), GOOD)
    job = ImportJob.objects.get()
    client = login(world.admin)
    for name in ("import_detail", "import_progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    for name in ("import_confirm", "import_cancel"):
        assert client.post(reverse(name, args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def test_an_upload_is_checked_and_reported_before_anything_is_imported(
    login, world: ClinicWorld
) -> None:
    client = login(world.admin)
    response = _upload(client, GOOD)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import_detail", args=[job.pk])
    assert job.upload_path.read_bytes() == GOOD
    assert (job.upload_path.stat().st_mode & 0o777) == 0o600
    page = client.get(response["Location"]).content.decode()
    assert "What the import would do" in page
    assert '<th scope="row">New responses (answers)</th><td>2</td>' in page
    assert "Import 2 rows" in page
    assert not Client.objects.filter(code="w1").exists()


def test_a_refused_upload_shows_each_problem_with_its_line_and_keeps_no_file(
    login, world: ClinicWorld
) -> None:
    client = login(world.admin)
    response = _upload(client, BAD, name="old scores.csv")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert not job.upload_path.exists()
    page = client.get(response["Location"]).content.decode()
    assert "old scores.csv, line 4: total 30 is out of range for phq9 (0–27)" in page


def test_the_go_ahead_imports_the_file_once_and_deletes_it(login, world: ClinicWorld) -> None:
    client = login(world.admin)
    _upload(client, GOOD)
    job = ImportJob.objects.get()
    response = client.post(reverse("import_confirm", args=[job.pk]))
    assert response["Location"] == reverse("import_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.summary["responses_new"] == 2
    assert not job.upload_path.exists()
    assert Response.objects.filter(clinic=world.clinic, source="import").count() == 2
    again = client.post(reverse("import_confirm", args=[job.pk]))
    assert NOT_WAITING in again.content.decode()
    assert Response.objects.filter(clinic=world.clinic, source="import").count() == 2
    partial = client.get(reverse("import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert "Imported" in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()  # done: the polling stops


def test_a_running_import_shows_a_bar_that_polls(login, world: ClinicWorld) -> None:
    client = login(world.admin)
    _upload(client, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    state = {"phase": "responses", "done": 40, "total": 160, "percent": 25, "at": 0}
    job.progress_path.write_text(json.dumps(state))
    partial = client.get(reverse("import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert '<progress max="100" value="25"' in html
    assert "responses, 40 of 160" in html
    without_htmx = client.get(reverse("import_progress", args=[job.pk])).content.decode()
    assert "<h1>Import of history.csv</h1>" in without_htmx
    assert '<progress max="100" value="25"' in without_htmx


def test_cancelling_deletes_the_uploaded_file(login, world: ClinicWorld) -> None:
    client = login(world.admin)
    _upload(client, GOOD)
    job = ImportJob.objects.get()
    client.post(reverse("import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not job.upload_path.exists()
    assert client.post(reverse("import_confirm", args=[job.pk])).status_code == 200
    assert not Response.objects.filter(source="import").exists()


def test_a_file_that_is_not_csv_is_refused_by_the_form(login, world: ClinicWorld) -> None:
    response = _upload(login(world.admin), GOOD, name="history.xlsx")
    assert "Choose a CSV file" in response.content.decode()
    assert not ImportJob.objects.exists()


def _files_left(data_dir: Path) -> list[str]:
    folder = data_dir / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


ODD_FILES = {
    "a column named _row": (
        b"client_id,session,measure,total,_row\nw1,1,phq9,3,x\n",
        "history.csv, line 1: " + RESERVED_COLUMN.format(name="_row"),
    ),
    "two columns without a name": (
        b"client_id,session,measure,total,,\nw1,1,phq9,3,,\n",
        "history.csv, line 1: " + UNNAMED_COLUMNS.format(count=2, where="5 and 6"),
    ),
    "a column named twice": (
        b"client_id,session,measure,total,date, date\nw1,1,phq9,3,,\n",
        "history.csv, line 1: the header names the column date more than once",
    ),
    "text that is not UTF-8": (
        b"client_id,session,measure,total\nw\xe91,1,phq9,3\n",
        "history.csv, line 2: is not UTF-8 text (invalid continuation byte)",
    ),
    "a NUL in a column's name": (
        b"client_id,session,measure,total,x\x00,x\x00\nw1,1,phq9,3,,\n",
        "history.csv, line 1: the header names the column x\\x00 more than once",
    ),
    "an image named .csv": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        "history.csv, line 1: the header has no client_id or session or measure or total column",
    ),
}


@pytest.mark.parametrize("kind", list(ODD_FILES))
def test_an_odd_header_is_a_refusal_that_keeps_no_file(
    login, world: ClinicWorld, data_dir: Path, kind: str
) -> None:
    content, message = ODD_FILES[kind]
    client = login(world.admin)
    response = _upload(client, content)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import_detail", args=[job.pk])
    assert job.status == ImportStatus.REFUSED
    assert job.problems.startswith(message)
    assert _files_left(data_dir) == []
    assert message.replace("'", "&#x27;") in client.get(response["Location"]).content.decode()


def test_a_header_with_a_byte_order_mark_is_read_as_any_other(login, world: ClinicWorld) -> None:
    _upload(login(world.admin), b"\xef\xbb\xbf" + GOOD)
    job = ImportJob.objects.get()
    assert (job.status, job.summary["responses_new"]) == (ImportStatus.CHECKED, 2)


def test_hidden_characters_in_codes_are_refused_by_line_and_never_stored(
    login, world: ClinicWorld, data_dir: Path
) -> None:
    content = (
        b"client_id,participant_id,session,measure,total\n"
        b"w\x001,,1,phq9,3\n"
        b"k1,\xe2\x80\xaeA,1,gad7,3\n"
        b"k1,B,1,gad7,3\n"
    )
    response = _upload(login(world.admin), content)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert job.problems.splitlines() == [
        "history.csv, line 2: " + HIDDEN_CHARACTERS.format("client_id"),
        "history.csv, line 3: " + HIDDEN_CHARACTERS.format("participant_id"),
    ]
    assert response.status_code == 302
    assert _files_left(data_dir) == []
    assert not Client.objects.filter(clinic=world.clinic, code__startswith="w").exists()


def test_an_error_while_checking_leaves_no_upload_behind(
    login, world: ClinicWorld, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault in Reattune itself (here: the check cannot read the clinic) is a server error,
    and the request's transaction drops the job, so the file must go too: no page could
    cancel it."""

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "import_plan", broken)
    client = login(world.admin)
    client.raise_request_exception = False
    assert _upload(client, GOOD).status_code == 500
    assert not ImportJob.objects.exists()
    assert _files_left(data_dir) == []


def _age(job: ImportJob, hours: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


def test_a_checked_upload_left_for_a_day_is_deleted_when_the_list_is_opened(
    login, world: ClinicWorld, other_world: ClinicWorld, data_dir: Path
) -> None:
    _upload(login(other_world.admin), GOOD)
    _upload(login(world.admin), GOOD)
    old, recent = ImportJob.objects.order_by("pk")
    _age(old, 25)
    _age(recent, 23)
    assert login(world.admin).get(reverse("import_list")).status_code == 200
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (ImportStatus.EXPIRED, ImportStatus.CHECKED)
    assert old.finished_at is not None
    assert _files_left(data_dir) == [recent.upload_path.name]
    page = login(other_world.admin).get(reverse("import_detail", args=[old.pk]))
    assert "No go-ahead within a day, so the uploaded file was deleted" in page.content.decode()


def test_starting_an_import_deletes_stale_uploads_and_an_expired_one_cannot_start(
    login, world: ClinicWorld, data_dir: Path
) -> None:
    client = login(world.admin)
    _upload(client, GOOD)
    _upload(client, GOOD.replace(b"w1", b"w2"))
    stale, fresh = ImportJob.objects.order_by("pk")
    _age(stale, 30)
    client.post(reverse("import_confirm", args=[fresh.pk]))
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (ImportStatus.EXPIRED, ImportStatus.DONE)
    assert _files_left(data_dir) == []
    again = client.post(reverse("import_confirm", args=[stale.pk]))
    assert NOT_WAITING in again.content.decode()
    assert not Client.objects.filter(clinic=world.clinic, code="w1").exists()


def test_a_confirmed_import_is_not_expired_however_old(world: ClinicWorld, login) -> None:
    _upload(login(world.admin), GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    _age(job, 48)
    assert uploads_sweep() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    assert job.upload_path.exists()


def test_a_huge_value_is_quoted_shortened_on_the_page_and_in_the_stored_problems(
    login, world: ClinicWorld
) -> None:
    content = b"client_id,session,measure,total\nw1,1,phq9," + b"9" * 5_000_000 + b"\n"
    client = login(world.admin)
    response = _upload(client, content)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    shown = "9" * 40 + "…"
    assert job.problems == f"history.csv, line 2: total {shown} is out of range for phq9 (0–27)"
    page = client.get(response["Location"]).content.decode()
    assert shown in page
    assert len(page) < 100_000


def test_a_file_with_a_header_but_no_rows_is_refused_not_offered_as_import_0_rows(
    login, world: ClinicWorld, data_dir: Path
) -> None:
    client = login(world.admin)
    response = _upload(client, b"client_id,session,measure,total\n")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert job.problems == f"history.csv: {NO_ROWS}"
    page = client.get(response["Location"]).content.decode()
    assert NO_ROWS in page
    assert "Import 0 rows" not in page
    assert _files_left(data_dir) == []


def test_the_go_ahead_button_counts_one_row_as_one_row(login, world: ClinicWorld) -> None:
    client = login(world.admin)
    response = _upload(client, b"client_id,session,measure,total\nw1,1,phq9,3\n")
    page = client.get(response["Location"]).content.decode()
    assert ">Import 1 row</button>" in page
