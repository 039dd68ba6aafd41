"""Requirement 4 (with 6): wrong passwords and wrong authenticator codes given to break-glass
count towards the log-in lockout, so an unlocked, unattended session cannot be used to guess
either one."""

from __future__ import annotations

from axes.models import AccessAttempt

from reattune.breakglass.models import Grant
from tests.breakglass.helpers import REASON, URL, authenticator_for, client_of, form
from tests.factories import ClinicWorld


def failures(email: str) -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=email))


def test_wrong_passwords_and_codes_count_towards_the_lockout(world: ClinicWorld, login) -> None:
    target = client_of(world.colleague_case)
    authenticator_for(world.clinician)
    http = login(world.clinician)
    http.post(URL, form(target, password="wrong once", otp_code="000000"))
    assert failures(world.clinician.email) == 1
    http.post(URL, form(target, otp_code="000000"))
    assert failures(world.clinician.email) == 2


def test_the_lockout_table_keeps_neither_the_reason_nor_the_client_code(
    world: ClinicWorld, login
) -> None:
    target = client_of(world.colleague_case)
    login(world.clinician).post(URL, form(target, password="wrong once"))
    kept = " ".join(f"{a.post_data} {a.get_data}" for a in AccessAttempt.objects.all())
    assert AccessAttempt.objects.exists()
    assert REASON[:20] not in kept
    assert target.code not in kept


def test_once_locked_out_even_the_right_password_opens_nothing(
    world: ClinicWorld, login, settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    target = client_of(world.colleague_case)
    http = login(world.clinician)
    for _ in range(3):
        http.post(URL, form(target, password="a wrong guess"))
    response = http.post(URL, form(target))
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert not Grant.objects.exists()
