"""Requirement 14: audit is fail-closed. If the audit row cannot be written the request fails,
shows nothing, and (for a change) keeps nothing. The audit table really refuses the insert here
(a trigger, inside the test's transaction); nothing is mocked."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from reattune.audit.checkform import NOT_SAVED
from reattune.audit.middleware import UNAVAILABLE
from reattune.cases.models import Client
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import check_link_create
from tests.audit.helpers import audit_inserts_fail, last_seq, rows_since
from tests.checks.helpers import full_check
from tests.factories import PASSWORD, ClinicWorld

pytestmark = pytest.mark.django_db


def client_of(world: ClinicWorld) -> Client:
    return world.case.participants.get().client


def test_a_page_whose_read_cannot_be_recorded_is_a_503_that_shows_nothing(login, world):
    client = login(world.clinician)
    code = client_of(world).code
    assert code in client.get(reverse("client_detail", args=[client_of(world).pk])).content.decode()
    before = last_seq()
    with audit_inserts_fail():
        response = client.get(reverse("client_detail", args=[client_of(world).pk]))
    assert response.status_code == 503
    page = response.content.decode()
    assert escape(UNAVAILABLE) in page
    assert code not in page
    assert world.clinician.full_name not in page, "not even the header with the person's name"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Request-ID"]
    assert rows_since(before) == []


def test_a_report_pdf_whose_print_cannot_be_recorded_is_not_sent(login, world):
    client = login(world.clinician)
    with audit_inserts_fail():
        response = client.get(reverse("client_report_pdf", args=[client_of(world).pk]))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response


def test_a_change_whose_row_cannot_be_written_is_not_kept(login, world):
    client = login(world.clinician)
    with audit_inserts_fail():
        response = client.post(reverse("client_create"), {"code": "NEVER-KEPT"})
    assert response.status_code == 503
    assert escape(UNAVAILABLE) in response.content.decode()
    assert not Client.objects.filter(code="NEVER-KEPT").exists()


def test_a_role_change_that_cannot_be_recorded_is_not_kept(login, world):
    from reattune.clinics.models import User

    client = login(world.admin)
    url = reverse("person_detail", args=[world.colleague.pk])
    with audit_inserts_fail():
        response = client.post(url, {"role": "supervisor", "is_active": "on"})
    assert response.status_code == 503
    assert User.objects.get(pk=world.colleague.pk).role == "clinician"


def test_a_rolled_back_change_is_not_announced_as_done_on_the_next_page(login, world):
    client = login(world.clinician)
    participant = world.case.participants.get()
    url = reverse("link_create", args=[world.session.pk, participant.pk])
    with audit_inserts_fail():
        response = client.post(url)
    assert response.status_code == 503
    assert not CheckLink.objects.filter(session=world.session).exists()
    page = client.get(reverse("session_checks", args=[world.session.pk])).content.decode()
    assert "is ready" not in page, "no 'ready' message for a link that was never kept"


def test_a_sign_in_that_cannot_be_recorded_does_not_sign_anyone_in(client, world):
    with audit_inserts_fail():
        response = client.post(
            reverse("login"), {"username": world.clinician.email, "password": PASSWORD}
        )
    assert response.status_code == 503
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302, "still signed out"


def test_the_clients_check_keeps_every_answer_on_screen_and_stores_nothing(
    client, world, django_capture_on_commit_callbacks
):
    """The check form: the submission is rolled back, the client loses nothing on screen, and
    the urgent alert's email (a django-tasks task enqueued on commit) is never sent."""
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    answers = full_check(phq9__q9=3, alliance__change="A marker: slower please")
    url = reverse("check_form", args=[link.token])
    with audit_inserts_fail(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, answers)
    assert response.status_code == 503
    page = response.content.decode()
    assert escape(NOT_SAVED) in page
    assert "A marker: slower please" in page, "the typed comment is still in the form"
    assert 'name="phq9-q9" value="3" checked' in page, "the chosen answers are still chosen"
    assert not Response.objects.filter(link=link).exists()
    assert CheckLink.objects.get(pk=link.pk).used_at is None, "the link still takes answers"
    assert callbacks == [] and mail.outbox == [], "no alert and no email for a rolled-back check"

    # Pressing Send again once the audit can be written stores the answers and emails the alert.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, answers)
    assert again.status_code == 200
    assert Response.objects.filter(link=link).count() == 3
    assert len(mail.outbox) == 1
