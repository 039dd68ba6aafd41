"""The clinician's home: the caseload at a glance, open alerts first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reattune.alerts.services import alerts_raise_for_session
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from tests.checks.helpers import full_check
from tests.factories import make_case, make_session

pytestmark = pytest.mark.django_db


def answer(world, case, session, **overrides):
    participant = case.participants.first()
    link = check_link_create(session=session, participant=participant, created_by=world.clinician)
    responses = check_response_submit(
        link=link, cleaned=check_answers_clean(link, full_check(**overrides))
    )
    alerts_raise_for_session(session=session)
    return responses


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_urgent_alert_first_and_unmistakably(login, world):
    quiet = make_case(world.clinician)
    answer(world, quiet, make_session(quiet, 1), alliance__felt_off="yes")
    answer(world, world.case, world.session, phq9__q9=1)
    body = login(world.clinician).get(reverse("home")).content.decode()
    urgent = body.index("Safety: PHQ-9 self-harm item answered")
    rupture = body.index("Possible rupture")
    assert urgent < rupture
    assert "badge-urgent" in body[:urgent]


def test_it_shows_each_clients_latest_scores(login, world):
    answer(world, world.case, world.session)
    second = make_session(world.case, 2)
    answer(world, world.case, second, alliance__respected=2)
    body = login(world.clinician).get(reverse("home")).content.decode()
    code = world.case.participants.get().client.code
    row = body[body.index(code) : body.index("</tr>", body.index(code))]
    assert "<td>28</td>" in row, "the newer alliance total (2+9+8+9), not the first one (35)"
    assert "<td>35</td>" not in row


def test_it_lists_only_the_clinicians_own_clients(login, world, other_world):
    body = login(world.clinician).get(reverse("home")).content.decode()
    assert world.case.participants.get().client.code in body
    assert world.colleague_case.participants.get().client.code not in body
    assert other_world.case.participants.get().client.code not in body


def test_a_supervisor_sees_their_trainees_clients(login, world):
    body = login(world.supervisor).get(reverse("home")).content.decode()
    assert world.trainee_case.participants.get().client.code in body
    assert world.case.participants.get().client.code not in body


def count_home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_the_caseload_runs_the_same_number_of_queries_for_5_clients_as_for_100(login, world):
    client = login(world.clinician)

    def grow_to(n: int) -> None:
        while world.clinician.cases.count() < n:
            case = make_case(world.clinician)
            session = make_session(case, 1)
            answer(world, case, session, phq9__q9=case.pk % 2, alliance__felt_off="yes")

    grow_to(5)
    few = count_home_queries(client)
    grow_to(100)
    many = count_home_queries(client)
    assert few == many, f"{few} queries for 5 clients, {many} for 100"
