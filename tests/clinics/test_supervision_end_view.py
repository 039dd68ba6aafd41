"""/supervisions/<id>/end/: a clinic admin ends a supervision link today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Supervision
from reattune.clinics.services import supervision_add
from tests.factories import ClinicWorld


def link_of(world: ClinicWorld) -> Supervision:
    return Supervision.objects.get(clinic=world.clinic, supervisee=world.trainee)


def url(link: Supervision) -> str:
    return reverse("supervision_end", args=[link.pk])


def test_it_sends_an_anonymous_visitor_to_log_in_and_ends_nothing(
    client, world: ClinicWorld
) -> None:
    response = client.post(url(link_of(world)))
    assert response["Location"].startswith(reverse("login"))
    assert link_of(world).ends_on is None


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    assert login(getattr(world, role)).post(url(link_of(world))).status_code == 403
    assert link_of(world).ends_on is None


def test_it_answers_404_for_a_link_in_another_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    assert login(world.admin).post(url(link_of(other_world))).status_code == 404
    assert link_of(other_world).ends_on is None


def test_it_only_accepts_a_post(world: ClinicWorld, login) -> None:
    assert login(world.admin).get(url(link_of(world))).status_code == 405
    assert link_of(world).ends_on is None


def test_it_ends_the_link_today(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(url(link_of(world)))
    assert response.status_code == 302
    assert response["Location"] == reverse("person_supervision", args=[world.trainee.pk])
    assert link_of(world).ends_on == timezone.localdate()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert not Supervision.objects.active(on=tomorrow).filter(supervisee=world.trainee).exists()


def test_it_removes_a_link_that_has_not_started_yet(world: ClinicWorld, login) -> None:
    later = supervision_add(
        supervisor=world.supervisor,
        supervisee=world.clinician,
        starts_on=timezone.localdate() + dt.timedelta(days=7),
    )
    login(world.admin).post(url(later))
    assert not Supervision.objects.filter(pk=later.pk).exists()


def test_ending_an_ended_link_keeps_its_end_date(world: ClinicWorld, login) -> None:
    link = link_of(world)
    link.starts_on, link.ends_on = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
    link.save()
    login(world.admin).post(url(link))
    assert link_of(world).ends_on == dt.date(2025, 6, 30)
