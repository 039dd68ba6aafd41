"""The learning page's clinic-wide figures: computed once a day per clinic and period, equal to
computing them live, and refreshed by the worker's nightly job. All data synthetic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reattune.cases.models import Case
from reattune.learning import patterns
from reattune.learning.figures import clinic_figures, figures_refresh
from reattune.learning.models import ClinicFigures
from reattune.learning.page import alliance_by_month, track_share_of
from reattune.worker.tasks import refresh_learning_figures
from tests.factories import make_case
from tests.repairs.helpers import check
from tests.repairs.helpers import session as session_of

pytestmark = pytest.mark.django_db


def with_alliance(world) -> None:
    for n, score in enumerate((36, 30, 24), start=1):
        check(world.case, session_of(world.case, n), world.clinician, score)
    other = make_case(world.colleague)
    check(other, session_of(other, 1), world.colleague, 38)


def test_stored_figures_equal_the_live_ones_and_are_read_not_recomputed(world, other_world):
    with_alliance(world)
    with_alliance(other_world)
    today = timezone.localdate()
    cases = Case.objects.filter(clinic=world.clinic)
    start = patterns.period_start(today, "12")

    track, alliance = clinic_figures(world.clinic.pk, "12", today)

    assert track == track_share_of(cases, start, today)
    assert alliance == alliance_by_month(cases, start, today)
    assert sum(m.count for m in alliance) == 4, "this clinic's four checks, not the other's"
    assert ClinicFigures.objects.filter(clinic=world.clinic).count() == 1
    with CaptureQueriesContext(connection) as queries:
        assert clinic_figures(world.clinic.pk, "12", today) == (track, alliance)
    assert len(queries) == 1, "one row read, nothing recomputed"


def test_the_nightly_refresh_computes_every_period_and_drops_old_days(world):
    with_alliance(world)
    today = timezone.localdate()
    yesterday = clinic_figures(world.clinic.pk, "3", today - dt.timedelta(days=1))
    # Until the nightly run, today's page shows yesterday's figures rather than computing.
    assert clinic_figures(world.clinic.pk, "3", today) == yesterday
    assert not ClinicFigures.objects.filter(as_of=today).exists()
    refresh_learning_figures.enqueue(clinic_id=world.clinic.pk)  # immediate in tests
    rows = ClinicFigures.objects.filter(clinic=world.clinic)
    assert sorted(rows.values_list("period", flat=True)) == sorted(patterns.PERIOD_LABELS)
    assert set(rows.values_list("as_of", flat=True)) == {today}
    assert figures_refresh(world.clinic.pk, today) == len(patterns.PERIOD_LABELS)
    assert rows.count() == len(patterns.PERIOD_LABELS), "recomputing the same day adds no row"
