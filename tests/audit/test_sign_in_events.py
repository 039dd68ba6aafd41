"""Requirement 15: log-ins, failures, lockouts, second-factor changes and role changes are
audited, one row each, never with a password."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.audit.models import Action, AuditEvent, Category, Outcome
from reattune.cases.models import CaseClinician
from reattune.clinics.models import Supervision
from tests.audit.helpers import last_seq, rows_since
from tests.factories import PASSWORD, make_case

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-4471"


def sign_in(client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def no_column_contains(text: str) -> None:
    for row in AuditEvent.objects.all():
        for field in row._meta.concrete_fields:
            assert text not in str(getattr(row, field.attname)), (row.seq, field.name)


def test_a_log_in_is_one_row_naming_the_person(client, world):
    before = last_seq()
    assert sign_in(client, world.clinician.email, PASSWORD).status_code == 302
    (row,) = rows_since(before, action=Action.LOGIN)
    assert (row.category, row.outcome) == (Category.SIGN_IN, Outcome.OK)
    assert (row.user_id, row.user_label, row.clinic_id) == (
        world.clinician.pk,
        world.clinician.email,
        world.clinic.pk,
    )
    assert row.request_id and row.address == "127.0.0.1"
    no_column_contains(PASSWORD)


def test_a_log_out_is_one_row(login, world):
    client = login(world.clinician)
    before = last_seq()
    client.post(reverse("logout"))
    (row,) = rows_since(before, action=Action.LOGOUT)
    assert row.user_id == world.clinician.pk


def test_a_failed_log_in_names_the_email_tried_and_never_the_password(client, world):
    before = last_seq()
    sign_in(client, world.clinician.email.upper(), WRONG)
    (row,) = rows_since(before, action=Action.LOGIN_FAILED)
    assert (row.outcome, row.user_label) == (Outcome.DENIED, world.clinician.email)
    assert (row.user_id, row.clinic_id) == (world.clinician.pk, world.clinic.pk)
    no_column_contains(WRONG)


def test_a_failed_log_in_for_no_account_keeps_a_fingerprint_never_the_text(client, db):
    """What was typed may be a password pasted into the wrong box: the append-only log keeps
    only a keyed fingerprint, the same for the same text, so repeated tries still group."""
    tried = "MyS3cret-password-in-the-wrong-box"
    before = last_seq()
    sign_in(client, tried, WRONG)
    sign_in(client, tried.upper(), WRONG)
    sign_in(client, "someone-else@example.org", WRONG)
    first, again, other = rows_since(before, action=Action.LOGIN_FAILED)
    assert first.user_id is None and first.clinic_id is None
    assert first.user_label.startswith("unknown account #")
    assert first.user_label == again.user_label != other.user_label
    no_column_contains(tried)
    no_column_contains("someone-else")


def test_a_lockout_is_a_flagged_row(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    before = last_seq()
    for _ in range(4):
        sign_in(client, world.clinician.email, WRONG)
    lockouts = rows_since(before, action=Action.LOCKOUT)
    assert lockouts, "no lockout row"
    assert all(r.flagged and r.user_id == world.clinician.pk for r in lockouts)
    assert all(r.outcome == Outcome.DENIED for r in lockouts)
    no_column_contains(WRONG)


def test_adding_confirming_and_removing_a_second_factor_are_rows(world):
    before = last_seq()
    device = TOTPDevice.objects.create(user=world.clinician, name="Phone", confirmed=False)
    device.confirmed = True
    device.save()
    device.save()  # a later save (a code used) is not a change of second factor
    device.delete()
    StaticDevice.objects.create(user=world.clinician, name="Recovery codes")
    rows = rows_since(before, action=Action.SECOND_FACTOR)
    assert [r.target.rsplit(" ", 1)[-1] for r in rows] == [
        "added",
        "confirmed",
        "removed",
        "confirmed",
    ]
    assert all(r.category == Category.SIGN_IN for r in rows)
    assert all(r.clinic_id == world.clinic.pk for r in rows)


def test_a_role_change_is_one_row_naming_who_changed_it(login, world):
    client = login(world.admin)
    before = last_seq()
    response = client.post(
        reverse("person_detail", args=[world.colleague.pk]),
        {"role": "supervisor", "is_active": "on"},
    )
    assert response.status_code == 302
    (row,) = rows_since(before, action=Action.ROLE)
    assert (row.category, row.user_id, row.clinic_id) == (
        Category.PEOPLE,
        world.admin.pk,
        world.clinic.pk,
    )
    assert row.target == f"person={world.colleague.pk} role clinician to supervisor"
    assert row.request_id == response["X-Request-ID"]


def test_deactivating_someone_is_a_role_row(login, world):
    client = login(world.admin)
    before = last_seq()
    client.post(reverse("person_detail", args=[world.colleague.pk]), {"role": "clinician"})
    (row,) = rows_since(before, action=Action.ROLE)
    assert row.target == f"person={world.colleague.pk} deactivated"


def test_signing_in_again_is_not_a_role_change(client, world):
    before = last_seq()
    sign_in(client, world.clinician.email, PASSWORD)
    assert rows_since(before, action=Action.ROLE) == []


def test_supervision_started_and_ended_are_people_rows(login, world):
    client = login(world.admin)
    before = last_seq()
    client.post(
        reverse("person_supervision", args=[world.clinician.pk]),
        {"supervisor": str(world.supervisor.pk), "starts_on": ""},
    )
    link = Supervision.objects.get(supervisee=world.clinician, supervisor=world.supervisor)
    client.post(reverse("supervision_end", args=[link.pk]))
    rows = rows_since(before, action=Action.ROLE)
    assert [r.target.rsplit(" ", 1)[-1] for r in rows] == ["started", "ended"]
    assert all(r.category == Category.PEOPLE and r.user_id == world.admin.pk for r in rows)


def test_a_clinician_put_on_or_taken_off_a_case_is_a_people_row(world):
    before = last_seq()
    case = make_case(world.clinician)
    CaseClinician.objects.create(case=case, clinician=world.colleague)
    CaseClinician.objects.filter(case=case, clinician=world.colleague).delete()
    rows = rows_since(before, action=Action.ROLE)
    assert [r.target for r in rows] == [
        f"case={case.pk} clinician={world.clinician.pk} assigned",
        f"case={case.pk} clinician={world.colleague.pk} assigned",
        f"case={case.pk} clinician={world.colleague.pk} removed",
    ]
    assert all(r.case_id == case.pk and r.clinic_id == world.clinic.pk for r in rows)
