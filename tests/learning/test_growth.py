"""The growth chart: one line per rated competency, over months, as an accessible SVG."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from reattune.learning.page import growth
from tests.factories import ClinicWorld
from tests.learning.helpers import rate

pytestmark = pytest.mark.django_db


def _series(svg: str) -> int:
    return svg.count('class="chart-series"')


def test_no_ratings_says_so(world: ClinicWorld) -> None:
    chart = growth(world.trainee).chart
    assert chart.startswith("<svg") and "No scores yet" in chart


def test_one_series_per_rated_competency(world: ClinicWorld) -> None:
    for key, day in [("repairing", 10), ("ethics", 40), ("repairing", 100)]:
        rate(
            world.trainee,
            world.supervisor,
            key=key,
            rated_on=dt.date(2026, 1, 1) + dt.timedelta(day),
        )
    found = growth(world.trainee, today=dt.date(2026, 6, 1))
    assert _series(found.chart) == 2
    assert 'role="img"' in found.chart and "Repairing" in found.chart and "Ethics" in found.chart
    # January to June: six months, the repairing line from month 1, ethics from month 2.
    assert re.search(r"Repairing from 3 at month 1 to 3 at month 6 \(6 scores\)", found.chart)
    assert "Ethics from 3 at month 2 to 3 at month 6 (5 scores)" in found.chart


def test_a_corrected_rating_leaves_the_chart_but_stays_in_the_table(world: ClinicWorld) -> None:
    wrong = rate(world.trainee, world.supervisor, level=1, rated_on=dt.date(2026, 1, 5))
    rate(world.trainee, world.supervisor, level=4, rated_on=dt.date(2026, 1, 6), corrects=wrong)
    found = growth(world.trainee, today=dt.date(2026, 1, 20))
    assert "Repairing: 4 at month 1 (1 score)" in found.chart
    assert wrong in found.ratings and wrong.pk in found.corrected


def test_the_page_shows_the_chart_and_a_table(world: ClinicWorld, login) -> None:
    rate(world.trainee, world.supervisor, level=2)
    rate(world.trainee, world.supervisor, key="ethics", level=3)
    page = login(world.trainee).get(reverse("learning_home")).content.decode()
    growth_section = page.split('id="growth-heading"', 1)[1].split("</section>", 1)[0]
    assert "<svg" in growth_section and _series(growth_section) == 2
    assert "2 · Developing" in growth_section and "Not rated yet" in growth_section
