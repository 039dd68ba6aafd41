"""Alert detail and acknowledgement, including the htmx partial."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.alerts.models import Alert, AlertStatus
from reattune.alerts.services import alerts_raise_for_session
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from tests.checks.helpers import full_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(world) -> Alert:
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    check_response_submit(link=link, cleaned=check_answers_clean(link, full_check(phq9__q9=3)))
    alerts_raise_for_session(session=world.session)
    return Alert.objects.get()


def test_the_detail_page_gives_the_rule_behind_the_alert(login, world, alert):
    body = login(world.clinician).get(reverse("alert_detail", args=[alert.pk])).content.decode()
    assert "Kroenke, Spitzer" in body
    assert "Nearly every day" in body


def test_acknowledging_records_who_and_when(login, world, alert):
    response = login(world.clinician).post(reverse("alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, world.clinician)
    assert alert.acknowledged_at is not None


def test_an_htmx_acknowledgement_returns_just_the_updated_alert(login, world, alert):
    response = login(world.clinician).post(
        reverse("alert_acknowledge", args=[alert.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("<article"), "a partial, not a whole page"
    assert f"Seen by {world.clinician.full_name}" in body


def test_acknowledging_twice_keeps_the_first_acknowledgement(login, world, alert):
    login(world.clinician).post(reverse("alert_acknowledge", args=[alert.pk]))
    first = Alert.objects.get().acknowledged_at
    login(world.clinician).post(reverse("alert_acknowledge", args=[alert.pk]))
    assert Alert.objects.get().acknowledged_at == first


def test_an_acknowledged_alert_leaves_the_home_page(login, world, alert):
    client = login(world.clinician)
    client.post(reverse("alert_acknowledge", args=[alert.pk]))
    assert "Safety: PHQ-9" not in client.get(reverse("home")).content.decode()


def test_a_get_cannot_acknowledge(login, world, alert):
    assert (
        login(world.clinician).get(reverse("alert_acknowledge", args=[alert.pk])).status_code == 405
    )
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_good_news_is_recorded_for_information_not_as_seen_by_nobody(login, world):
    from tests.checks.helpers import full_check as answers
    from tests.factories import make_session

    participant = world.case.participants.get()
    for number, per_item in ((1, "3"), (2, "1")):
        session = world.session if number == 1 else make_session(world.case, number)
        link = check_link_create(
            session=session, participant=participant, created_by=world.clinician
        )
        check_response_submit(
            link=link,
            cleaned=check_answers_clean(
                link, answers(**{f"phq9__q{n}": per_item for n in range(1, 9)})
            ),
        )
        alerts_raise_for_session(session=session)
    assert Alert.objects.filter(signal="reliable_improvement").exists()
    body = login(world.clinician).get(reverse("client_detail", args=[participant.client_id]))
    page = body.content.decode()
    assert "Seen by None" not in page
    assert "For information" in page
