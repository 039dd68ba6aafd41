"""`reattune audit export`: the rows as CSV, and the export itself audited (Requirement 15);
`reattune audit verify` is covered with the chain in test_chain.py (Requirement 13)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reattune.audit.log import record
from reattune.audit.models import Action, AuditEvent, Category
from tests.factories import make_clinic

pytestmark = pytest.mark.django_db


def test_export_writes_one_clinics_rows_and_audits_itself(tmp_path):
    mine, theirs = make_clinic(), make_clinic()
    record(category=Category.CLIENT, action=Action.READ, clinic_id=mine.pk, target="home")
    record(category=Category.CLIENT, action=Action.READ, clinic_id=theirs.pk, target="home")
    out = tmp_path / "audit.csv"
    call_command("audit", "export", "--clinic", mine.slug, "--output", str(out))
    rows = list(csv.DictReader(out.open()))
    assert rows and all(r["target"] in ("home", "command audit export") for r in rows)
    assert AuditEvent.objects.filter(
        category=Category.AUDIT, action=Action.EXPORT, clinic_id=mine.pk
    ).exists()


def test_export_to_standard_output(db):
    record(category=Category.CLIENT, action=Action.READ, target="home")
    stdout = io.StringIO()
    call_command("audit", "export", "--since", "2000-01-01", stdout=stdout)
    rows = list(csv.DictReader(io.StringIO(stdout.getvalue())))
    assert any(r["target"] == "home" for r in rows)


def test_export_names_a_clinic_that_does_not_exist(db):
    with pytest.raises(CommandError, match="No clinic has the slug 'nowhere'"):
        call_command("audit", "export", "--clinic", "nowhere")
