"""Competency ratings: by a current supervisor or a clinic admin, never by the person
themself; evidence required; on the 1-5 scale; a correction is a new rating."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from reattune.clinics.services import supervision_end
from reattune.learning import access, services
from reattune.learning.models import CompetencyRating
from tests.factories import ClinicWorld
from tests.learning.helpers import EVIDENCE, competency, rate, rating_form

pytestmark = pytest.mark.django_db


def test_a_current_supervisor_rates_a_supervisee(world: ClinicWorld) -> None:
    rating = rate(world.trainee, world.supervisor, level=2)
    assert (rating.level, rating.rated_by, rating.clinic) == (2, world.supervisor, world.clinic)


def test_a_clinic_admin_may_rate_anyone_with_a_caseload(world: ClinicWorld) -> None:
    assert rate(world.clinician, world.admin).rated_by == world.admin


def test_nobody_rates_themself(world: ClinicWorld) -> None:
    with pytest.raises(PermissionDenied, match=access.SELF_RATING):
        rate(world.trainee, world.trainee)
    with pytest.raises(PermissionDenied, match=access.SELF_RATING):
        rate(world.supervisor, world.supervisor)


@pytest.mark.parametrize("who", ["clinician", "colleague"])
def test_a_colleague_cannot_rate(world: ClinicWorld, who: str) -> None:
    with pytest.raises(PermissionDenied, match=access.NOT_THEIR_SUPERVISOR):
        rate(world.trainee, getattr(world, who))


def test_a_supervisor_cannot_rate_someone_they_do_not_supervise(world: ClinicWorld) -> None:
    with pytest.raises(PermissionDenied, match=access.NOT_THEIR_SUPERVISOR):
        rate(world.clinician, world.supervisor)


def test_a_past_supervisor_cannot_rate(world: ClinicWorld) -> None:
    from reattune.clinics.models import Supervision

    supervision_end(supervision=Supervision.objects.get(supervisee=world.trainee))
    with pytest.raises(PermissionDenied, match=access.NOT_THEIR_SUPERVISOR):
        rate(world.trainee, world.supervisor)


def test_another_clinic_cannot_rate(world: ClinicWorld, other_world: ClinicWorld) -> None:
    with pytest.raises(PermissionDenied, match=access.OTHER_CLINIC):
        rate(world.trainee, other_world.admin)


def test_a_competency_from_another_clinic_is_refused(
    world: ClinicWorld, other_world: ClinicWorld
) -> None:
    with pytest.raises(PermissionDenied, match=access.OTHER_CLINIC):
        services.rating_record(
            person=world.trainee,
            competency=competency(other_world.trainee),
            level=3,
            evidence=EVIDENCE,
            rated_by=world.supervisor,
        )


@pytest.mark.parametrize("evidence", ["", "   ", "\n"])
def test_evidence_is_required(world: ClinicWorld, evidence: str) -> None:
    with pytest.raises(ValidationError, match="evidence"):
        rate(world.trainee, world.supervisor, evidence=evidence)


@pytest.mark.parametrize("level", [0, 6, -1, 100])
def test_the_level_is_on_the_scale(world: ClinicWorld, level: int) -> None:
    with pytest.raises(ValidationError, match="1 \\(beginning\\) to 5"):
        rate(world.trainee, world.supervisor, level=level)


def test_the_database_refuses_what_the_service_would(world: ClinicWorld) -> None:
    good = rate(world.trainee, world.supervisor)
    for change in ({"level": 9}, {"evidence": ""}, {"rated_by": world.trainee}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CompetencyRating.objects.filter(pk=good.pk).update(**change)


def test_a_rating_cannot_be_in_the_future(world: ClinicWorld) -> None:
    with pytest.raises(ValidationError, match="future"):
        rate(world.trainee, world.supervisor, rated_on=dt.date.today() + dt.timedelta(days=2))


def test_an_inactive_competency_takes_no_new_ratings(world: ClinicWorld) -> None:
    one = competency(world.trainee)
    services.competency_update(
        competency=one, by=world.admin, title=one.title, description="", active=False
    )
    with pytest.raises(ValidationError, match="no longer in use"):
        services.rating_record(
            person=world.trainee, competency=one, level=3, evidence=EVIDENCE, rated_by=world.admin
        )


def test_a_correction_is_a_new_rating_and_only_one_per_rating(world: ClinicWorld) -> None:
    wrong = rate(world.trainee, world.supervisor, level=1)
    right = rate(world.trainee, world.supervisor, level=3, corrects=wrong)
    wrong.refresh_from_db()
    assert (wrong.level, right.corrects) == (1, wrong)
    with pytest.raises(ValidationError, match="already been corrected"):
        rate(world.trainee, world.supervisor, level=4, corrects=wrong)
    with pytest.raises(ValidationError, match="same person and competency"):
        rate(world.trainee, world.supervisor, key="ethics", corrects=right)


# The page


def test_the_supervisor_rates_through_the_page(world: ClinicWorld, login) -> None:
    client = login(world.supervisor)
    url = reverse("rating_new", args=[world.trainee.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, rating_form(competency(world.trainee).pk, level="4"))
    assert response.status_code == 302
    assert CompetencyRating.objects.get(person=world.trainee).level == 4


def test_the_page_corrects_a_rating(world: ClinicWorld, login) -> None:
    wrong = rate(world.trainee, world.supervisor, level=1)
    client = login(world.supervisor)
    url = reverse("rating_new", args=[world.trainee.pk])
    assert "This corrects the rating" in client.get(url, {"corrects": wrong.pk}).content.decode()
    client.post(url, rating_form(wrong.competency_id, level="2", corrects=str(wrong.pk)))
    assert CompetencyRating.objects.get(corrects=wrong).level == 2


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"evidence": ""}, "Say what you saw"),
        ({"evidence": "x" * 4001}, "Please keep this under 4,000 characters."),
        ({"level": "7"}, "Choose a level from 1"),
        ({"level": "three"}, "Choose a level from 1"),
        ({"rated_on": "2099-01-01"}, "in the future"),
        ({"rated_on": "1850-01-01"}, "Please give a date between"),
        ({"rated_on": "yesterday"}, "Please enter a real date"),
        ({"competency": "999999"}, "Choose one of the clinic's competencies in use."),
    ],
)
def test_bad_input_is_refused_with_a_message(
    world: ClinicWorld, login, overrides: dict[str, str], message: str
) -> None:
    url = reverse("rating_new", args=[world.trainee.pk])
    data = rating_form(competency(world.trainee).pk, **overrides)
    response = login(world.supervisor).post(url, data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not CompetencyRating.objects.exists()


def test_another_clinics_competency_id_is_refused_on_the_page(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    url = reverse("rating_new", args=[world.trainee.pk])
    login(world.supervisor).post(url, rating_form(competency(other_world.trainee).pk))
    assert not CompetencyRating.objects.exists()


def test_the_page_refuses_self_rating_with_a_reason(world: ClinicWorld, login) -> None:
    response = login(world.trainee).get(reverse("rating_new", args=[world.trainee.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["clinician", "colleague"])
def test_the_page_is_404_for_a_non_supervisor(world: ClinicWorld, login, who: str) -> None:
    response = login(getattr(world, who)).get(reverse("rating_new", args=[world.trainee.pk]))
    assert response.status_code == 404


def test_the_page_is_404_for_another_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    response = login(other_world.admin).get(reverse("rating_new", args=[world.trainee.pk]))
    assert response.status_code == 404
