"""The learning page's patterns from real records: repairs by kind and group, how often and
how fast they held, the period filter, and the small-numbers caveat."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.learning import patterns
from reattune.learning.page import learning_patterns
from reattune.repairs.models import Repair, RepairStatus
from tests.factories import ClinicWorld, make_case
from tests.repairs.helpers import open_by_hand

pytestmark = pytest.mark.django_db


def _repair(world: ClinicWorld, status: str, days_ago: int, kind: str = "individual") -> Repair:
    case = world.trainee_case if kind == "individual" else make_case(world.trainee, kind=kind)
    repair = open_by_hand(case, world.trainee)
    opened = timezone.now() - dt.timedelta(days=days_ago)
    verified = opened + dt.timedelta(days=5) if status == RepairStatus.HELD else None
    Repair.objects.filter(pk=repair.pk).update(
        status=status, opened_at=opened, verified_at=verified
    )
    return repair


def test_it_counts_the_persons_repairs_in_the_period(world: ClinicWorld) -> None:
    _repair(world, RepairStatus.HELD, 10)
    _repair(world, RepairStatus.NOT_HELD, 20, kind="couple")
    _repair(world, RepairStatus.HELD, 200)
    _repair(world, RepairStatus.OPEN, 5)
    found = learning_patterns(world.trainee, "3")
    assert (found.outcomes.opened, found.outcomes.held, found.outcomes.not_held) == (3, 1, 1)
    assert found.outcomes.median_days_to_hold == 5
    assert dict(found.ruptures_by_group) == {"Individual": 2, "Couple": 1}
    assert learning_patterns(world.trainee, "all").outcomes.opened == 4


def test_someone_elses_repairs_do_not_count(world: ClinicWorld) -> None:
    open_by_hand(world.case, world.clinician)
    assert learning_patterns(world.trainee, "all").outcomes.opened == 0
    assert learning_patterns(world.clinician, "all").outcomes.opened == 1


def test_the_page_shows_the_rate_and_the_caveat(world: ClinicWorld, login) -> None:
    _repair(world, RepairStatus.HELD, 10)
    _repair(world, RepairStatus.NOT_HELD, 20)
    page = html.unescape(login(world.trainee).get(reverse("learning_home")).content.decode())
    assert "1 of 2</strong> repairs the client's checks have judged held (50%)" in page
    assert patterns.SMALL_CAVEAT in page


@pytest.mark.parametrize("period", ["3", "6", "12", "all"])
def test_each_period_is_offered_and_kept(world: ClinicWorld, login, period: str) -> None:
    page = login(world.trainee).get(reverse("learning_home"), {"period": period}).content.decode()
    assert f'<option value="{period}" selected>' in page
    assert "isn't one of the choices" not in page


@pytest.mark.parametrize("period", ["13", "-1", "all; drop", "\x00", "9" * 50])
def test_a_bad_period_shows_twelve_months_and_says_so(
    world: ClinicWorld, login, period: str
) -> None:
    response = login(world.trainee).get(reverse("learning_home"), {"period": period})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert patterns.BAD_PERIOD in page
    assert '<option value="12" selected>' in page
