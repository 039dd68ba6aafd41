"""Requirement 12: every read, create, change, export or print of client, response, repair,
supervision or report data writes one audit row: time (UTC), user, client, category, action,
outcome and request id, and never the data itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.audit.models import Action, AuditEvent, Category, Outcome
from reattune.checks.services import check_link_create
from tests.audit.helpers import request_rows
from tests.checks.helpers import full_check
from tests.factories import ClinicWorld
from tests.repairs.helpers import amend_form
from tests.test_access import ids_for

pytestmark = pytest.mark.django_db

MARKER = "Zanzibar-marker-7731"


def the_row(response: Any) -> AuditEvent:
    """The request's own row (a change may add event rows, such as a clinician assigned)."""
    rows = [r for r in request_rows(response) if r.action not in (Action.ROLE, Action.LOGIN)]
    assert len(rows) == 1, [r.target for r in request_rows(response)]
    return rows[0]


def assert_row(
    response: Any,
    *,
    user: Any,
    client_id: int | None,
    category: str,
    action: str,
    started: dt.datetime,
    outcome: str = Outcome.OK,
) -> AuditEvent:
    row = the_row(response)
    assert row.user_id == (user.pk if user else None)
    assert row.user_label == (user.email if user else "")
    assert row.client_id == client_id, row.target
    assert (row.category, row.action, row.outcome) == (category, action, outcome), row.target
    assert row.request_id == response["X-Request-ID"]
    assert row.at.utcoffset() == dt.timedelta(0), "stored and read back in UTC"
    assert started <= row.at <= timezone.now()
    return row


@pytest.fixture
def ids(world: ClinicWorld) -> dict[str, Any]:
    return ids_for(world)


# (url name, who asks, category, action); GETs of the pages that show client data.
READS = [
    ("client_detail", "clinician", Category.CLIENT, Action.READ),
    ("case_detail", "clinician", Category.CLIENT, Action.READ),
    ("session_checks", "clinician", Category.RESPONSE, Action.READ),
    ("alert_detail", "clinician", Category.RESPONSE, Action.READ),
    ("repair_detail", "clinician", Category.REPAIR, Action.READ),
    ("repair_amend", "clinician", Category.REPAIR, Action.READ),
    ("review_detail", "admin", Category.REPORT, Action.READ),
    ("client_report", "clinician", Category.REPORT, Action.READ),
    ("client_report_pdf", "clinician", Category.REPORT, Action.PRINT),
    ("meeting_detail", "supervisor", Category.SUPERVISION, Action.READ),
    ("meeting_record", "supervisor", Category.SUPERVISION, Action.READ),
    ("meeting_record_pdf", "supervisor", Category.SUPERVISION, Action.PRINT),
]
ABOUT_A_CLIENT = {
    "client_detail",
    "case_detail",
    "session_checks",
    "alert_detail",
    "repair_detail",
    "repair_amend",
    "review_detail",
    "client_report",
    "client_report_pdf",
}


@pytest.mark.parametrize("name, who, category, action", READS)
def test_reading_a_page_of_client_data_writes_one_row(
    login, world, ids, name, who, category, action
):
    user = getattr(world, who)
    client = login(user)
    pattern_ids = {
        "client_detail": "client_id",
        "case_detail": "case_id",
        "session_checks": "session_id",
        "alert_detail": "alert_id",
        "repair_detail": "repair_id",
        "repair_amend": "repair_id",
        "review_detail": "review_id",
        "client_report": "client_id",
        "client_report_pdf": "client_id",
        "meeting_detail": "meeting_id",
        "meeting_record": "meeting_id",
        "meeting_record_pdf": "meeting_id",
    }
    key = pattern_ids[name]
    started = timezone.now()
    response = client.get(reverse(name, kwargs={key: ids[key]}))
    assert response.status_code == 200, name
    row = assert_row(
        response,
        user=user,
        client_id=ids["client_id"] if name in ABOUT_A_CLIENT else None,
        category=category,
        action=action,
        started=started,
    )
    assert row.clinic_id == world.clinic.pk
    assert row.target == f"{name} {key}={ids[key]}"


def test_lists_are_read_rows_that_name_no_single_client(login, world):
    client = login(world.clinician)
    for name, category in (
        ("home", Category.CLIENT),
        ("client_list", Category.CLIENT),
        ("repair_list", Category.REPAIR),
        ("review_list", Category.REPORT),
        ("supervision_queue", Category.SUPERVISION),
    ):
        started = timezone.now()
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_row(
            response,
            user=world.clinician,
            client_id=None,
            category=category,
            action=Action.READ,
            started=started,
        )


def no_column_contains(text: str) -> None:
    for row in AuditEvent.objects.all():
        for field in row._meta.concrete_fields:
            assert text not in str(getattr(row, field.attname)), (row.seq, field.name)


def test_changing_a_repair_writes_a_change_row_and_never_the_words_typed(login, world, ids):
    from reattune.repairs.models import Repair

    repair = Repair.objects.get(pk=ids["repair_id"])
    started = timezone.now()
    response = login(world.clinician).post(
        reverse("repair_amend", args=[repair.pk]),
        amend_form(repair, what_happened=f"{MARKER} in the narrative.", amendment_reason=MARKER),
    )
    assert response.status_code == 302
    assert_row(
        response,
        user=world.clinician,
        client_id=ids["client_id"],
        category=Category.REPAIR,
        action=Action.CHANGE,
        started=started,
    )
    no_column_contains(MARKER)


def test_a_new_client_is_a_create_row_naming_the_new_client_but_not_their_code(login, world):
    from reattune.cases.models import Client

    started = timezone.now()
    response = login(world.clinician).post(reverse("client_create"), {"code": MARKER})
    assert response.status_code == 302
    new = Client.objects.get(code=MARKER)
    assert_row(
        response,
        user=world.clinician,
        client_id=new.pk,
        category=Category.CLIENT,
        action=Action.CREATE,
        started=started,
    )
    no_column_contains(MARKER)


def test_the_clients_own_check_is_a_create_row_with_no_user_and_none_of_the_answers(client, world):
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    started = timezone.now()
    response = client.post(
        reverse("check_form", args=[link.token]), full_check(alliance__change=MARKER)
    )
    assert response.status_code == 200
    row = assert_row(
        response,
        user=None,
        client_id=participant.client_id,
        category=Category.RESPONSE,
        action=Action.CREATE,
        started=started,
    )
    assert row.clinic_id == world.clinic.pk
    no_column_contains(MARKER)
    no_column_contains(link.token)


def test_a_supervision_note_is_a_change_row_without_the_note(login, world, ids):
    started = timezone.now()
    response = login(world.supervisor).post(
        reverse("meeting_topic", args=[ids["meeting_id"]]), {"title": MARKER}
    )
    assert response.status_code in (200, 302)
    assert_row(
        response,
        user=world.supervisor,
        client_id=None,
        category=Category.SUPERVISION,
        action=Action.CREATE,
        started=started,
    )
    no_column_contains(MARKER)
