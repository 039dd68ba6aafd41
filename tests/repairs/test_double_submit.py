"""A double click on any repair form stores one thing, and the second response says it was
saved (not that someone else changed the record)."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from reattune.repairs.disclosures import disclosure_record
from reattune.repairs.models import Disclosure, Repair, RepairConversation, RepairPlan
from tests.repairs.helpers import (
    amend_form,
    disclosure_form,
    flashed,
    open_by_hand,
    open_form,
    ruptured,
    session,
)

pytestmark = pytest.mark.django_db


def _twice(client, url, data):
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    return first, second


def test_opening_by_hand_twice_opens_one_repair(world, login):
    participant = world.case.participants.get()
    first, second = _twice(
        login(world.clinician),
        reverse("repair_new"),
        open_form(world.session, participant, case=world.case.pk),
    )
    repair = Repair.objects.get()
    assert first.status_code == 302
    assert second.redirect_chain[-1][0] == reverse("repair_detail", args=[repair.pk])
    assert flashed(second)[-1] == "This repair is already open. Here it is."


def test_a_second_repair_in_other_words_is_a_second_repair(world, login):
    participant = world.case.participants.get()
    client = login(world.clinician)
    data = open_form(world.session, participant, case=world.case.pk)
    client.post(reverse("repair_new"), data)
    client.post(reverse("repair_new"), data | {"what_happened": "Something else went wrong."})
    assert Repair.objects.count() == 2


def test_amending_twice_stores_one_version(world, login):
    repair = open_by_hand(world.case, world.clinician)
    url = reverse("repair_amend", args=[repair.pk])
    _, second = _twice(login(world.clinician), url, amend_form(repair, what_happened="Better."))
    assert repair.versions.count() == 2
    assert second.redirect_chain[-1][0] == reverse("repair_detail", args=[repair.pk])
    assert flashed(second)[-1] == "Amended. The earlier version is kept in the history."


def test_saving_the_plan_twice_stores_one_plan(world, login):
    repair = open_by_hand(world.case, world.clinician)
    data = {"version": "0", "use_name": "on", "text_name": "I rushed you."}
    _, second = _twice(login(world.clinician), reverse("repair_plan", args=[repair.pk]), data)
    assert RepairPlan.objects.count() == 1
    assert second.redirect_chain[-1][0] == reverse("repair_detail", args=[repair.pk])


def test_recording_the_conversation_twice_stores_one(world, login):
    repair = open_by_hand(world.case, world.clinician)
    data = {
        "version": "0",
        "session": str(session(world.case, 2).pk),
        "steps_taken": ["name"],
        "how_it_went": "We talked.",
    }
    url = reverse("repair_conversation", args=[repair.pk])
    _, second = _twice(login(world.clinician), url, data)
    assert RepairConversation.objects.count() == 1
    assert second.redirect_chain[-1][0] == reverse("repair_detail", args=[repair.pk])


def test_recording_a_disclosure_twice_stores_one(world, login):
    repair = open_by_hand(world.case, world.clinician)
    url = reverse("disclosure_new", args=[repair.pk])
    _, second = _twice(login(world.clinician), url, disclosure_form(world.clinician))
    assert Disclosure.objects.count() == 1
    assert second.redirect_chain[-1][0] == reverse("repair_detail", args=[repair.pk])


def test_amending_a_disclosure_twice_stores_one_version(world, login):
    repair = open_by_hand(world.case, world.clinician)
    first = disclosure_record(
        repair=repair,
        by=world.clinician,
        told_on=world.session.date,
        told_by=world.clinician,
        method="in_person",
        what_was_said="Told.",
    )
    data = disclosure_form(world.clinician, version="1", amendment_reason="Fuller.")
    url = reverse("disclosure_amend", args=[first.pk])
    _, second = _twice(login(world.clinician), url, data)
    assert list(Disclosure.objects.values_list("thread", "number")) == [(1, 1), (1, 2)]
    assert second.redirect_chain[-1][0] == reverse("repair_detail", args=[repair.pk])


def test_the_same_change_by_someone_else_is_still_stale(world, login):
    repair = open_by_hand(world.trainee_case, world.trainee)
    data = amend_form(repair, what_happened="Better.")
    login(world.trainee).post(reverse("repair_amend", args=[repair.pk]), data)
    response = login(world.supervisor).post(reverse("repair_amend", args=[repair.pk]), data)
    assert response.status_code == 200
    assert "Someone changed this record" in response.content.decode()
    assert repair.versions.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_starting_a_repair_from_one_alert_at_once_get_one_repair(world):
    alert = ruptured(world.trainee_case, world.trainee)
    data = open_form(alert.session, alert.participant, alert=alert.pk)
    start = threading.Barrier(2)
    # On SQLite's in-memory test database two writers fail rather than wait (see
    # tests/test_bad_input.py), so there they take turns; on PostgreSQL they truly race.
    one_at_a_time = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    outcomes: list[tuple[int, str] | str] = []

    def submit(browser: Client) -> None:
        try:
            start.wait(timeout=10)
            with one_at_a_time:
                response = browser.post(reverse("repair_new"), data)
            outcomes.append((response.status_code, response["Location"]))
        except Exception as e:  # a crash in the thread must fail the test, not vanish
            outcomes.append(repr(e))
        finally:
            connections.close_all()

    # Logged in here, one after the other: logging in writes a session row.
    browsers = [Client(), Client()]
    for browser, person in zip(browsers, (world.trainee, world.supervisor), strict=True):
        browser.force_login(person)
    threads = [threading.Thread(target=submit, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    repair = Repair.objects.get()
    assert sorted(outcomes) == sorted(
        [
            (302, reverse("repair_plan", args=[repair.pk])),
            (302, reverse("repair_detail", args=[repair.pk])),
        ]
    ), outcomes
