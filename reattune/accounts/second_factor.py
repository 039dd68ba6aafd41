"""The second factor: an authenticator app (TOTP, RFC 6238) and one-time recovery codes.

django-otp does the cryptography and refuses a code already used (TOTPDevice.last_t) and,
after each wrong code, makes the person wait twice as long as before (its throttling).
"""

from __future__ import annotations

import re
from base64 import b32encode
from typing import Any

import django_otp
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.accounts.sessions import session_rotate, sessions_end
from reattune.audit.log import record
from reattune.audit.models import Action, Category, Outcome

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"

WRONG_CODE = (
    "That code didn't work. Codes change every 30 seconds and each works only once: "
    "type the newest code from your app, or one of your recovery codes."
)
WAIT_BEFORE_RETRY = "Too many wrong codes. Please wait {seconds} seconds, then try again."


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def authenticator_of(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: Any) -> bool:
    return bool(django_otp.user_has_device(user, confirmed=True))


def enrolment_due(user: Any) -> bool:
    return bool(user.second_factor_due <= timezone.now())


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def wait_seconds(user: Any) -> int:
    """How long before the person may try another code (0: now)."""
    waits = []
    for device in django_otp.devices_for_user(user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
    return max(waits, default=0)


def code_check(*, user: Any, code: str, recovery: bool = True) -> Device | None:
    """The device that accepts this code, or None. Each device is locked for the check, so two
    requests with the same code cannot both succeed."""
    token = _clean(code)
    if not token:
        return None
    # Six digits are an app's code, anything else a recovery code: a typo in one kind then
    # never counts as a wrong try of the other.
    if re.fullmatch(r"\d{6}", token):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    elif recovery:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    else:
        return None
    for device in devices:
        matched = django_otp.verify_token(user, device.persistent_id, token)
        if matched is not None:
            return matched  # type: ignore[no-any-return]
    return None


def verified_login(request: HttpRequest, device: Device) -> None:
    """Mark this session as having passed the second factor, under a new session id."""
    django_otp.login(request, device)
    session_rotate(request)


def enrolment_device(user: Any) -> TOTPDevice:
    """The authenticator being set up: reused until confirmed, so reloading the page keeps the
    key the person may already have scanned."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return pending or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def key_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, as authenticator apps ask for it."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def authenticator_confirm(*, user: Any, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the new authenticator with a code from it. It replaces any earlier one. Returns
    the new recovery codes if the person had none, [] if they keep theirs, None for a wrong
    code."""
    matched = django_otp.verify_token(user, device.persistent_id, _clean(code))
    if matched is None:
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.refresh_from_db()
    device.confirmed = True
    device.name = AUTHENTICATOR_NAME
    # The audit's device signals record the confirmation (reattune/audit/signals.py).
    device.save(update_fields=["confirmed", "name"])
    return [] if recovery_codes_left(user) else recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user: Any) -> list[str]:
    """A fresh set of one-time codes; any earlier set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    # Recorded by the audit's device signals: the old set's removal and the new set's creation.
    return codes


@transaction.atomic
def second_factor_reset(*, person: Any, reset_by: Any) -> None:
    """A clinic admin's reset: every device goes, every session ends, and the person sets up a
    new second factor at their next log-in."""
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    person.second_factor_due = timezone.now()
    person.save(update_fields=["second_factor_due"])
    sessions_end(user=person)
    record(
        category=Category.SIGN_IN,
        action=Action.SECOND_FACTOR,
        user=reset_by,
        clinic_id=person.clinic_id,
        target=f"reset for user {person.pk}",
    )


def code_failed(*, user: Any, request: HttpRequest) -> None:
    record(
        category=Category.SIGN_IN,
        action=Action.SECOND_FACTOR,
        outcome=Outcome.FAILED,
        user=user,
        request=request,
        target="wrong code",
    )
