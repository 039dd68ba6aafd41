"""One audit row per request, with a request id, written after the view (Requirement 12), and
a "denied" row for another caseload's or clinic's record (Requirement 2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.audit.models import Action, AuditEvent, Category, Outcome
from reattune.cases.models import Client
from tests.audit.helpers import last_seq, request_rows, rows_since
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db


def client_of(world: ClinicWorld, case: str = "case") -> int:
    return int(getattr(world, case).participants.get().client_id)


def test_every_response_carries_a_request_id_and_its_row_the_same_id(login, world):
    response = login(world.clinician).get(reverse("client_detail", args=[client_of(world)]))
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    (row,) = request_rows(response)
    assert row.target == f"client_detail client_id={client_of(world)}"
    other = login(world.clinician).get(reverse("home"))
    assert other["X-Request-ID"] != request_id


def test_a_page_without_client_data_gets_a_request_id_but_no_row(client):
    before = last_seq()
    response = client.get(reverse("login"))
    assert response["X-Request-ID"]
    assert rows_since(before) == []


def test_an_anonymous_request_is_sent_to_log_in_and_writes_no_row(client, world):
    before = last_seq()
    response = client.get(reverse("client_detail", args=[client_of(world)]))
    assert response.status_code == 302
    assert rows_since(before) == []


def test_another_caseloads_client_is_a_404_and_a_denied_row_naming_the_client(login, world):
    """Requirement 2: a colleague's client, asked for by id."""
    colleagues_client = client_of(world, "colleague_case")
    response = login(world.clinician).get(reverse("client_detail", args=[colleagues_client]))
    assert response.status_code == 404
    (row,) = request_rows(response)
    assert (row.outcome, row.category, row.action) == (Outcome.DENIED, Category.CLIENT, Action.READ)
    assert (row.user_id, row.clinic_id, row.client_id) == (
        world.clinician.pk,
        world.clinic.pk,
        colleagues_client,
    )


@pytest.mark.parametrize(
    "name, key",
    [
        ("client_detail", "client_id"),
        ("case_detail", "case_id"),
        ("client_report", "client_id"),
        ("client_report_pdf", "client_id"),
        ("session_checks", "session_id"),
    ],
)
def test_another_clinics_record_is_a_404_and_a_denied_row_that_names_no_client(
    login, world, other_world, name, key
):
    """Requirement 2: another clinic's client, response or report by id; the row keeps the route
    and the id asked for, and never records the other clinic's client."""
    ids = {
        "client_id": client_of(other_world),
        "case_id": other_world.case.pk,
        "session_id": other_world.session.pk,
    }
    response = login(world.clinician).get(reverse(name, kwargs={key: ids[key]}))
    assert response.status_code == 404
    (row,) = request_rows(response)
    assert row.outcome == Outcome.DENIED
    assert (row.client_id, row.case_id) == (None, None)
    assert row.clinic_id == world.clinic.pk
    assert row.target == f"{name} {key}={ids[key]}"


def test_another_clinics_repair_note_and_review_are_denied_rows_too(login, world, other_world):
    """Requirement 2: a repair, its disclosure (a note) and a case review (a report) by id."""
    from tests.test_access import ids_for

    ids = ids_for(other_world)
    admin = login(world.admin)
    for name, key in (
        ("repair_detail", "repair_id"),
        ("disclosure_amend", "disclosure_id"),
        ("review_detail", "review_id"),
        ("alert_detail", "alert_id"),
        ("meeting_detail", "meeting_id"),
    ):
        for method in (admin.get, admin.post):
            response = method(reverse(name, kwargs={key: ids[key]}))
            assert response.status_code in (404, 405), name
            (row,) = request_rows(response)
            assert (row.outcome, row.client_id, row.user_id) == (
                Outcome.DENIED,
                None,
                world.admin.pk,
            )


def test_a_change_that_fails_with_a_server_error_is_rolled_back_and_recorded_as_failed(
    login, world, settings
):
    settings.ROOT_URLCONF = "tests.audit.urls"
    http = login(world.clinician)
    http.raise_request_exception = False
    response = http.post(reverse("test_change_then_fail"))
    assert response.status_code == 500
    assert not Client.objects.filter(code="HALF-DONE").exists()
    (row,) = request_rows(response)
    assert (row.outcome, row.action) == (Outcome.FAILED, Action.CHANGE)


def test_a_route_nobody_classified_is_still_audited_as_system(login, world, settings):
    settings.ROOT_URLCONF = "tests.audit.urls"
    response = login(world.clinician).get(reverse("test_unclassified"))
    (row,) = request_rows(response)
    assert (row.category, row.action, row.target) == (
        Category.SYSTEM,
        Action.READ,
        "test_unclassified",
    )


def test_a_form_with_errors_is_a_failed_change(login, world):
    response = login(world.clinician).post(reverse("client_create"), {"code": ""})
    assert response.status_code in (200, 400)
    (row,) = request_rows(response)
    expected = Outcome.OK if response.status_code == 200 else Outcome.FAILED
    assert (row.action, row.outcome) == (Action.CREATE, expected)


def test_a_new_client_is_named_in_the_row_of_the_request_that_created_it(login, world):
    response = login(world.clinician).post(reverse("client_create"), {"code": "NEW-7"})
    assert response.status_code == 302
    new = Client.objects.get(clinic=world.clinic, code="NEW-7")
    (row,) = [r for r in request_rows(response) if r.category == Category.CLIENT]
    assert (row.action, row.client_id, row.outcome) == (Action.CREATE, new.pk, Outcome.OK)


def test_the_public_check_link_is_audited_with_no_user(client, world):
    from reattune.checks.services import check_link_create

    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    response = client.get(reverse("check_form", args=[link.token]))
    assert response.status_code == 200
    (row,) = request_rows(response)
    assert (row.user_id, row.user_label) == (None, "")
    assert (row.client_id, row.clinic_id) == (participant.client_id, world.clinic.pk)
    assert (row.category, row.action) == (Category.RESPONSE, Action.READ)
    assert link.token not in row.target


def test_a_made_up_check_link_is_a_denied_row_naming_nobody(client, db):
    response = client.get(reverse("check_form", args=["123.forged"]))
    assert response.status_code == 404
    (row,) = request_rows(response)
    assert (row.outcome, row.client_id, row.target) == (Outcome.DENIED, None, "check_form")


def test_each_page_adds_exactly_one_row(login, world):
    client = login(world.clinician)
    after_login = AuditEvent.objects.count()
    for url in (reverse("home"), reverse("client_list"), reverse("repair_list")):
        response = client.get(url)
        assert len(request_rows(response)) == 1
    assert AuditEvent.objects.count() == after_login + 3


def test_someone_signed_in_elsewhere_opening_a_check_link_records_no_client_of_that_clinic(
    login, world, other_world
):
    from reattune.checks.services import check_link_create

    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    response = login(other_world.clinician).get(reverse("check_form", args=[link.token]))
    (row,) = request_rows(response)
    assert (row.user_id, row.clinic_id, row.client_id, row.case_id) == (
        other_world.clinician.pk,
        other_world.clinic.pk,
        None,
        None,
    )


def test_an_htmx_partial_for_another_clinics_alert_is_a_404_and_a_denied_row(
    login, world, other_world
):
    """Requirement 2, through an htmx partial."""
    from tests.test_access import answered_world

    _, alert = answered_world(other_world)
    response = login(world.clinician).post(
        reverse("alert_acknowledge", args=[alert.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    (row,) = request_rows(response)
    assert (row.outcome, row.action, row.client_id) == (Outcome.DENIED, Action.CHANGE, None)
    assert row.target == f"alert_acknowledge alert_id={alert.pk}"


def test_a_page_refused_for_want_of_the_second_factor_is_denied_not_read(client, world):
    """Requirement 12: someone who knew only the password and was sent to the code page saw
    nothing, so their row says denied, never a read of the client they asked for."""
    from tests.accounts.helpers import authenticator_for, password_step

    authenticator_for(world.clinician)
    password_step(client, world.clinician)
    client_id = world.case.participants.get().client_id
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(reverse("client_detail", args=[client_id]), headers=headers)
        assert response.status_code in (200, 302)
        assert "client_detail" not in response.content.decode()
        (row,) = request_rows(response)
        assert (row.outcome, row.user_id) == (Outcome.DENIED, world.clinician.pk)
