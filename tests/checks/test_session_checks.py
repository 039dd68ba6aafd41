"""The clinician's session page: creating a link, its QR code, and emailing it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from reattune.checks.models import CheckLink
from reattune.checks.services import (
    ALREADY_ANSWERED,
    NO_MEASURES_DUE,
    SESSION_NOT_ATTENDED,
    check_answers_clean,
    check_link_create,
    check_response_submit,
)
from reattune.measures.models import MeasureSchedule
from tests.checks.helpers import full_check
from tests.factories import make_session

pytestmark = pytest.mark.django_db


def create_link(client, session, participant):
    return client.post(
        reverse("link_create", args=[session.pk, participant.pk]), follow=True
    ).content.decode()


def test_a_clinician_creates_a_link_and_sees_its_qr_code(login, world):
    client = login(world.clinician)
    participant = world.case.participants.get()
    body = create_link(client, world.session, participant)
    link = CheckLink.objects.get()
    assert link.measure_ids == ["alliance", "phq9", "gad7"]
    assert f"/c/{link.token}/" in body
    assert "<svg" in body and "Check link for" in body, "a QR code with a title for screen readers"


def test_the_link_asks_only_for_the_measures_due_at_this_session(login, world):
    MeasureSchedule.objects.filter(clinic=world.clinic, measure_id="phq9").update(
        every_n_sessions=4
    )
    participant = world.case.participants.get()
    second = make_session(world.case, 2)
    link = check_link_create(session=second, participant=participant, created_by=world.clinician)
    assert link.measure_ids == ["alliance", "gad7"]
    fifth = make_session(world.case, 5)
    link = check_link_create(session=fifth, participant=participant, created_by=world.clinician)
    assert link.measure_ids == ["alliance", "phq9", "gad7"]


def test_a_couple_case_gets_one_link_per_partner(login, world):
    from tests.factories import make_case

    couple = make_case(world.clinician, kind="couple")
    session = make_session(couple, 1)
    client = login(world.clinician)
    for participant in couple.participants.all():
        create_link(client, session, participant)
    assert CheckLink.objects.filter(session=session).count() == 2
    body = client.get(reverse("session_checks", args=[session.pk])).content.decode()
    assert "Partner A" in body and "Partner B" in body
    assert body.count("<svg") == 2


@pytest.mark.parametrize("attendance", ["cancelled", "no_show", "scheduled"])
def test_no_link_for_a_session_that_did_not_take_place(login, world, attendance):
    session = make_session(world.case, 2, attendance=attendance)
    body = create_link(login(world.clinician), session, world.case.participants.get())
    assert SESSION_NOT_ATTENDED in body
    assert not CheckLink.objects.exists()


def test_no_second_link_once_the_check_is_answered(login, world):
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    check_response_submit(link=link, cleaned=check_answers_clean(link, full_check()))
    body = create_link(login(world.clinician), world.session, participant)
    assert ALREADY_ANSWERED in body
    assert CheckLink.objects.count() == 1


def test_no_link_when_the_clinic_runs_no_measures(login, world):
    MeasureSchedule.objects.filter(clinic=world.clinic).update(active=False)
    body = create_link(login(world.clinician), world.session, world.case.participants.get())
    assert NO_MEASURES_DUE in body


def test_a_participant_of_another_case_is_refused(login, world):
    theirs = world.colleague_case.participants.get()
    response = login(world.clinician).post(
        reverse("link_create", args=[world.session.pk, theirs.pk])
    )
    assert response.status_code == 404
    assert not CheckLink.objects.exists()


def test_the_link_is_emailed_to_a_client_with_an_address(login, world):
    participant = world.case.participants.get()
    participant.client.email = "client@example.org"
    participant.client.save()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    body = (
        login(world.clinician)
        .post(reverse("link_email", args=[link.pk]), follow=True)
        .content.decode()
    )
    assert "is being emailed" in body
    assert mail.outbox[0].to == ["client@example.org"]
    assert f"/c/{link.token}/" in mail.outbox[0].body
    link.refresh_from_db()
    assert link.emailed_to == "client@example.org"


def test_emailing_a_client_without_an_address_says_so(login, world):
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    body = (
        login(world.clinician)
        .post(reverse("link_email", args=[link.pk]), follow=True)
        .content.decode()
    )
    assert "has no email address on record" in body
    assert mail.outbox == []
