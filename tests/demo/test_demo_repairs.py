"""The demo clinic's repair records: one for each way a repair can stand, made through the
repair services, and what a supervisor and each clinician see of them. All synthetic.

The demo is seeded once for the module and committed, as in test_demo_command; each test runs
in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from reattune.alerts.models import Alert, AlertStatus
from reattune.clinics.models import Clinic, Role, Supervision, User
from reattune.demo.reset import clinic_delete_everything
from reattune.ethics.models import chosen_ids
from reattune.repairs.models import Obligation, Repair, RepairStatus, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Clinic]:
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", verbosity=0)
        clinic = Clinic.objects.get(slug="demo")
        yield clinic
        clinic_delete_everything(clinic)


def _one(clinic: Clinic, status: str) -> Repair:
    return Repair.objects.get(clinic=clinic, status=status)


def _supervisor_of(user: User) -> User:
    return Supervision.objects.active().get(supervisee=user).supervisor


def _queue(client: HttpClient, user: User) -> str:
    """The "For supervision" section of `user`'s home page."""
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'id="queue-heading"' in page, "no supervision queue on the home page"
    return page.split('id="queue-heading"', 1)[1].split("</section>", 1)[0]


def test_the_demo_clinic_follows_a_code_and_a_law(demo: Clinic) -> None:
    assert chosen_ids(demo.pk) == ["bacp", "hipaa_breach"]


def test_it_seeds_a_repair_in_every_state(demo: Clinic) -> None:
    statuses = set(Repair.objects.filter(clinic=demo).values_list("status", flat=True))
    assert statuses == set(RepairStatus.values)


def test_the_held_repair_came_from_a_rupture_alert_and_the_clients_next_check(
    demo: Clinic,
) -> None:
    held = Repair.objects.get(clinic=demo, status=RepairStatus.HELD, source=Source.ALERT)
    assert held.alert is not None and held.alert.signal == "alliance_rupture"
    assert held.alert.status == AlertStatus.ACKNOWLEDGED
    assert held.before_total is not None and held.after_total is not None
    assert held.before_total < held.baseline <= held.after_total  # type: ignore[operator]
    assert held.verified_session is not None
    assert held.verified_session.number == held.current().session.number + 1
    assert held.current_plan() is not None
    conversation = held.current_conversation()
    assert conversation is not None and conversation.session == held.verified_session
    told = held.disclosures.get()
    assert told.method == "in_person" and told.apology_given
    assert not held.obligations.outstanding().exists()


def test_the_repair_that_did_not_hold_is_a_trainees_and_waits_for_supervision(
    demo: Clinic, client: HttpClient
) -> None:
    repair = _one(demo, RepairStatus.NOT_HELD)
    trainee = repair.case.clinicians.get()
    assert trainee.role == Role.TRAINEE
    assert repair.is_open and repair.verified_session is not None
    queue = _queue(client, _supervisor_of(trainee))
    assert "Repairs that did not hold" in queue
    assert reverse("repair_detail", args=[repair.pk]) in queue
    assert repair.client.code in queue


def test_a_three_week_old_confidentiality_mistake_has_obligations_done_and_overdue(
    demo: Clinic,
) -> None:
    repair = Repair.objects.get(clinic=demo, kind="confidentiality", harm="harm_mild")
    assert repair.case.clinicians.get().role == Role.TRAINEE
    assert 18 <= (timezone.localdate() - repair.discovered_on).days <= 28
    obligations = repair.obligations.all()
    assert {o.code_id for o in obligations} == {"bacp", "hipaa_breach"}
    assert obligations.filter(done_at__isnull=False).exists()
    assert obligations.overdue().exists()
    assert obligations.outstanding().exclude(pk__in=obligations.overdue()).exists()


def test_the_overdue_obligations_are_in_the_supervisors_queue(
    demo: Clinic, client: HttpClient
) -> None:
    overdue = Obligation.objects.filter(repair__clinic=demo).overdue()
    assert overdue.exists()
    for obligation in overdue.select_related("repair__client"):
        clinician = obligation.repair.case.clinicians.get()
        queue = _queue(client, _supervisor_of(clinician))
        assert "Overdue obligations" in queue
        assert obligation.standard in queue
        assert obligation.repair.client.code in queue


def test_the_amended_record_keeps_its_first_version_and_says_why(demo: Clinic) -> None:
    repair = Repair.objects.get(clinic=demo, versions__number=2)
    first, second = repair.versions.order_by("number")
    assert (first.harm, second.harm) == ("no_harm", "harm_mild")
    assert second.amendment_reason and not first.amendment_reason
    assert second.recorded_at > first.recorded_at
    assert repair.events.filter(action="amended").exists()
    assert repair.events.filter(action="obligations_added").exists()


def test_the_closed_repair_keeps_its_reason_and_what_is_still_due(demo: Clinic) -> None:
    closed = _one(demo, RepairStatus.CLOSED)
    assert closed.close_reason and closed.closed_by is not None
    assert closed.obligations.outstanding().exists()


def test_the_waiting_repair_was_opened_by_a_supervisor_and_has_a_plan(demo: Clinic) -> None:
    waiting = _one(demo, RepairStatus.OPEN)
    assert waiting.source == Source.SUPERVISOR
    assert waiting.opened_by == _supervisor_of(waiting.case.clinicians.get())
    assert waiting.current_plan() is not None
    assert waiting.current_conversation() is None


def test_every_record_is_dated_in_order_and_never_in_the_future(demo: Clinic) -> None:
    now = timezone.now()
    for repair in Repair.objects.filter(clinic=demo):
        events = list(repair.events.all())
        assert events[0].action == "opened"
        assert events[0].at == repair.opened_at
        assert all(e.at <= now for e in events)
        assert repair.opened_at.date() >= repair.discovered_on
        assert repair.discovered_on >= repair.current().session.date


def test_the_history_says_late_only_for_obligations_done_after_their_due_date(
    demo: Clinic,
) -> None:
    done = Obligation.objects.filter(repair__clinic=demo, done_at__isnull=False)
    assert done.count() >= 10
    for obligation in done:
        # The summary is encrypted in the database (docs/encryption.md), so it is matched here.
        (line,) = [
            e
            for e in obligation.repair.events.filter(action="obligation_done")
            if e.summary.endswith(f" {obligation.standard}.")
        ]
        assert line.at == obligation.done_at
        late = timezone.localdate(obligation.done_at) > obligation.due_on  # type: ignore[arg-type]
        assert ("(after it was due)" in line.summary) == late, line.summary


def test_plenty_of_rupture_alerts_are_left_for_a_visitor_to_start_a_repair_from(
    demo: Clinic,
) -> None:
    open_ruptures = Alert.objects.filter(
        clinic=demo, signal="alliance_rupture", status=AlertStatus.OPEN, repair__isnull=True
    )
    assert open_ruptures.count() >= 10


def test_every_seeded_repair_page_renders_for_its_clinician(
    demo: Clinic, client: HttpClient
) -> None:
    for repair in Repair.objects.filter(clinic=demo):
        client.force_login(repair.case.clinicians.get())
        response = client.get(reverse("repair_detail", args=[repair.pk]))
        assert response.status_code == 200, repair
        page = response.content.decode()
        assert repair.client.code in page
        assert "<svg" in page


def test_discovery_dates_are_relative_to_today(demo: Clinic) -> None:
    today = timezone.localdate()
    discovered = Repair.objects.filter(clinic=demo).values_list("discovered_on", flat=True)
    assert all(today - dt.timedelta(days=60) <= day <= today for day in discovered)
