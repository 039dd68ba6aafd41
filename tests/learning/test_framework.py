"""The clinic's competency framework: defaults once, edited by the clinic admin only, and a
competency out of use keeps its ratings."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reattune.learning.framework import DEFAULTS, framework_for
from reattune.learning.models import Competency
from reattune.learning.services import competency_create, competency_update
from tests.factories import ClinicWorld
from tests.learning.helpers import competency, rate

pytestmark = pytest.mark.django_db


def test_it_creates_the_five_defaults_once(world: ClinicWorld) -> None:
    first = framework_for(world.clinic)
    again = framework_for(world.clinic)
    assert [c.key for c in first] == [key for key, _, _ in DEFAULTS]
    assert [c.pk for c in again] == [c.pk for c in first]
    assert Competency.objects.filter(clinic=world.clinic).count() == 5


def test_each_clinic_has_its_own(world: ClinicWorld, other_world: ClinicWorld) -> None:
    mine, theirs = framework_for(world.clinic), framework_for(other_world.clinic)
    assert not {c.pk for c in mine} & {c.pk for c in theirs}


def test_deactivated_competencies_keep_their_ratings_and_do_not_come_back(
    world: ClinicWorld,
) -> None:
    rating = rate(world.trainee, world.supervisor)
    competency_update(
        competency=rating.competency,
        by=world.admin,
        title="Repairing ruptures",
        description="",
        active=False,
    )
    keys = [c.key for c in framework_for(world.clinic)]
    assert "repairing" not in keys and len(keys) == 4
    assert rating.competency.ratings.count() == 1
    assert len(framework_for(world.clinic, include_inactive=True)) == 5


def test_an_added_competency_gets_its_own_key_and_goes_last(world: ClinicWorld) -> None:
    framework_for(world.clinic)
    one = competency_create(clinic=world.clinic, by=world.admin, title="Ethics", description="")
    assert one.key == "ethics_2"
    assert framework_for(world.clinic)[-1] == one


@pytest.mark.parametrize("who", ["supervisor", "clinician", "trainee"])
def test_only_the_admin_changes_it(world: ClinicWorld, who: str) -> None:
    with pytest.raises(PermissionDenied):
        competency_create(
            clinic=world.clinic, by=getattr(world, who), title="Pacing", description=""
        )


def test_another_clinics_admin_cannot(world: ClinicWorld, other_world: ClinicWorld) -> None:
    with pytest.raises(PermissionDenied):
        competency_update(
            competency=competency(world.trainee),
            by=other_world.admin,
            title="Mine now",
            description="",
            active=True,
        )


def test_the_admin_pages(world: ClinicWorld, login) -> None:
    client = login(world.admin)
    page = client.get(reverse("competency_list")).content.decode()
    assert "Noticing ruptures" in page and "Independent" in page
    response = client.post(
        reverse("competency_new"), {"title": "Pacing", "description": "Goes at the client's pace."}
    )
    assert response.status_code == 302
    added = Competency.objects.get(clinic=world.clinic, key="pacing")
    response = client.post(
        reverse("competency_edit", args=[added.pk]), {"title": "Pacing the work", "description": ""}
    )
    added.refresh_from_db()
    assert (added.title, added.active) == ("Pacing the work", False)


@pytest.mark.parametrize(
    "title, message",
    [
        ("", "Give the competency a short title."),
        ("x" * 121, "Please keep this under 120 characters."),
        ("Pa\u200bcing", "hidden characters"),
        ("Pacing\x00", "Null characters are not allowed."),
    ],
)
def test_bad_titles_are_refused(world: ClinicWorld, login, title: str, message: str) -> None:
    response = login(world.admin).post(
        reverse("competency_new"), {"title": title, "description": ""}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Competency.objects.filter(clinic=world.clinic, position__gt=5).exists()


@pytest.mark.parametrize("who", ["supervisor", "clinician", "trainee"])
def test_the_admin_pages_are_403_for_everyone_else(world: ClinicWorld, login, who: str) -> None:
    client = login(getattr(world, who))
    assert client.get(reverse("competency_list")).status_code == 403
    assert client.get(reverse("competency_new")).status_code == 403
    assert (
        client.get(reverse("competency_edit", args=[competency(world.trainee).pk])).status_code
        == 403
    )


def test_another_clinics_competency_is_404(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    theirs = competency(other_world.trainee)
    assert login(world.admin).get(reverse("competency_edit", args=[theirs.pk])).status_code == 404


def test_anonymous_goes_to_login(client) -> None:
    response = client.get(reverse("competency_list"))
    assert response.status_code == 302 and "login" in response["Location"]
