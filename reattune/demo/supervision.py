"""The demo clinic's supervision. ALL OF IT IS SYNTHETIC: invented meetings, notes and hours.

- one signed meeting, two weeks ago, Dr Helen Okafor with Nia Campbell: a topic with notes and
  guidance, and an action for Nia still open, so that it comes back on the agenda of the next
  meeting Helen creates (the queue itself is left full: the meeting discussed no queue item);
- a "bring to supervision" from Nia on one of her open alerts (or, with none, a client);
- hours for Nia and Ollie over the last ten weeks, with targets set by their supervisors.

Everything goes through reattune.supervision's services; afterwards only timestamps are moved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from reattune.alerts.models import Alert, AlertStatus
from reattune.cases.models import Client
from reattune.clinics.models import Clinic, User
from reattune.demo.people import STAFF
from reattune.demo.repair_records import DAY, at_hour
from reattune.supervision import hours, services
from reattune.supervision.models import ActionItem, HoursEntry, Meeting, SupervisionRequest

WEEKS = 10
TARGETS = {"direct_contact": Decimal(450), "supervision": Decimal(60)}


def _key(clinic: Clinic, name: str) -> uuid.UUID:
    """The same seed gives the same form keys (the create services are idempotent on them)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"reattune-demo/{clinic.pk}/{name}")


def _past_meeting(clinic: Clinic, helen: User, nia: User, today: dt.date) -> Meeting:
    held_on = today - 14 * DAY
    meeting, _ = services.meeting_create(
        supervisor=helen,
        supervisee=nia,
        held_on=held_on,
        item_keys=[],
        form_key=_key(clinic, "meeting-1"),
    )
    topic = services.topic_add(meeting=meeting, by=helen, title="Pacing in early sessions")
    services.agenda_item_save(
        item=topic,
        by=helen,
        revision=0,
        notes=(
            "Nia noticed she moves to difficult material before the client has settled. We "
            "looked at two sessions where the client went quiet after a question about family."
        ),
        guidance=(
            "Check in before changing the task (“Is this a good moment to talk about this?”). "
            "Treat a quiet client as a possible withdrawal rupture, and name it gently."
        ),
    )
    action = services.action_add(
        meeting=meeting,
        by=helen,
        agenda_item=topic,
        text="Read Safran & Muran on withdrawal ruptures and bring one example from your work.",
        owner=nia,
        due_on=today - 4 * DAY,
    )
    services.meeting_sign(meeting=meeting, by=helen)
    Meeting.objects.filter(pk=meeting.pk).update(
        created_at=at_hour(held_on, 9), signed_at=at_hour(held_on, 16, 30)
    )
    ActionItem.objects.filter(pk=action.pk).update(created_at=at_hour(held_on, 15, 50))
    return meeting


def _request(clinic: Clinic, nia: User, today: dt.date) -> SupervisionRequest:
    note = (
        "This client goes quiet whenever we get near their mother. Can we look at how I "
        "respond when they withdraw?"
    )
    alert = (
        Alert.objects.filter(clinic=clinic, case__clinicians=nia, status=AlertStatus.OPEN)
        .exclude(signal="safety")
        .order_by("created_at", "pk")
        .first()
    )
    if alert is not None:
        request, _ = services.request_create(by=nia, note=note, alert=alert)
    else:
        client = Client.objects.filter(clinic=clinic, participations__case__clinicians=nia)
        request, _ = services.request_create(by=nia, note=note, client=client.first())
    SupervisionRequest.objects.filter(pk=request.pk).update(
        created_at=at_hour(today - 2 * DAY, 18, 20)
    )
    return request


def _hours(clinic: Clinic, person: User, supervisor: User, today: dt.date, base: int) -> None:
    for kind, target in TARGETS.items():
        hours.target_set(person=person, by=supervisor, kind=kind, hours=target)
    for week in range(1, WEEKS + 1):
        day = today - (7 * week) * DAY
        contact = Decimal(base + week % 3) + Decimal("0.5")
        for kind, amount, note in (
            ("direct_contact", contact, "Client sessions this week"),
            ("supervision", Decimal(1), "Individual supervision"),
        ):
            hours.hours_add(
                person=person,
                by=person,
                on=day,
                kind=kind,
                hours=amount,
                note=note,
                form_key=_key(clinic, f"hours-{person.pk}-{week}-{kind}"),
            )
    HoursEntry.objects.filter(person=person).update(recorded_at=at_hour(today, 8))


def seed_supervision(clinic: Clinic, *, today: dt.date) -> Meeting:
    staff = {m.key: User.objects.get(clinic=clinic, email=m.email) for m in STAFF}
    helen, tomas, nia, ollie = (staff[k] for k in ("supervisor1", "supervisor2", "nia", "ollie"))
    meeting = _past_meeting(clinic, helen, nia, today)
    _request(clinic, nia, today)
    _hours(clinic, nia, helen, today, base=5)
    _hours(clinic, ollie, tomas, today, base=4)
    return meeting
