"""The client's check form, reached through a signed, single-use link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reattune.alerts.models import Alert
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import LINK_EXPIRED, LINK_INVALID, LINK_USED, check_link_create
from tests.checks.helpers import full_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(world) -> CheckLink:
    participant = world.case.participants.get()
    return check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )


def url(link: CheckLink) -> str:
    return reverse("check_form", args=[link.token])


def test_it_shows_the_form_without_a_login(client, link):
    response = client.get(url(link))
    assert response.status_code == 200
    body = response.content.decode()
    assert "I felt respected and listened to." in body
    assert "Thoughts that you would be better off dead" in body
    assert 'name="phq9-q9"' in body


def test_it_stores_scores_once_and_thanks_the_client(
    client, link, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(link), full_check())
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    stored = {r.measure_id: r.total for r in Response.objects.all()}
    assert stored == {"alliance": 35, "phq9": 8, "gad7": 7}
    link.refresh_from_db()
    assert link.is_used


def test_a_double_submit_stores_one_response(client, link):
    client.post(url(link), full_check())
    second = client.post(url(link), full_check(alliance__respected=2))
    assert second.status_code == 200
    assert escape(LINK_USED) in second.content.decode()
    assert Response.objects.count() == 3
    assert Response.objects.get(measure_id="alliance").total == 35


def test_a_second_link_for_the_same_session_cannot_store_twice(client, world, link):
    # A second link can't even be created once the first has been answered...
    client.post(url(link), full_check())
    participant = world.case.participants.get()
    from reattune.checks.services import ALREADY_ANSWERED, CannotIssueLink

    with pytest.raises(CannotIssueLink, match=ALREADY_ANSWERED):
        check_link_create(
            session=world.session, participant=participant, created_by=world.clinician
        )


def test_two_open_links_answered_in_turn_store_one_set(client, world):
    participant = world.case.participants.get()
    first = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    second = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    client.post(url(first), full_check())
    response = client.post(url(second), full_check(alliance__respected=1))
    assert escape(LINK_USED) in response.content.decode()
    assert Response.objects.count() == 3
    second.refresh_from_db()
    assert not second.is_used, "the losing link's claim was rolled back with its answers"


def test_an_expired_link_shows_a_kind_message_and_stores_nothing(client, link):
    CheckLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    for response in (client.get(url(link)), client.post(url(link), full_check())):
        assert response.status_code == 410
        assert escape(LINK_EXPIRED) in response.content.decode()
    assert Response.objects.count() == 0


def test_a_used_link_shows_a_kind_message(client, link):
    client.post(url(link), full_check())
    response = client.get(url(link))
    assert escape(LINK_USED) in response.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: str(int(t.split(".")[0]) + 1) + "." + t.split(".")[1],  # another link's id
        lambda t: "not-a-token",
        lambda t: t.split(".")[0],  # no signature at all
        lambda t: "x" * 500,  # absurdly long
    ],
)
def test_a_tampered_link_is_refused_and_stores_nothing(client, link, mangle):
    bad = reverse("check_form", args=[mangle(link.token)])
    for response in (client.get(bad), client.post(bad, full_check())):
        assert response.status_code == 404
        assert escape(LINK_INVALID) in response.content.decode()
    assert Response.objects.count() == 0


def test_a_missing_answer_is_named_and_nothing_is_lost(client, link):
    answers = full_check()
    del answers["phq9-q4"]
    answers["alliance-change"] = "Slower please"
    response = client.post(url(link), answers)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please answer this question." in body
    assert "Nothing has been sent yet" in body
    assert "Slower please" in body, "the client's other answers are kept"
    assert Response.objects.count() == 0
    link.refresh_from_db()
    assert not link.is_used, "a form with a problem does not use up the link"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("alliance-respected", "11", "Please choose a value from 0 to 10."),
        ("alliance-respected", "-1", "Please choose a value from 0 to 10."),
        ("phq9-q1", "4", "Please choose a value from 0 to 3."),
        ("phq9-q1", "three", "Please choose one of the answers given."),
        ("alliance-felt_off", "maybe", "Please answer yes or no."),
        ("alliance-change", "x" * 1001, "Please keep this to 1000 characters or fewer"),
        ("alliance-focus", "", "Please answer this question."),
    ],
)
def test_bad_answers_get_a_clear_message(client, link, field, value, message):
    response = client.post(url(link), full_check() | {field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Response.objects.count() == 0


def test_a_safety_item_raises_an_urgent_alert_and_emails_clinician_and_supervisor(
    client, world, django_capture_on_commit_callbacks
):
    from reattune.clinics.services import supervision_start

    supervision_start(supervisor=world.supervisor, supervisee=world.clinician)
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(link), full_check(phq9__q9=2))
    assert "You mentioned thoughts of harming yourself" in response.content.decode()
    alert = Alert.objects.get()
    assert (alert.signal, alert.severity, alert.client_id) == (
        "safety",
        "urgent",
        participant.client_id,
    )
    assert "More than half the days" in alert.explanation
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {world.clinician.email, world.supervisor.email}
    assert "More than half the days" not in mail.outbox[0].body, "no answers travel by email"


def test_a_yes_to_felt_off_raises_a_rupture_alert(client, link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(link), full_check(alliance__felt_off="yes", alliance__change="I felt rushed")
        )
    alert = Alert.objects.get()
    assert (alert.signal, alert.severity) == ("alliance_rupture", "warning")
    assert "I felt rushed" in alert.explanation
    assert mail.outbox == []


def test_no_alert_for_an_ordinary_check(client, link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(link), full_check())
    assert Alert.objects.count() == 0
