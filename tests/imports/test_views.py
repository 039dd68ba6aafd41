"""The import pages: clinic admins only, their own clinic's jobs, upload, dry run, go-ahead,
progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from reattune.cases.models import Client
from reattune.checks.models import Response
from reattune.imports.models import ImportJob, ImportStatus
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
