"""Requirement 15: a clinic admin filters the audit by time, user and client, and exports it;
only their own clinic's rows; everyone else in the clinic gets a 403."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.audit.forms import NO_SUCH_CLIENT
from reattune.audit.log import record
from reattune.audit.models import Action, Category, Outcome
from tests.audit.helpers import request_rows
from tests.factories import ClinicWorld, make_case

pytestmark = pytest.mark.django_db


def client_of(world: ClinicWorld, case: str = "case") -> int:
    return int(getattr(world, case).participants.get().client_id)


def visit(http, world: ClinicWorld, case: str = "case") -> None:
    assert http.get(reverse("client_detail", args=[client_of(world, case)])).status_code == 200


def export(http, query: str = "") -> list[dict[str, str]]:
    response = http.get(reverse("audit_export") + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_only_a_clinic_admin_may_see_the_audit_log(login, world):
    for who in ("clinician", "supervisor", "trainee"):
        http = login(getattr(world, who))
        assert http.get(reverse("audit_log")).status_code == 403, who
        assert http.get(reverse("audit_export")).status_code == 403, who


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for name in ("audit_log", "audit_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_admin_sees_their_own_clinics_rows_only_newest_first(client, login, world, other_world):
    visit(login(other_world.clinician), other_world)
    visit(login(world.clinician), world)
    page = login(world.admin).get(reverse("audit_log"))
    assert page.status_code == 200
    rows = list(page.context["page"])
    assert rows and all(r.clinic_id == world.clinic.pk for r in rows)
    assert [r.seq for r in rows] == sorted((r.seq for r in rows), reverse=True)
    body = page.content.decode()
    assert world.clinician.email in body
    assert other_world.clinician.email not in body
    assert '<th scope="col">Who</th>' in body


def test_the_admin_filters_by_person(login, world):
    visit(login(world.clinician), world)
    visit(login(world.trainee), world, "trainee_case")
    page = login(world.admin).get(reverse("audit_log"), {"person": world.trainee.pk})
    rows = list(page.context["page"])
    assert rows and {r.user_id for r in rows} == {world.trainee.pk}


def test_a_person_from_another_clinic_is_not_a_choice(login, world, other_world):
    page = login(world.admin).get(reverse("audit_log"), {"person": other_world.clinician.pk})
    assert page.context["form"].errors
    assert list(page.context["page"]) == []


def test_the_admin_finds_a_client_by_code_by_post_and_the_address_names_only_the_id(login, world):
    visit(login(world.clinician), world)
    visit(login(world.trainee), world, "trainee_case")
    admin = login(world.admin)
    code = world.case.participants.get().client.code
    response = admin.post(reverse("audit_log"), {"code": code.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('audit_log')}?client={client_of(world)}"
    page = admin.get(response["Location"])
    rows = list(page.context["page"])
    assert any(r.client_id == client_of(world) for r in rows)
    assert all(r.client_id == client_of(world) or r.case_id == world.case.pk for r in rows)


def test_a_client_filter_finds_rows_about_their_joint_case(login, world):
    couple = make_case(world.clinician, kind="couple")
    partner = couple.participants.order_by("pk")[0].client
    http = login(world.clinician)
    assert http.get(reverse("case_detail", args=[couple.pk])).status_code == 200
    rows = list(
        login(world.admin).get(reverse("audit_log"), {"client": partner.pk}).context["page"]
    )
    assert any(r.case_id == couple.pk and r.client_id is None for r in rows)


def test_an_unknown_client_code_says_so(login, world, other_world):
    other_code = other_world.case.participants.get().client.code
    response = login(world.admin).post(reverse("audit_log"), {"code": other_code})
    assert response.status_code == 200
    assert NO_SUCH_CLIENT in response.content.decode()


def test_another_clinics_client_id_in_the_address_finds_nothing(login, world, other_world):
    visit(login(other_world.clinician), other_world)
    page = login(world.admin).get(reverse("audit_log"), {"client": client_of(other_world)})
    assert list(page.context["page"]) == []


def test_the_admin_filters_by_time(login, world):
    long_ago = timezone.now() - dt.timedelta(days=40)
    visit(login(world.clinician), world)
    admin = login(world.admin)
    today = timezone.localdate()
    recent = list(admin.get(reverse("audit_log"), {"start": today.isoformat()}).context["page"])
    assert recent
    old = list(
        admin.get(reverse("audit_log"), {"end": long_ago.date().isoformat()}).context["page"]
    )
    assert old == []
    backwards = admin.get(
        reverse("audit_log"), {"start": today.isoformat(), "end": long_ago.date().isoformat()}
    )
    assert backwards.context["form"].errors


def test_flagged_rows_stand_out(login, world):
    record(
        category=Category.CLIENT,
        action=Action.BREAK_GLASS,
        user=world.clinician,
        client_id=client_of(world),
        flagged=True,
        target="breakglass_request",
    )
    body = login(world.admin).get(reverse("audit_log")).content.decode()
    assert 'class="message-warning"' in body
    assert "Flagged" in body


def test_the_export_holds_the_filtered_rows_and_is_itself_audited(login, world):
    visit(login(world.clinician), world)
    visit(login(world.trainee), world, "trainee_case")
    admin = login(world.admin)
    rows = export(admin, f"?person={world.trainee.pk}")
    assert rows and {r["user_id"] for r in rows} == {str(world.trainee.pk)}
    assert {r["user"] for r in rows} == {world.trainee.email}
    assert all(r["at_utc"].endswith("+00:00") for r in rows)
    response = admin.get(reverse("audit_export") + f"?person={world.trainee.pk}")
    (row,) = request_rows(response)
    assert (row.category, row.action, row.outcome) == (Category.AUDIT, Action.EXPORT, Outcome.OK)
    assert (row.user_id, row.clinic_id) == (world.admin.pk, world.clinic.pk)
    everything = export(admin)
    assert {r["user"] for r in everything} >= {world.clinician.email, world.trainee.email}


def test_a_cell_that_a_spreadsheet_would_run_is_quoted(login, world):
    record(
        category=Category.SIGN_IN,
        action=Action.LOGIN_FAILED,
        clinic_id=world.clinic.pk,
        user_label="=HYPERLINK(1)",
    )
    labels = {r["user"] for r in export(login(world.admin))}
    assert "'=HYPERLINK(1)" in labels
    assert "=HYPERLINK(1)" not in labels


def test_the_page_is_paginated(login, world):
    for n in range(55):
        record(
            category=Category.CLIENT, action=Action.READ, clinic_id=world.clinic.pk, target=f"{n}"
        )
    admin = login(world.admin)
    first = admin.get(reverse("audit_log"))
    assert first.context["page"].has_next()
    second = admin.get(reverse("audit_log"), {"page": 2})
    assert second.status_code == 200
    assert list(second.context["page"])
