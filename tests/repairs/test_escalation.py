"""Overdue obligations escalated to the supervisor: once, in the history, by an email that
carries no clinical details."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reattune.cases.models import Client
from reattune.repairs.escalation import escalation_recipients, obligations_escalate
from reattune.repairs.obligations import obligation_complete
from tests.repairs.helpers import NARRATIVE, days_ago, follow, open_by_hand, session

pytestmark = pytest.mark.django_db


def _one_overdue(world, case, by):
    """A repair discovered 90 days ago with every obligation done but HIPAA's notice."""
    follow(world.clinic.pk, "bacp", "hipaa_breach")
    Client.objects.filter(pk=case.participants.get().client_id).update(name="Ada Lovelace")
    repair = open_by_hand(
        case,
        by,
        at=session(case, 1),
        discovered_on=days_ago(90),
        kind="confidentiality",
        harm="harm_moderate",
    )
    overdue = repair.obligations.get(code_id="hipaa_breach", key="notify_individual")
    for obligation in repair.obligations.exclude(pk=overdue.pk):
        obligation_complete(obligation=obligation, by=by)
    return repair, overdue


def test_an_overdue_obligation_is_escalated_once_to_the_supervisor(world, mailoutbox):
    repair, overdue = _one_overdue(world, world.trainee_case, world.trainee)
    escalated = obligations_escalate()
    assert escalated == [overdue]
    overdue.refresh_from_db()
    assert overdue.escalated_at is not None
    event = repair.events.get(action="obligation_escalated")
    assert "HIPAA breach notification, 45 CFR 164.404." in event.summary
    assert f"Sent to {world.supervisor}" in event.summary
    assert len(mailoutbox) == 1
    (email,) = mailoutbox
    assert email.to == [world.supervisor.email]
    assert repair.client.code in email.body
    for clinical in (NARRATIVE, overdue.what, "Ada Lovelace", "confidentiality"):
        assert clinical not in email.body
        assert clinical not in email.subject
    assert f"/repairs/{repair.pk}/" in email.body


def test_a_second_run_sends_nothing_and_changes_nothing(world, mailoutbox):
    repair, overdue = _one_overdue(world, world.trainee_case, world.trainee)
    obligations_escalate()
    overdue.refresh_from_db()
    first = overdue.escalated_at
    assert obligations_escalate() == []
    overdue.refresh_from_db()
    assert overdue.escalated_at == first
    assert len(mailoutbox) == 1
    assert repair.events.filter(action="obligation_escalated").count() == 1


def test_a_done_or_not_yet_due_obligation_is_not_escalated(world, mailoutbox):
    _, overdue = _one_overdue(world, world.trainee_case, world.trainee)
    obligation_complete(obligation=overdue, by=world.trainee)
    follow(world.clinic.pk, "bacp")
    open_by_hand(world.case, world.clinician, discovered_on=days_ago(0))
    assert obligations_escalate() == []
    assert mailoutbox == []


def test_with_no_supervisor_it_goes_to_the_clinic_admins(world, mailoutbox):
    _, overdue = _one_overdue(world, world.case, world.clinician)
    assert escalation_recipients(overdue) == [world.admin]
    obligations_escalate()
    assert [m.to for m in mailoutbox] == [[world.admin.email]]


def test_the_command_escalates_and_says_how_many(world, mailoutbox):
    _, overdue = _one_overdue(world, world.trainee_case, world.trainee)
    out = io.StringIO()
    call_command("escalate_obligations", stdout=out)
    assert out.getvalue().strip() == "1 overdue obligation(s) escalated."
    overdue.refresh_from_db()
    assert overdue.escalated_at is not None
    assert len(mailoutbox) == 1
    out = io.StringIO()
    call_command("escalate_obligations", stdout=out)
    assert out.getvalue().strip() == "0 overdue obligation(s) escalated."


def test_an_email_that_cannot_be_sent_is_tried_again_next_time(world, mailoutbox, monkeypatch):
    repair, overdue = _one_overdue(world, world.trainee_case, world.trainee)

    def down(**kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr("reattune.repairs.escalation.send_mail", down)
    assert obligations_escalate() == []
    overdue.refresh_from_db()
    assert overdue.escalated_at is None
    assert not repair.events.filter(action="obligation_escalated").exists()
    monkeypatch.undo()
    assert obligations_escalate() == [overdue]
    assert len(mailoutbox) == 1
    assert repair.events.filter(action="obligation_escalated").count() == 1
