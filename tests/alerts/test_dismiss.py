"""Dismissing an alert with a reason, and the alert's repair actions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.alerts.services import alert_dismiss, alerts_raise_for_session
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from tests.checks.helpers import full_check
from tests.factories import make_session
from tests.repairs.helpers import body, open_from_alert, ruptured

pytestmark = pytest.mark.django_db

NEEDS_A_REASON = "Say why this alert needs no repair."
REASON = "She told me the low score was about her week at work, not our sessions."


@pytest.fixture
def alert(world) -> Alert:
    """A warning: the alliance rupture after session 5."""
    alert = ruptured(world.case, world.clinician)
    assert alert.severity == Severity.WARNING
    return alert


@pytest.fixture
def good_news(world) -> Alert:
    participant = world.case.participants.get()
    for number, per_item in ((1, "3"), (2, "1")):
        session = world.session if number == 1 else make_session(world.case, number)
        link = check_link_create(
            session=session, participant=participant, created_by=world.clinician
        )
        answers = full_check(**{f"phq9__q{n}": per_item for n in range(1, 9)})
        check_response_submit(link=link, cleaned=check_answers_clean(link, answers))
        alerts_raise_for_session(session=session)
    alert = Alert.objects.get(signal="reliable_improvement")
    assert alert.severity == Severity.INFO
    return alert


def _dismiss(alert: Alert) -> str:
    return reverse("alert_dismiss", args=[alert.pk])


def test_dismissing_keeps_the_reason_who_and_when(world, login, alert):
    response = login(world.clinician).post(_dismiss(alert), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("alert_detail", args=[alert.pk])
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason, alert.acknowledged_by) == (
        AlertStatus.DISMISSED,
        REASON,
        world.clinician,
    )
    assert alert.acknowledged_at is not None


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_dismissal_needs_a_reason(world, login, alert, reason):
    response = login(world.clinician).post(_dismiss(alert), {"reason": reason})
    assert response.status_code == 400
    assert escape(NEEDS_A_REASON) in body(response)
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason) == (AlertStatus.OPEN, "")


def test_a_reason_over_the_limit_is_refused(world, login, alert):
    response = login(world.clinician).post(_dismiss(alert), {"reason": "x" * 2001})
    assert response.status_code == 400
    assert "Please keep the reason under 2,000 characters." in body(response)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_the_service_refuses_an_empty_reason_too(world, alert):
    with pytest.raises(ValidationError) as excinfo:
        alert_dismiss(alert=alert, by=world.clinician, reason="  ")
    assert excinfo.value.message_dict == {"reason": [NEEDS_A_REASON]}


def test_a_dismissed_alert_leaves_the_open_list_on_the_home_page(world, login, alert):
    client = login(world.clinician)
    assert alert.title in body(client.get(reverse("home")))
    client.post(_dismiss(alert), {"reason": REASON})
    assert alert.title not in body(client.get(reverse("home")))


def test_a_double_submit_keeps_the_first_reason_and_person(world, login, alert):
    login(world.clinician).post(_dismiss(alert), {"reason": REASON})
    alert.refresh_from_db()
    first = (alert.dismiss_reason, alert.acknowledged_by_id, alert.acknowledged_at)
    login(world.supervisor).post(_dismiss(alert), {"reason": "Another reason."})
    alert.refresh_from_db()
    assert (alert.dismiss_reason, alert.acknowledged_by_id, alert.acknowledged_at) == first


def test_an_htmx_dismissal_returns_the_alert_fragment(world, login, alert):
    response = login(world.clinician).post(
        _dismiss(alert), {"reason": REASON}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = body(response)
    assert fragment.lstrip().startswith("<article"), "a partial, not a whole page"
    assert f"Dismissed by {world.clinician}" in fragment
    assert escape(REASON) in fragment


def test_a_compact_htmx_dismissal_returns_the_compact_row(world, login, alert):
    response = login(world.clinician).post(
        _dismiss(alert), {"reason": REASON, "compact": "1"}, headers={"HX-Request": "true"}
    )
    assert body(response).lstrip().startswith("<li")


def test_the_dismiss_page_shows_the_form(world, login, alert):
    response = login(world.clinician).get(_dismiss(alert))
    assert response.status_code == 200
    assert "Why this needs no repair" in body(response)


def test_a_warning_offers_a_repair_and_a_dismissal(world, login, alert):
    page = body(login(world.clinician).get(reverse("alert_detail", args=[alert.pk])))
    assert "Start a repair" in page
    assert f"{reverse('repair_new')}?alert={alert.pk}" in page
    assert "Dismiss with a reason" in page
    assert "See the repair" not in page


def test_a_warning_on_the_home_page_offers_both_too(world, login, alert):
    page = body(login(world.clinician).get(reverse("home")))
    assert f"{reverse('repair_new')}?alert={alert.pk}" in page
    assert _dismiss(alert) in page


def test_once_a_repair_exists_the_alert_links_to_it(world, login, alert):
    repair = open_from_alert(alert, world.clinician)
    page = body(login(world.clinician).get(reverse("alert_detail", args=[alert.pk])))
    assert "See the repair" in page
    assert reverse("repair_detail", args=[repair.pk]) in page
    assert "Start a repair" not in page
    assert "Dismiss with a reason" not in page


def test_an_alert_with_a_repair_cannot_be_dismissed(world, login, alert):
    open_from_alert(alert, world.clinician)
    response = login(world.clinician).post(_dismiss(alert), {"reason": REASON})
    assert response.status_code == 400
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason) == (AlertStatus.ACKNOWLEDGED, "")


def test_good_news_offers_neither_a_repair_nor_a_dismissal(world, login, good_news):
    page = body(login(world.clinician).get(reverse("alert_detail", args=[good_news.pk])))
    assert "Start a repair" not in page
    assert "Dismiss with a reason" not in page


def test_a_dismissed_alert_shows_who_and_why(world, login, alert):
    client = login(world.clinician)
    client.post(_dismiss(alert), {"reason": REASON})
    page = body(client.get(reverse("alert_detail", args=[alert.pk])))
    assert f"Dismissed by {world.clinician}" in page
    assert escape(REASON) in page
    assert "Start a repair" not in page


def test_a_colleague_cannot_dismiss_someone_elses_alert(world, login, alert):
    for method in ("get", "post"):
        response = getattr(login(world.colleague), method)(_dismiss(alert), {"reason": REASON})
        assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_another_clinic_cannot_dismiss_it(world, other_world, login, alert):
    response = login(other_world.admin).post(_dismiss(alert), {"reason": REASON})
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_anonymous_is_sent_to_log_in(client, world, alert):
    response = client.post(_dismiss(alert), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
