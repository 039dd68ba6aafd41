"""Answers that come from somewhere other than the check link (the API, a FHIR
QuestionnaireResponse): stored once, scored like a link's, and the open link is claimed."""

from __future__ import annotations

import pytest

from reattune.alerts.models import Alert
from reattune.cases.models import Attendance
from reattune.checks.models import Response, ResponseSource
from reattune.checks.services import (
    ALREADY_ANSWERED,
    SESSION_NOT_ATTENDED,
    CannotStoreAnswers,
    check_link_create,
    responses_store,
)
from reattune.measures.registry import get_definition
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


def test_the_participants_open_link_is_claimed_so_the_client_is_not_asked_again(world):
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    [response] = responses_store(
        session=world.session,
        participant=participant,
        by_measure=cleaned("phq9", PHQ9),
        source=ResponseSource.FHIR,
    )
    link.refresh_from_db()
    assert link.is_used
    assert response.link_id == link.pk


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
