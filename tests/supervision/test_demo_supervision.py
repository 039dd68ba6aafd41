"""The demo clinic's supervision: a signed meeting whose open action comes back, Nia's request,
and hours against targets. All synthetic. Seeded once for the module, as in test_demo_repairs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from reattune.clinics.models import Clinic, User
from reattune.demo.reset import clinic_delete_everything
from reattune.repairs.models import RepairStatus
from reattune.supervision.hours import progress_of
from reattune.supervision.models import Meeting, Source
from reattune.supervision.queue import queue_for
from reattune.supervision.services import meeting_create

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Clinic]:
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", verbosity=0)
        clinic = Clinic.objects.get(slug="demo")
        yield clinic
        clinic_delete_everything(clinic)


def _person(clinic: Clinic, email: str) -> User:
    return User.objects.get(clinic=clinic, email=email)


def test_helens_queue_holds_the_unrepaired_rupture_and_the_overdue_obligation(demo) -> None:
    helen = _person(demo, "helen@demo.example")
    kinds = [item.kind for item in queue_for(helen)]
    assert "not_held" in kinds
    assert "overdue" in kinds
    assert "request" in kinds
    assert kinds == sorted(
        kinds, key=["safety", "not_held", "overdue", "off_track", "request", "harm"].index
    )


def test_the_signed_meetings_open_action_comes_back_at_the_next_meeting(demo) -> None:
    helen, nia = _person(demo, "helen@demo.example"), _person(demo, "nia@demo.example")
    past = Meeting.objects.get(clinic=demo, supervisee=nia)
    assert past.is_signed and past.items.get().notes
    queue = queue_for(helen, supervisee=nia)
    not_held = next(i for i in queue if i.kind == "not_held")
    meeting, _ = meeting_create(
        supervisor=helen,
        supervisee=nia,
        held_on=timezone.localdate(),
        item_keys=[not_held.key],
        form_key=uuid.uuid4(),
    )
    sources = list(meeting.items.values_list("source", flat=True))
    assert sources == [Source.REPAIR, Source.ACTION]
    carried = meeting.items.get(source=Source.ACTION).carried_action
    discussed = meeting.items.get(source=Source.REPAIR).repair
    assert carried is not None and carried.meeting == past
    assert discussed is not None and discussed.status == RepairStatus.NOT_HELD


def test_nia_and_ollie_have_hours_against_targets(demo) -> None:
    for email in ("nia@demo.example", "ollie@demo.example"):
        progress = progress_of(_person(demo, email))
        assert all(p.target and p.total > 0 for p in progress)
