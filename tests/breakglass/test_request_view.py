"""Requirement 4: break-glass access to a client outside one's caseload needs a reason and a
fresh proof of who you are (password, and authenticator code if you have one), reaches only
clients of your own clinic, and ends after REATTUNE_BREAK_GLASS_MINUTES."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reattune.breakglass.forms import OTP_REQUIRED, REASON_REQUIRED, REASON_TOO_SHORT
from reattune.breakglass.models import Grant
from reattune.breakglass.services import NO_SUCH_CLIENT, REAUTH_FAILED
from reattune.breakglass.views import ALREADY_IN_REACH
from tests.breakglass.helpers import (
    URL,
    authenticator_for,
    client_of,
    current_code,
    form,
)
from tests.factories import ClinicWorld


def test_it_sends_an_anonymous_visitor_to_log_in(client, world: ClinicWorld) -> None:
    response = client.post(URL, form(client_of(world.colleague_case)))
    assert response["Location"].startswith(reverse("login"))
    assert not Grant.objects.exists()


def test_it_tells_a_clinic_admin_they_need_no_emergency_access(world: ClinicWorld, login) -> None:
    assert login(world.admin).get(URL).status_code == 403
    assert login(world.admin).post(URL, form(client_of(world.case))).status_code == 403
    assert not Grant.objects.exists()


@pytest.mark.parametrize("role", ["clinician", "trainee", "supervisor"])
def test_anyone_with_a_caseload_may_ask(world: ClinicWorld, login, role: str) -> None:
    page = login(getattr(world, role)).get(URL)
    assert page.status_code == 200
    assert b'<label for="id_reason">' in page.content


def test_it_grants_access_for_the_configured_minutes_and_opens_the_client(
    world: ClinicWorld, login, settings
) -> None:
    """Requirement 4: the happy path, password only (no authenticator set up)."""
    settings.BREAK_GLASS_MINUTES = 45
    target = client_of(world.colleague_case)
    before = timezone.now()
    response = login(world.clinician).post(URL, form(target))
    assert response.status_code == 302
    assert response["Location"] == reverse("client_detail", args=[target.pk])
    grant = Grant.objects.get()
    assert (grant.person, grant.client, grant.clinic) == (world.clinician, target, world.clinic)
    assert grant.reason.startswith("Covering Sam's crisis call")
    assert grant.second_factor is False
    assert before + dt.timedelta(minutes=45) <= grant.expires_at
    assert grant.expires_at <= timezone.now() + dt.timedelta(minutes=45)
    assert grant.is_active


def test_the_page_says_the_password_alone_confirms_it_without_an_authenticator(
    world: ClinicWorld, login
) -> None:
    page = login(world.clinician).get(URL).content.decode()
    assert (
        "You have no authenticator app set up, so your password alone confirms it is you." in page
    )
    assert "id_otp_code" not in page


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", REASON_REQUIRED), ("   ", REASON_REQUIRED), ("need it", REASON_TOO_SHORT)],
)
def test_it_refuses_a_missing_or_short_reason(
    world: ClinicWorld, login, reason: str, message: str
) -> None:
    """Requirement 4: a reason of at least a sentence."""
    response = login(world.clinician).post(
        URL, form(client_of(world.colleague_case), reason=reason)
    )
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not Grant.objects.exists()


def test_it_refuses_a_wrong_password(world: ClinicWorld, login) -> None:
    """Requirement 4: re-authentication; a wrong password opens nothing."""
    http = login(world.clinician)
    response = http.post(URL, form(client_of(world.colleague_case), password="not my password"))
    assert response.status_code == 200
    assert escape(REAUTH_FAILED) in response.content.decode()
    assert not Grant.objects.exists()
    assert (
        http.get(reverse("client_detail", args=[client_of(world.colleague_case).pk])).status_code
        == 404
    )


def test_it_asks_for_the_authenticator_code_when_the_person_has_one(
    world: ClinicWorld, login
) -> None:
    authenticator_for(world.clinician)
    client = login(world.clinician)
    page = client.get(URL).content.decode()
    assert 'for="id_otp_code"' in page
    response = client.post(URL, form(client_of(world.colleague_case)))
    assert escape(OTP_REQUIRED) in response.content.decode()
    assert not Grant.objects.exists()


def test_it_grants_access_with_the_password_and_a_current_code(world: ClinicWorld, login) -> None:
    """Requirement 4: the happy path with a second factor."""
    device = authenticator_for(world.clinician)
    client = login(world.clinician)
    target = client_of(world.colleague_case)
    response = client.post(URL, form(target, otp_code=current_code(device)))
    assert response.status_code == 302
    assert Grant.objects.get().second_factor is True


def test_it_refuses_a_wrong_authenticator_code(world: ClinicWorld, login) -> None:
    """Requirement 4: re-authentication; a right password with a wrong code opens nothing."""
    device = authenticator_for(world.clinician)
    client = login(world.clinician)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(URL, form(client_of(world.colleague_case), otp_code=wrong))
    assert escape(REAUTH_FAILED) in response.content.decode()
    assert not Grant.objects.exists()


def test_it_refuses_a_code_that_was_already_used(world: ClinicWorld, login) -> None:
    """Requirement 4 (and 5): a replayed authenticator code is refused."""
    device = authenticator_for(world.clinician)
    client = login(world.clinician)
    code = current_code(device)
    first, second = client_of(world.colleague_case), client_of(world.trainee_case)
    assert client.post(URL, form(first, otp_code=code)).status_code == 302
    response = client.post(URL, form(second, otp_code=code))
    assert escape(REAUTH_FAILED) in response.content.decode()
    assert list(Grant.objects.values_list("client_id", flat=True)) == [first.pk]


def test_an_unknown_code_and_another_clinics_code_get_the_same_answer(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    """Requirement 4: clients of another clinic are never reachable, and the answer does not
    say whether the code exists elsewhere."""
    http = login(world.clinician)
    elsewhere = client_of(other_world.case)
    unknown = http.post(URL, form(elsewhere, code="NO-SUCH-CODE"))
    foreign = http.post(URL, form(elsewhere))
    assert escape(NO_SUCH_CLIENT) in unknown.content.decode()
    assert escape(NO_SUCH_CLIENT) in foreign.content.decode()
    assert unknown.status_code == foreign.status_code == 200
    assert not Grant.objects.exists()
    assert http.get(reverse("client_detail", args=[elsewhere.pk])).status_code == 404


def test_it_grants_nothing_for_a_client_already_in_the_caseload(world: ClinicWorld, login) -> None:
    """Requirement 4: no grant when the person can already open the client."""
    mine = client_of(world.case)
    response = login(world.clinician).post(URL, form(mine), follow=True)
    assert response.redirect_chain[0][0] == reverse("client_detail", args=[mine.pk])
    assert escape(ALREADY_IN_REACH.format(code=mine.code)) in response.content.decode()
    assert not Grant.objects.exists()


def test_a_supervisor_already_reaches_a_supervisees_client(world: ClinicWorld, login) -> None:
    theirs = client_of(world.trainee_case)
    response = login(world.supervisor).post(URL, form(theirs))
    assert response["Location"] == reverse("client_detail", args=[theirs.pk])
    assert not Grant.objects.exists()


def test_the_code_is_matched_without_regard_to_capitals_when_unambiguous(
    world: ClinicWorld, login
) -> None:
    target = client_of(world.colleague_case)
    response = login(world.clinician).post(URL, form(target, code=target.code.lower()))
    assert response.status_code == 302
    assert Grant.objects.get().client == target


def test_a_client_in_the_caseload_is_found_whatever_the_capitals(world: ClinicWorld, login) -> None:
    mine = client_of(world.case)
    response = login(world.clinician).post(URL, form(mine, code=mine.code.lower()))
    assert response["Location"] == reverse("client_detail", args=[mine.pk])
    assert not Grant.objects.exists()
