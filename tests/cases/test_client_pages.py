"""Adding a client, opening a case, logging sessions, and the client page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.cases.models import Case, Client, TherapySession
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from tests.checks.helpers import full_check
from tests.factories import make_client, make_session

pytestmark = pytest.mark.django_db


def test_a_clinician_adds_a_client_and_opens_a_case(login, world):
    client = login(world.clinician)
    response = client.post(reverse("client_create"), {"code": "HS-0999", "name": ""})
    new = Client.objects.get(code="HS-0999")
    assert new.clinic == world.clinic
    assert response["Location"] == reverse("case_create_for_client", args=[new.pk])
    response = client.post(
        reverse("case_create_for_client", args=[new.pk]),
        {"kind": "individual", "clients": [new.pk]},
    )
    case = Case.objects.get(participants__client=new)
    assert list(case.clinicians.all()) == [world.clinician]
    assert response["Location"] == reverse("case_detail", args=[case.pk])


def test_a_client_code_must_be_unique_in_the_clinic(login, world, other_world):
    existing = world.case.participants.get().client.code
    response = login(world.clinician).post(reverse("client_create"), {"code": existing.lower()})
    assert "already has the code" in response.content.decode()
    # ...but another clinic may use the same code.
    make_client(other_world.clinic, code="SHARED-1")
    make_client(world.clinic, code="SHARED-1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": ""}, "Please give the client a code."),
        ({"code": "x" * 41}, "Please keep the code to 40 characters or fewer."),
        ({"code": "A1", "email": "not-an-email"}, "Please enter an email address"),
        ({"code": "A1", "date_of_birth": "31/02/1990"}, "Please enter a real date"),
    ],
)
def test_bad_client_details_get_a_clear_message(login, world, data, message):
    response = login(world.clinician).post(reverse("client_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Client.objects.filter(code=data["code"]).exists()


def test_a_couple_case_has_two_participants_and_needs_them(login, world):
    a = make_client(world.clinic, created_by=world.clinician)
    b = make_client(world.clinic, created_by=world.clinician)
    client = login(world.clinician)
    response = client.post(reverse("case_create"), {"kind": "couple", "clients": [a.pk]})
    assert "A couple case needs at least 2 participants." in response.content.decode()
    client.post(reverse("case_create"), {"kind": "couple", "clients": [a.pk, b.pk]})
    case = Case.objects.get(kind="couple")
    assert {p.client for p in case.participants.all()} == {a, b}


def test_a_case_cannot_take_another_clinics_client(login, world, other_world):
    theirs = other_world.case.participants.get().client
    response = login(world.clinician).post(
        reverse("case_create"), {"kind": "individual", "clients": [theirs.pk]}
    )
    assert "isn" in response.content.decode() and "caseload" in response.content.decode()
    assert not Case.objects.filter(participants__client=theirs, clinic=world.clinic).exists()


def test_a_session_number_that_already_exists_is_refused_clearly(login, world):
    response = login(world.clinician).post(
        reverse("session_create", args=[world.case.pk]),
        {"number": "1", "date": "2026-02-02", "attendance": "attended"},
        follow=True,
    )
    assert "Session 1 is already in this case" in response.content.decode()
    assert "Pick the next free number (2)" in response.content.decode()
    assert TherapySession.objects.filter(case=world.case).count() == 1


def test_a_new_session_takes_the_next_number(login, world):
    login(world.clinician).post(
        reverse("session_create", args=[world.case.pk]),
        {"date": "2026-02-02", "attendance": "attended"},
    )
    assert list(world.case.sessions.values_list("number", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "", "attendance": "attended"}, "This field is required"),
        ({"date": "2026-13-01", "attendance": "attended"}, "Please enter a real date"),
        ({"date": "2026-02-02", "attendance": "late"}, "Select a valid choice"),
        (
            {"date": "2026-02-02", "attendance": "attended", "number": "0"},
            "Session numbers start at 1",
        ),
        ({"date": "2026-02-02", "attendance": "attended", "number": "two"}, "whole number"),
    ],
)
def test_bad_session_details_get_a_clear_message(login, world, data, message):
    response = login(world.clinician).post(
        reverse("session_create", args=[world.case.pk]), data, follow=True
    )
    assert message in response.content.decode()
    assert world.case.sessions.count() == 1


def test_the_client_page_shows_chart_table_answers_and_log(login, world):
    participant = world.case.participants.get()
    for number in (1, 2, 3):
        session = world.session if number == 1 else make_session(world.case, number)
        link = check_link_create(
            session=session, participant=participant, created_by=world.clinician
        )
        check_response_submit(
            link=link, cleaned=check_answers_clean(link, full_check(phq9__q1=str(number)))
        )
    make_session(world.case, 4, attendance="no_show")
    body = (
        login(world.clinician)
        .get(reverse("client_detail", args=[participant.client_id]))
        .content.decode()
    )
    assert body.count("<svg") >= 3, "a chart for PHQ-9, GAD-7 and the alliance check"
    assert "Show PHQ-9 as a table" in body
    assert "Did not attend" in body
    assert "Clinical cut-off 10" in body
    assert "Something felt off?" in body, "the answers table, one row per session"


def test_a_case_closes_once_and_not_before_it_opened(login, world):
    client = login(world.clinician)
    url = reverse("case_close", args=[world.case.pk])
    body = client.post(url, {"closed_on": "1999-01-01"}, follow=True).content.decode()
    assert "cannot close before it opened" in body
    client.post(url, {"closed_on": world.case.opened_on.isoformat()})
    world.case.refresh_from_db()
    assert world.case.closed_on == world.case.opened_on
    body = client.post(url, {"closed_on": "2030-01-01"}, follow=True).content.decode()
    assert "already closed" in body
    world.case.refresh_from_db()
    assert world.case.closed_on == world.case.opened_on


def test_a_bad_closing_date_is_refused_clearly(login, world):
    body = (
        login(world.clinician)
        .post(reverse("case_close", args=[world.case.pk]), {"closed_on": "soon"}, follow=True)
        .content.decode()
    )
    assert "Please give the date the case closed" in body
    world.case.refresh_from_db()
    assert world.case.closed_on is None
