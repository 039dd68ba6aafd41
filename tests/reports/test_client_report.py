"""The client progress report as a printable page: what it holds, what it leaves out, who may
open it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.cases.models import Client
from tests.factories import make_case, make_client
from tests.reports.helpers import CLIENT_COMMENT, CONTRIBUTION, NARRATIVE, with_history

pytestmark = pytest.mark.django_db


def client_of(case) -> Client:
    client: Client = case.participants.get().client
    return client


def report_url(client: Client) -> str:
    return reverse("client_report", args=[client.pk])


def text(response) -> str:
    return str(response.content.decode())


def test_it_shows_the_code_sessions_and_each_measures_change(world, login):
    with_history(world.case, world.clinician)
    client = client_of(world.case)
    page = text(login(world.clinician).get(report_url(client)))
    assert f"Progress report: client {client.code}" in page
    assert "Sessions attended</th><td>5<" in page
    assert "PHQ-9" in page
    # PHQ-9: 16 at session 1, 0 at session 5; 16 points is past its reliable change of 6.
    assert "<td>-16 (better)</td>" in page
    assert "Yes: reliably better (change of 6 or more)" in page
    assert "In the clinical range at first, outside it now" in page
    assert page.count("<svg") >= 2  # PHQ-9, GAD-7 and the alliance check each have a chart
    assert "Drops flagged for attention</th><td>1<" in page
    assert "Alliance rupture" in page  # the repair's kind
    assert "Waiting for the client&#x27;s next checks" in page


def test_an_unchanged_score_is_not_called_reliable(world, login):
    with_history(world.case, world.clinician)
    page = text(login(world.clinician).get(report_url(client_of(world.case))))
    # GAD-7 is 7 at every session in the history.
    assert "<td>0 (no change)</td>" in page
    assert "No: less than 4 points, within measurement error" in page


def test_it_says_who_it_is_for_and_keeps_clinical_narrative_out(world, login):
    with_history(world.case, world.clinician)
    page = text(login(world.clinician).get(report_url(client_of(world.case))))
    assert "may be given to the client or sent to a referrer" in page
    for words in (NARRATIVE, CONTRIBUTION, CLIENT_COMMENT, "persimmon", "lighthouse"):
        assert words not in page
    # Nor the alerts' explanations.
    alert = world.case.alerts.get(signal="alliance_rupture")
    assert alert.explanation not in page


def test_it_has_no_site_navigation_and_says_when_and_by_whom(world, login):
    page = text(login(world.clinician).get(report_url(client_of(world.case))))
    assert 'aria-label="Main"' not in page
    assert f"by {world.clinician.full_name} (Clinician)" in page
    assert reverse("client_report_pdf", args=[client_of(world.case).pk]) in page


def test_a_name_shows_only_where_the_clinic_recorded_one(world, login):
    named = make_client(world.clinic)
    Client.objects.filter(pk=named.pk).update(name="Robin Example")
    make_case(world.clinician, clients=[named])
    page = text(login(world.clinician).get(report_url(named)))
    assert "Robin Example" in page
    unnamed = client_of(world.case)
    page = text(login(world.clinician).get(report_url(unnamed)))
    assert "Robin Example" not in page
    assert f"client {unnamed.code}</h1>" in page


def test_markup_in_a_clients_name_is_shown_as_text(world, login):
    Client.objects.filter(pk=client_of(world.case).pk).update(
        name='<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script>'
    )
    page = text(login(world.clinician).get(report_url(client_of(world.case))))
    assert "<script>alert(1)" not in page
    assert '<img src="http://127.0.0.1:9/x.png">' not in page
    assert "&lt;img src=&quot;http://127.0.0.1:9/x.png&quot;&gt;" in page


def test_a_client_without_answers_gets_a_plain_report(world, login):
    page = text(login(world.clinician).get(report_url(client_of(world.case))))
    assert "No scores yet." in page
    assert "No post-session checks yet." in page
    assert "No repairs recorded." in page


@pytest.mark.parametrize("name", ["client_report", "client_report_pdf"])
def test_anonymous_people_are_sent_to_log_in(world, client, name):
    url = reverse(name, args=[client_of(world.case).pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["client_report", "client_report_pdf"])
def test_a_colleague_without_the_client_gets_404(world, login, name):
    url = reverse(name, args=[client_of(world.case).pk])
    assert login(world.colleague).get(url).status_code == 404


@pytest.mark.parametrize("name", ["client_report", "client_report_pdf"])
def test_another_clinics_admin_gets_404(world, other_world, login, name):
    url = reverse(name, args=[client_of(world.case).pk])
    assert login(other_world.admin).get(url).status_code == 404


@pytest.mark.parametrize("name", ["client_report", "client_report_pdf"])
def test_a_supervisor_without_the_clinician_gets_404(world, login, name):
    # world.supervisor supervises the trainee, not the clinician.
    url = reverse(name, args=[client_of(world.case).pk])
    assert login(world.supervisor).get(url).status_code == 404


def test_the_supervisor_of_the_clients_clinician_may_open_it(world, login):
    client = client_of(world.trainee_case)
    response = login(world.supervisor).get(report_url(client))
    assert response.status_code == 200
    assert client.code in text(response)


def test_the_clinic_admin_may_open_it(world, login):
    assert login(world.admin).get(report_url(client_of(world.case))).status_code == 200


def test_an_unknown_client_is_404(world, login):
    assert login(world.clinician).get("/reports/clients/999999/").status_code == 404


@pytest.mark.parametrize("name", ["client_report", "client_report_pdf"])
def test_a_post_is_refused(world, login, name):
    url = reverse(name, args=[client_of(world.case).pk])
    assert login(world.clinician).post(url).status_code == 405
