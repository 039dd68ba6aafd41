"""`reattune export` and `reattune erase` on the command line."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from reattune.audit.models import Action, AuditEvent, Category
from reattune.cases.models import Client
from reattune.detection.csvio import read_measurements
from reattune.exports.management.commands.erase import NOT_CONFIRMED
from reattune.exports.management.commands.export import (
    COMMAND_LINE,
    NO_SUCH_CLIENT,
    NO_SUCH_CLINIC,
)
from reattune.exports.models import Erasure
from reattune.measures.registry import all_definitions
from tests.exports.records import answer


def _last_row() -> AuditEvent:
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None
    return row


def test_export_csv_writes_a_file_the_detection_reader_reads_and_is_audited(world, tmp_path):
    answer(world.session, world.case.participants.get())
    path = tmp_path / "answers.csv"

    call_command("export", "csv", "--clinic", world.clinic.slug, "--output", str(path))

    assert read_measurements(path, all_definitions()).height == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    row = _last_row()
    assert (row.category, row.action, row.user_label) == (
        Category.RESPONSE,
        Action.EXPORT,
        COMMAND_LINE,
    )
    assert row.clinic_id == world.clinic.pk


def test_export_fhir_writes_a_bundle_to_standard_output(world, capsys):
    answer(world.session, world.case.participants.get())

    call_command("export", "fhir", "--clinic", world.clinic.slug)

    bundle = json.loads(capsys.readouterr().out)
    assert bundle["type"] == "collection"
    assert any(e["resource"]["resourceType"] == "Observation" for e in bundle["entry"])


def test_export_client_writes_the_zip_and_audits_it_against_that_client(world, tmp_path):
    client = world.case.participants.get().client
    path = tmp_path / "client.zip"

    call_command(
        "export",
        "client",
        "--clinic",
        world.clinic.slug,
        "--code",
        client.code,
        "--output",
        str(path),
    )

    assert "client.json" in zipfile.ZipFile(path).namelist()
    row = _last_row()
    assert (row.category, row.action, row.client_id) == (Category.CLIENT, Action.EXPORT, client.pk)


def test_an_unknown_clinic_or_client_is_named_in_the_error(world, tmp_path):
    with pytest.raises(CommandError, match=NO_SUCH_CLINIC.format(slug="nowhere")):
        call_command("export", "csv", "--clinic", "nowhere")
    message = NO_SUCH_CLIENT.format(slug=world.clinic.slug, code="NOBODY")
    with pytest.raises(CommandError) as raised:
        call_command(
            "export",
            "client",
            "--clinic",
            world.clinic.slug,
            "--code",
            "NOBODY",
            "--output",
            str(tmp_path / "x.zip"),
        )
    assert str(raised.value) == message


def test_erase_dry_run_lists_what_would_go_and_deletes_nothing(world):
    client = world.case.participants.get().client
    answer(world.session, world.case.participants.get())
    out = io.StringIO()

    call_command(
        "erase",
        "--clinic",
        world.clinic.slug,
        "--code",
        client.code,
        "--reason",
        "Asked.",
        "--dry-run",
        stdout=out,
    )

    assert "  answers: 1" in out.getvalue()
    assert Client.objects.filter(pk=client.pk).exists()


def test_erase_asks_for_the_code_and_stops_when_it_does_not_match(world, monkeypatch):
    client = world.case.participants.get().client
    monkeypatch.setattr("builtins.input", lambda prompt: "WRONG")

    with pytest.raises(CommandError, match=NOT_CONFIRMED):
        call_command(
            "erase",
            "--clinic",
            world.clinic.slug,
            "--code",
            client.code,
            "--reason",
            "Asked.",
            stdout=io.StringIO(),
        )

    assert Client.objects.filter(pk=client.pk).exists()


def test_erase_with_the_code_typed_again_erases_and_records_who_ran_it(world, monkeypatch):
    client = world.case.participants.get().client
    monkeypatch.setattr("builtins.input", lambda prompt: client.code)

    call_command(
        "erase",
        "--clinic",
        world.clinic.slug,
        "--code",
        client.code,
        "--reason",
        "Asked.",
        stdout=io.StringIO(),
    )

    assert not Client.objects.filter(pk=client.pk).exists()
    erasure = Erasure.objects.get()
    assert (erasure.erased_by, erasure.erased_by_label) == (None, COMMAND_LINE)
    row = _last_row()
    assert (row.action, row.client_id, row.user_label) == (Action.DELETE, client.pk, COMMAND_LINE)
