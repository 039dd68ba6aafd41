"""The learning page is private to the clinician and their current supervisors: not the
clinic admin, not a colleague, not a past supervisor, not another clinic."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.clinics.models import Supervision
from reattune.clinics.services import supervision_end
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db

PAGES = ("learning_person", "learning_person_summary")


@pytest.mark.parametrize("page", PAGES)
def test_the_clinician_sees_their_own(world: ClinicWorld, login, page: str) -> None:
    client = login(world.trainee)
    assert client.get(reverse(page, args=[world.trainee.pk])).status_code == 200
    assert client.get(reverse("learning_home")).status_code == 200
    assert client.get(reverse("learning_summary")).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_a_current_supervisor_sees_it(world: ClinicWorld, login, page: str) -> None:
    response = login(world.supervisor).get(reverse(page, args=[world.trainee.pk]))
    assert response.status_code == 200
    assert str(world.trainee) in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_past_supervisor_does_not(world: ClinicWorld, login, page: str) -> None:
    supervision_end(supervision=Supervision.objects.get(supervisee=world.trainee))
    response = login(world.supervisor).get(reverse(page, args=[world.trainee.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["admin", "clinician", "colleague"])
def test_nobody_else_in_the_clinic_does(world: ClinicWorld, login, page: str, who: str) -> None:
    response = login(getattr(world, who)).get(reverse(page, args=[world.trainee.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["admin", "supervisor", "trainee"])
def test_another_clinic_does_not(
    world: ClinicWorld, other_world: ClinicWorld, login, page: str, who: str
) -> None:
    response = login(getattr(other_world, who)).get(reverse(page, args=[world.trainee.pk]))
    assert response.status_code == 404


def test_a_supervisor_sees_only_their_own_supervisees(world: ClinicWorld, login) -> None:
    response = login(world.supervisor).get(reverse("learning_person", args=[world.clinician.pk]))
    assert response.status_code == 404


def test_an_admin_has_no_learning_page_of_their_own(world: ClinicWorld, login) -> None:
    assert login(world.admin).get(reverse("learning_home")).status_code == 403


@pytest.mark.parametrize(
    "name, args",
    [
        ("learning_home", []),
        ("learning_summary", []),
        ("learning_person", [1]),
        ("learning_person_summary", [1]),
        ("rating_new", [1]),
        ("reflection_new", []),
        ("goal_new", []),
        ("goal_detail", [1]),
    ],
)
def test_anonymous_goes_to_login(client, name: str, args: list[int]) -> None:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_supervisor_sees_reflections_and_the_admin_never(world: ClinicWorld, login) -> None:
    from reattune.learning.services import reflection_create

    reflection_create(person=world.trainee, prompt="noticed", text="I hurried the ending.")
    page = login(world.supervisor).get(reverse("learning_person", args=[world.trainee.pk]))
    assert "I hurried the ending." in page.content.decode()
    admin_pages = [
        login(world.admin).get(reverse(name, args=[world.trainee.pk])).content.decode()
        for name in PAGES
    ]
    assert not any("I hurried the ending." in p for p in admin_pages)


def test_the_summary_leaves_reflections_out(world: ClinicWorld, login) -> None:
    from reattune.learning.services import reflection_create

    reflection_create(person=world.trainee, prompt="noticed", text="I hurried the ending.")
    page = login(world.trainee).get(reverse("learning_summary")).content.decode()
    assert "I hurried the ending." not in page
    assert "1 reflection in the journal" in page
