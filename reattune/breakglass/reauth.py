"""Asking a signed-in person to prove again that they are who the session says: their password,
and their authenticator code if they have one.

Both kinds of failure count towards the log-in lockout (django-axes): a wrong password through
`authenticate()`, which sends `user_login_failed`; a wrong code by sending that signal here. So
a stolen, unlocked session cannot be used to guess either one.
"""

from __future__ import annotations

import copy

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, QueryDict
from django_otp.plugins.otp_totp.models import TOTPDevice

from reattune.accounts.second_factor import code_check
from reattune.clinics.models import User


def has_authenticator(person: User) -> bool:
    """True if the person has a confirmed authenticator app (TOTP) to give a code from.
    django-otp refuses a code already used (it keeps the last time step) and throttles wrong
    ones; reattune.accounts.second_factor.code_check locks the device while it checks."""
    return bool(TOTPDevice.objects.filter(user=person, confirmed=True).exists())


def _without_form(request: HttpRequest) -> HttpRequest:
    """The request as the lockout sees it, without the form. django-axes keeps a failed
    attempt's form fields (all but the password) in its table; the reason may hold clinical
    detail and the code names a client, so neither may land there."""
    bare = copy.copy(request)
    bare.POST = QueryDict()
    return bare


def reauthenticate(*, request: HttpRequest, person: User, password: str, code: str) -> bool:
    """True if the password is the person's and, when they have an authenticator, the code is
    a fresh one from it. A locked-out person gets False, and django-axes's lockout page."""
    bare = _without_form(request)
    try:
        checked = authenticate(bare, username=person.email, password=password)
        if checked is None or checked.pk != person.pk:
            return False  # authenticate() has already counted the failure
        if not has_authenticator(person):
            return True
        # An authenticator code only, not a recovery code: those are for getting back in.
        if code and code_check(user=person, code=code, recovery=False) is not None:
            return True
        user_login_failed.send(
            sender=__name__, credentials={"username": person.email}, request=bare
        )
        return False
    finally:
        # AxesMiddleware turns the real response into the lockout page when this is set.
        if getattr(bare, "axes_locked_out", False):
            request.axes_locked_out = True  # type: ignore[attr-defined]
