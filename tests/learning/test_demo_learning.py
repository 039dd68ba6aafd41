"""The demo's learning records: a trainee's page shows their repair rate and a growth chart
from the seeded history (the issue's check). All synthetic.

Seeded once for the module and committed, as in tests/demo; each test is rolled back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from reattune.clinics.models import Clinic, Supervision, User
from reattune.demo.reset import clinic_delete_everything
from reattune.learning.models import CompetencyRating, LearningGoal, Reflection

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Clinic]:
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", verbosity=0)
        clinic = Clinic.objects.get(slug="demo")
        yield clinic
        clinic_delete_everything(clinic)


def _person(clinic: Clinic, email: str) -> User:
    return User.objects.get(clinic=clinic, email=email)


def test_nias_page_shows_her_repair_rate_and_growth(demo: Clinic, client: HttpClient) -> None:
    nia = _person(demo, "nia@demo.example")
    client.force_login(nia)
    page = client.get(reverse("learning_home")).content.decode()
    assert re.search(r"<strong>\d+ of \d+</strong> repairs? the client's checks have judged", page)
    growth = page.split('id="growth-heading"', 1)[1].split("</section>", 1)[0]
    assert growth.count('class="chart-series"') == 5
    assert "Did not hold" in page


def test_her_supervisor_sees_it_too(demo: Clinic, client: HttpClient) -> None:
    nia = _person(demo, "nia@demo.example")
    helen = Supervision.objects.active().get(supervisee=nia).supervisor
    client.force_login(helen)
    page = client.get(reverse("learning_person", args=[nia.pk])).content.decode()
    assert "Nia Campbell: learning" in page
    assert 'class="chart-series"' in page


def test_the_admin_does_not(demo: Clinic, client: HttpClient) -> None:
    nia = _person(demo, "nia@demo.example")
    client.force_login(_person(demo, "admin@demo.example"))
    assert client.get(reverse("learning_person", args=[nia.pk])).status_code == 404


def test_both_trainees_have_six_months_of_growing_ratings(demo: Clinic) -> None:
    for email in ("nia@demo.example", "ollie@demo.example"):
        ratings = CompetencyRating.objects.filter(person__email=email).order_by("rated_on")
        first, last = ratings.first(), ratings.last()
        assert first is not None and last is not None
        assert (last.rated_on - first.rated_on).days >= 150
        start = sum(r.level for r in ratings if r.rated_on == first.rated_on)
        end = sum(r.level for r in ratings if r.rated_on == last.rated_on)
        assert end > start


def test_nia_has_reflections_and_a_goal(demo: Clinic) -> None:
    nia = _person(demo, "nia@demo.example")
    assert Reflection.objects.filter(person=nia, repair__isnull=False).exists()
    assert Reflection.objects.filter(person=nia).count() == 2
    assert LearningGoal.objects.get(person=nia).notes.count() == 1
