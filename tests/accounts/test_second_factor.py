"""Requirement 5: clinicians, supervisors and admins use a second factor (TOTP, with one-time
recovery codes); no protected page is reachable without it once enrolment is due; a TOTP code
cannot be replayed."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.accounts.models import UserSession
from reattune.accounts.second_factor import RECOVERY_CODE_COUNT, WAIT_BEFORE_RETRY, WRONG_CODE
from reattune.clinics.models import Role
from tests.accounts.helpers import authenticator_for, code_of, enrolment_due_now, password_step
from tests.factories import ClinicWorld, make_person

pytestmark = pytest.mark.django_db

PROTECTED = ("home", "client_list", "repair_list", "people", "second_factor_manage")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.CLINICIAN, Role.TRAINEE])
def test_a_person_with_an_authenticator_must_type_a_code_before_any_page(
    client: HttpClient, world: ClinicWorld, role: Role
) -> None:
    """Requirement 5"""
    person = make_person(world.clinic, role)
    authenticator_for(person)
    password_step(client, person)
    for name in PROTECTED:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("second_factor_verify")), name


def test_the_right_code_opens_the_page_that_was_asked_for(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5"""
    device = authenticator_for(world.clinician)
    password_step(client, world.clinician)
    asked = client.get(reverse("client_list"))
    page = client.get(asked["Location"])
    assert page.status_code == 200
    assert "authenticator app" in page.text

    response = client.post(
        reverse("second_factor_verify"), {"code": code_of(device), "next": "/clients/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/clients/"
    assert client.get(reverse("client_list")).status_code == 200


def test_passing_the_second_factor_gives_the_session_a_new_id(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5 (and 8: a change of privilege rotates the session id)"""
    device = authenticator_for(world.clinician)
    password_step(client, world.clinician)
    before = client.session.session_key

    client.post(reverse("second_factor_verify"), {"code": code_of(device)})

    after = client.session.session_key
    assert after != before
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert UserSession.objects.filter(session_key=after, user=world.clinician).exists()
    assert not UserSession.objects.filter(session_key=before).exists()


def test_a_totp_code_cannot_be_used_twice(world: ClinicWorld) -> None:
    """Requirement 5: a TOTP code cannot be replayed, even from another browser."""
    device = authenticator_for(world.clinician)
    code = code_of(device)
    first, second = HttpClient(), HttpClient()
    password_step(first, world.clinician)
    password_step(second, world.clinician)

    accepted = first.post(reverse("second_factor_verify"), {"code": code})
    replayed = second.post(reverse("second_factor_verify"), {"code": code})

    assert accepted.status_code == 302
    assert replayed.status_code == 200
    assert escape(WRONG_CODE) in replayed.text
    assert second.get(reverse("home"))["Location"].startswith(reverse("second_factor_verify"))


def test_a_wrong_code_makes_the_next_try_wait(client: HttpClient, world: ClinicWorld) -> None:
    """Requirement 5 and 6: failed codes are counted (django-otp throttling), so even the right
    code is refused until the wait is over."""
    device = authenticator_for(world.clinician)
    password_step(client, world.clinician)
    right = code_of(device)
    wrong = str((int(right) + 1) % 1_000_000).zfill(6)

    client.post(reverse("second_factor_verify"), {"code": wrong})
    response = client.post(reverse("second_factor_verify"), {"code": right})

    assert response.status_code == 200
    assert WAIT_BEFORE_RETRY.split("{")[0] in response.text
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_recovery_code_works_once_instead_of_the_app(world: ClinicWorld) -> None:
    """Requirement 5"""
    authenticator_for(world.clinician)
    codes = StaticDevice.objects.create(user=world.clinician, name="Recovery", confirmed=True)
    codes.token_set.create(token="abcd2345")
    first, second = HttpClient(), HttpClient()
    password_step(first, world.clinician)
    password_step(second, world.clinician)

    assert first.post(reverse("second_factor_verify"), {"code": "ABCD 2345"}).status_code == 302
    again = second.post(reverse("second_factor_verify"), {"code": "abcd2345"})
    assert again.status_code == 200
    assert not StaticToken.objects.filter(device=codes).exists()


def test_a_new_account_is_sent_to_set_up_a_second_factor_at_first_log_in(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5: once enrolment is due, no protected page without a second factor."""
    enrolment_due_now(world.clinician)
    password_step(client, world.clinician)
    for name in PROTECTED:
        response = client.get(reverse(name))
        assert response["Location"].startswith(reverse("second_factor_enrol")), name


def test_before_enrolment_is_due_a_password_is_enough(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5: the grace period (factories give one; the demo's people get one)."""
    password_step(client, world.clinician)
    assert client.get(reverse("home")).status_code == 200


def test_a_new_account_is_due_at_once_by_default(world: ClinicWorld) -> None:
    """Requirement 5: REATTUNE_SECOND_FACTOR_GRACE_DAYS defaults to 0."""
    from django.conf import settings

    from reattune.clinics.services import person_add

    assert settings.SECOND_FACTOR_GRACE_DAYS == 0
    person = person_add(
        clinic=world.clinic, email="new@example.org", full_name="New Person", role=Role.CLINICIAN
    )
    from django.utils import timezone

    assert person.second_factor_due <= timezone.now()


def test_htmx_requests_get_a_whole_page_redirect_to_the_code_page(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5"""
    authenticator_for(world.clinician)
    password_step(client, world.clinician)
    response = client.get(reverse("client_list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("second_factor_verify")


def test_an_unverified_person_may_still_log_out_and_reach_the_health_check(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5: the allow-list."""
    authenticator_for(world.clinician)
    password_step(client, world.clinician)
    assert client.get(reverse("health")).status_code == 200
    assert client.get(reverse("second_factor_verify")).status_code == 200
    client.post(reverse("logout"))
    assert SESSION_KEY not in client.session


def test_an_unverified_person_with_a_second_factor_cannot_set_up_another(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5: the set-up page is no way around the code page."""
    authenticator_for(world.clinician)
    password_step(client, world.clinician)
    response = client.get(reverse("second_factor_enrol"))
    assert response["Location"] == reverse("second_factor_verify")
    assert TOTPDevice.objects.filter(user=world.clinician).count() == 1


def test_setting_up_shows_a_qr_code_and_the_key_then_recovery_codes_once(
    client: HttpClient, world: ClinicWorld
) -> None:
    """Requirement 5"""
    enrolment_due_now(world.clinician)
    password_step(client, world.clinician)
    page = client.get(reverse("second_factor_enrol"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text
    key = page.context["key"]
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", key)
    device = TOTPDevice.objects.get(user=world.clinician, confirmed=False)

    done = client.post(reverse("second_factor_enrol"), {"code": code_of(device)})

    assert done["Location"] == reverse("recovery_codes_show")
    shown = client.get(reverse("recovery_codes_show"))
    assert len(shown.context["codes"]) == RECOVERY_CODE_COUNT
    for code in shown.context["codes"]:
        assert code in shown.text
    assert client.get(reverse("recovery_codes_show"))["Location"] == reverse("second_factor_manage")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_does_not_confirm_the_set_up(client: HttpClient, world: ClinicWorld) -> None:
    """Requirement 5"""
    enrolment_due_now(world.clinician)
    password_step(client, world.clinician)
    client.get(reverse("second_factor_enrol"))

    response = client.post(reverse("second_factor_enrol"), {"code": "000000x"})

    assert escape(WRONG_CODE) in response.text
    assert not TOTPDevice.objects.filter(user=world.clinician, confirmed=True).exists()
    assert client.get(reverse("home"))["Location"].startswith(reverse("second_factor_enrol"))


def test_replacing_the_authenticator_needs_a_current_code(login, world: ClinicWorld) -> None:
    """Requirement 5"""
    client = login(world.clinician)
    old = TOTPDevice.objects.get(user=world.clinician)
    assert client.get(reverse("second_factor_enrol"))["Location"] == reverse("second_factor_manage")

    refused = client.post(reverse("authenticator_replace"), {"replace-code": "123"})
    assert refused.status_code == 400
    allowed = client.post(reverse("authenticator_replace"), {"replace-code": code_of(old)})
    assert allowed["Location"] == reverse("second_factor_enrol")
    client.get(reverse("second_factor_enrol"))
    new = TOTPDevice.objects.get(user=world.clinician, confirmed=False)
    client.post(reverse("second_factor_enrol"), {"code": code_of(new)})

    assert list(TOTPDevice.objects.filter(user=world.clinician)) == [new]


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(
    login, world: ClinicWorld
) -> None:
    """Requirement 5"""
    client = login(world.clinician)
    device = TOTPDevice.objects.get(user=world.clinician)
    old = StaticDevice.objects.create(user=world.clinician, name="Old", confirmed=True)

    client.post(reverse("recovery_codes_new"), {"codes-code": code_of(device)})

    assert not StaticDevice.objects.filter(pk=old.pk).exists()
    assert len(client.get(reverse("recovery_codes_show")).context["codes"]) == 10


def test_an_admin_can_reset_a_persons_second_factor(login, world: ClinicWorld) -> None:
    """Requirement 5: the reset ends their sessions and forces a new set-up."""
    theirs = login(world.clinician)
    theirs_key = theirs.session.session_key
    admin = HttpClient()
    admin.force_login(world.admin)
    authenticator_for(world.admin)
    admin_session = admin.session
    admin_session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=world.admin).persistent_id
    admin_session.save()

    response = admin.post(reverse("second_factor_reset", args=[world.clinician.pk]))

    assert response["Location"] == reverse("person_detail", args=[world.clinician.pk])
    assert not TOTPDevice.objects.filter(user=world.clinician).exists()
    assert not UserSession.objects.filter(session_key=theirs_key).exists()
    assert theirs.get(reverse("home"))["Location"].startswith(reverse("login"))
    fresh = HttpClient()
    password_step(fresh, world.clinician)
    assert fresh.get(reverse("home"))["Location"].startswith(reverse("second_factor_enrol"))


def test_only_a_clinic_admin_can_reset_someone_elses_second_factor(
    login, world: ClinicWorld
) -> None:
    """Requirement 5"""
    authenticator_for(world.colleague)
    refused = login(world.clinician).post(reverse("second_factor_reset", args=[world.colleague.pk]))
    assert refused.status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=world.colleague).exists()


def test_the_login_fixture_gives_a_verified_session(login, world: ClinicWorld) -> None:
    """Requirement 5: the fixture passes the real second factor state, not a bypass."""
    client = login(world.clinician)
    device = TOTPDevice.objects.get(user=world.clinician, confirmed=True)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("home")).status_code == 200
