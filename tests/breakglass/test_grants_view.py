"""Requirement 4: the clinic admin's list of emergency access, with a revoke button. Admins
only (403 for everyone else in the clinic); another clinic's grant is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reattune.breakglass.models import Status
from tests.breakglass.helpers import REASON, client_of, expire, grant_for
from tests.factories import ClinicWorld

LIST = reverse("breakglass_grants")


def revoke_url(grant_id: int) -> str:
    return reverse("breakglass_revoke", args=[grant_id])


def test_it_sends_an_anonymous_visitor_to_log_in(client, world: ClinicWorld) -> None:
    assert client.get(LIST)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    http = login(getattr(world, role))
    assert http.get(LIST).status_code == 403
    assert http.post(revoke_url(grant.pk)).status_code == 403
    grant.refresh_from_db()
    assert grant.is_active


def test_it_lists_the_clinics_grants_active_and_past_with_their_reasons(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    active = grant_for(world.clinician, client_of(world.colleague_case))
    past = grant_for(world.trainee, client_of(world.case))
    expire(past)
    foreign = grant_for(other_world.clinician, client_of(other_world.colleague_case))
    html = login(world.admin).get(LIST).content.decode()
    assert active.client.code in html and past.client.code in html
    assert REASON.replace("'", "&#x27;") in html
    assert revoke_url(active.pk) in html
    assert revoke_url(past.pk) not in html
    assert str(other_world.clinician) not in html
    assert revoke_url(foreign.pk) not in html


def test_an_admin_revokes_and_the_access_stops_on_the_next_request(
    world: ClinicWorld, login
) -> None:
    """Requirement 4: revoked by a clinic admin."""
    target = client_of(world.colleague_case)
    grant = grant_for(world.clinician, target)
    response = login(world.admin).post(revoke_url(grant.pk))
    assert response.status_code == 302
    assert response["Location"] == LIST
    grant.refresh_from_db()
    assert grant.status() == Status.REVOKED
    assert grant.revoked_by == world.admin
    http = login(world.clinician)
    assert http.get(reverse("client_detail", args=[target.pk])).status_code == 404


def test_another_clinics_grant_is_not_found(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    foreign = grant_for(other_world.clinician, client_of(other_world.colleague_case))
    assert login(world.admin).post(revoke_url(foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_revoking_is_a_post(world: ClinicWorld, login) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    assert login(world.admin).get(revoke_url(grant.pk)).status_code == 405


def test_revoking_an_expired_grant_changes_nothing(world: ClinicWorld, login) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    expire(grant)
    assert login(world.admin).post(revoke_url(grant.pk)).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is None
