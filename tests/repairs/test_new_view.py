"""The 'Start a repair' page: where it starts from, what it carries over, double submits."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reattune.alerts.models import AlertStatus
from reattune.checks.models import Response
from reattune.repairs.models import Repair, Source
from reattune.repairs.views import START_FROM
from tests.factories import make_session
from tests.repairs.helpers import body, flashed, open_form, ruptured

pytestmark = pytest.mark.django_db

NEW = reverse("repair_new")


def test_starting_from_an_alert_carries_its_facts_into_the_form(world, login):
    alert = ruptured(world.case, world.clinician)
    response = login(world.clinician).get(NEW, {"alert": alert.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["session"] == alert.session_id
    assert form.initial["participant"] == alert.participant_id
    assert form.initial["kind"] == "alliance_rupture"
    assert alert.title in form.initial["what_happened"]
    assert "I felt rushed." in form.initial["what_happened"]
    assert f'name="alert" value="{alert.pk}"' in body(response)


def test_posting_the_form_opens_the_repair_and_goes_to_the_plan(world, login):
    alert = ruptured(world.case, world.clinician)
    response = login(world.clinician).post(
        f"{NEW}?alert={alert.pk}", open_form(alert.session, alert.participant, alert=alert.pk)
    )
    repair = Repair.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("repair_plan", args=[repair.pk])
    assert (repair.source, repair.alert, repair.opened_by) == (
        Source.ALERT,
        alert,
        world.clinician,
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED


def test_a_double_submit_from_an_alert_goes_to_the_first_repair(world, login):
    alert = ruptured(world.case, world.clinician)
    client = login(world.clinician)
    data = open_form(alert.session, alert.participant, alert=alert.pk)
    client.post(NEW, data)
    first = Repair.objects.get()
    response = client.post(NEW, data | {"what_happened": "A second go."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("repair_detail", args=[first.pk])
    assert flashed(response)[-1] == "A repair is already open for this alert. Here it is."
    assert Repair.objects.count() == 1
    assert first.versions.count() == 1


def test_the_start_link_of_an_alert_with_a_repair_opens_the_repair(world, login):
    alert = ruptured(world.case, world.clinician)
    client = login(world.clinician)
    client.post(NEW, open_form(alert.session, alert.participant, alert=alert.pk))
    response = client.get(NEW, {"alert": alert.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("repair_detail", args=[Repair.objects.get().pk])


def test_starting_from_a_case_offers_its_latest_session_and_records_the_clinician(world, login):
    client = login(world.clinician)
    response = client.get(NEW, {"case": world.case.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["session"] == world.session.pk
    assert response.context["source"] == Source.CLINICIAN
    participant = world.case.participants.get()
    client.post(NEW, open_form(world.session, participant, case=world.case.pk))
    repair = Repair.objects.get()
    assert (repair.source, repair.case, repair.alert) == (Source.CLINICIAN, world.case, None)


def test_a_supervisor_starting_on_a_supervisees_case_is_recorded_as_the_supervisor(world, login):
    session = make_session(world.trainee_case, 1)
    participant = world.trainee_case.participants.get()
    response = login(world.supervisor).post(
        NEW, open_form(session, participant, case=world.trainee_case.pk)
    )
    assert response.status_code == 302
    repair = Repair.objects.get()
    assert (repair.source, repair.opened_by) == (Source.SUPERVISOR, world.supervisor)


def test_starting_from_a_clients_comment_quotes_it(world, login):
    ruptured(world.case, world.clinician)
    comment = Response.objects.get(
        session__case=world.case, session__number=5, measure_id="alliance"
    )
    client = login(world.clinician)
    response = client.get(NEW, {"response": comment.pk})
    assert response.status_code == 200
    assert "“I felt rushed.”" in response.context["form"].initial["what_happened"]
    client.post(NEW, open_form(comment.session, comment.participant, response=comment.pk))
    repair = Repair.objects.get()
    assert (repair.source, repair.response) == (Source.CLIENT_COMMENT, comment)


def test_no_starting_point_is_a_400_that_says_where_to_start(world, login):
    response = login(world.clinician).get(NEW)
    assert response.status_code == 400
    assert body(response) == START_FROM


def test_the_form_refuses_a_session_of_another_case(world, login):
    theirs = make_session(world.colleague_case, 1)
    participant = world.case.participants.get()
    response = login(world.clinician).post(
        NEW, open_form(world.session, participant, case=world.case.pk) | {"session": theirs.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["session"] == ["Choose one of this case's sessions."]
    assert not Repair.objects.exists()


def test_the_form_refuses_a_person_of_another_case(world, login):
    stranger = world.colleague_case.participants.get()
    response = login(world.clinician).post(
        NEW, open_form(world.session, stranger, case=world.case.pk)
    )
    assert response.context["form"].errors["participant"] == ["Choose someone in this case."]
    assert not Repair.objects.exists()


def test_the_form_refuses_a_discovery_before_the_session(world, login):
    participant = world.case.participants.get()
    response = login(world.clinician).post(
        NEW,
        open_form(world.session, participant, case=world.case.pk, discovered_on="2025-12-31"),
    )
    assert "before the session" in response.context["form"].errors["discovered_on"][0]
    assert not Repair.objects.exists()


def test_a_closed_case_says_so_on_the_form(world, login):
    world.case.closed_on = timezone.localdate()
    world.case.save()
    participant = world.case.participants.get()
    response = login(world.clinician).post(
        NEW, open_form(world.session, participant, case=world.case.pk)
    )
    assert response.status_code == 200
    assert escape("This case is closed. Reopen it before starting a repair.") in body(response)
    assert not Repair.objects.exists()
