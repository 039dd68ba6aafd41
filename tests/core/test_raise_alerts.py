"""`reattune raise_alerts` makes good any alerting that failed after answers were stored."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from reattune.alerts.models import Alert
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from tests.checks.helpers import full_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_without_alerts(world):
    """Answers stored, but the on-commit alerting never ran (as if the process died)."""
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    check_response_submit(
        link=link,
        cleaned=check_answers_clean(link, full_check(phq9__q9=1, alliance__felt_off="yes")),
    )
    assert Alert.objects.count() == 0
    return link


def test_it_raises_the_missing_alerts_once(stored_without_alerts):
    out = StringIO()
    call_command("raise_alerts", stdout=out)
    assert sorted(Alert.objects.values_list("signal", flat=True)) == ["alliance_rupture", "safety"]
    assert "raised 2 alerts" in out.getvalue()
    call_command("raise_alerts", stdout=StringIO())
    assert Alert.objects.count() == 2


def test_a_dry_run_changes_nothing(stored_without_alerts):
    out = StringIO()
    call_command("raise_alerts", "--dry-run", stdout=out)
    assert "would raise 2 alerts" in out.getvalue()
    assert Alert.objects.count() == 0
