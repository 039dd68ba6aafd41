"""Answers that come from somewhere other than the check link (the API, a FHIR
QuestionnaireResponse): stored once, scored like a link's, and the open link is claimed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.alerts.models import Alert
from reattune.cases.models import Attendance
from reattune.checks.models import Response, ResponseSource
from reattune.checks.services import (
    ALREADY_ANSWERED,
    SESSION_NOT_ATTENDED,
    CannotStoreAnswers,
    CleanedCheck,
    check_link_create,
    check_response_submit,
    link_definitions,
    responses_store,
)
from reattune.measures.registry import get_definition
from tests.checks.helpers import full_check
from tests.factories import make_case, make_session

pytestmark = pytest.mark.django_db

PHQ9 = {f"q{n}": "2" for n in range(1, 10)} | {"q10": "1"}


def cleaned(measure_id: str, raw: dict[str, str]) -> dict[str, dict[str, object]]:
    return {measure_id: get_definition(measure_id).clean_answers(raw)}


def test_answers_are_scored_as_a_links_would_be_and_say_where_they_came_from(world):
    participant = world.case.participants.get()
    [response] = responses_store(
        session=world.session,
        participant=participant,
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.API,
    )
    stored = Response.objects.get(pk=response.pk)
    assert (stored.total, stored.source, stored.link_id) == (18, "api", None)
    assert stored.client_id == participant.client_id
    assert stored.clinic_id == world.clinic.pk


def test_a_second_set_for_the_same_measure_is_refused_and_the_first_is_kept(world):
    participant = world.case.participants.get()
    first = responses_store(
        session=world.session,
        participant=participant,
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.API,
    )
    with pytest.raises(CannotStoreAnswers, match=ALREADY_ANSWERED):
        responses_store(
            session=world.session,
            participant=participant,
            by_measure=cleaned("phq9", {f"q{n}": "0" for n in range(1, 11)}),
            source=ResponseSource.API,
        )
    assert list(Response.objects.values_list("pk", "total")) == [(first[0].pk, 18)]


def test_a_session_that_did_not_happen_takes_no_answers(world):
    missed = make_session(world.case, 2, attendance=Attendance.NO_SHOW)
    with pytest.raises(CannotStoreAnswers, match=SESSION_NOT_ATTENDED):
        responses_store(
            session=missed,
            participant=world.case.participants.get(),
            by_measure=cleaned("phq9", PHQ9),
            source=ResponseSource.API,
        )
    assert not Response.objects.exists()


def test_someone_outside_the_sessions_case_is_refused(world):
    stranger = make_case(world.colleague).participants.get()
    with pytest.raises(CannotStoreAnswers, match="not part of this session's case"):
        responses_store(
            session=world.session,
            participant=stranger,
            by_measure=cleaned("phq9", PHQ9),
            source=ResponseSource.API,
        )


def test_a_link_source_is_not_accepted_without_a_link(world):
    with pytest.raises(ValueError, match="not a source"):
        responses_store(
            session=world.session,
            participant=world.case.participants.get(),
            by_measure=cleaned("phq9", PHQ9),
            source=ResponseSource.CHECK_LINK,
        )


@pytest.mark.django_db(transaction=True)
def test_a_safety_answer_raises_its_alert_once_the_answers_are_committed(world):
    responses_store(
        session=world.session,
        participant=world.case.participants.get(),
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.API,
    )
    assert Alert.objects.filter(case=world.case).exists()


def test_answers_for_some_of_the_links_measures_leave_it_open_for_the_rest(world, client):
    """A record system sends the PHQ-9; the client's link still asks the alliance check and the
    GAD-7, and their answers are stored beside the PHQ-9, not refused."""
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    assert link.measure_ids == ["alliance", "phq9", "gad7"]
    responses_store(
        session=world.session,
        participant=participant,
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.API,
    )
    link.refresh_from_db()
    assert not link.is_used
    assert [d.id for d in link_definitions(link)] == ["alliance", "gad7"]
    page = client.get(reverse("check_form", args=[link.token]))
    assert b'name="gad7-q1"' in page.content and b'name="phq9-q1"' not in page.content
    answers = {k: v for k, v in full_check().items() if not k.startswith("phq9-")}
    reply = client.post(reverse("check_form", args=[link.token]), answers)
    assert reply.status_code == 200
    stored = dict(Response.objects.values_list("measure_id", "source"))
    assert stored == {"phq9": "api", "alliance": "check_link", "gad7": "check_link"}
    assert Response.objects.get(measure_id="phq9").total == 18


def test_a_form_opened_before_a_record_system_sent_a_measure_keeps_both(world, client):
    """The client's form still carries the PHQ-9 (opened before the record system sent it):
    the stored PHQ-9 is kept and the client's other answers are stored."""
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    responses_store(
        session=world.session,
        participant=participant,
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.API,
    )
    check = check_answers_clean_for(link, full_check())
    check_response_submit(link=link, cleaned=check, raise_alerts=False)
    assert sorted(Response.objects.values_list("measure_id", "source")) == [
        ("alliance", "check_link"),
        ("gad7", "check_link"),
        ("phq9", "api"),
    ]
    assert Response.objects.get(measure_id="phq9").total == 18


def check_answers_clean_for(link, answers):
    """Clean every measure the link was made with, as a form opened earlier would send."""
    by_measure = {}
    for measure_id in link.measure_ids:
        prefix = f"{measure_id}-"
        raw = {k.removeprefix(prefix): v for k, v in answers.items() if k.startswith(prefix)}
        by_measure[measure_id] = get_definition(measure_id).clean_answers(raw)
    return CleanedCheck(by_measure=by_measure)


def test_answers_covering_every_measure_the_link_asks_for_close_it(world):
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    every = {
        measure_id: get_definition(measure_id).clean_answers(
            {
                k.removeprefix(f"{measure_id}-"): v
                for k, v in full_check().items()
                if k.startswith(f"{measure_id}-")
            }
        )
        for measure_id in link.measure_ids
    }
    responses_store(session=world.session, participant=participant, by_measure=every, source="api")
    link.refresh_from_db()
    assert link.is_used


def test_a_second_open_link_whose_every_measure_is_answered_asks_nothing(world, client):
    participant = world.case.participants.get()
    first, second = (
        check_link_create(
            session=world.session, participant=participant, created_by=world.clinician
        )
        for _ in range(2)
    )
    responses_store(
        session=world.session,
        participant=participant,
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.API,
    )
    answers = {k: v for k, v in full_check().items() if not k.startswith("phq9-")}
    client.post(reverse("check_form", args=[first.token]), answers)
    second.refresh_from_db()
    assert not second.is_used
    page = client.get(reverse("check_form", args=[second.token]))
    assert "we already have your answers" in page.content.decode()
    assert Response.objects.count() == 3
