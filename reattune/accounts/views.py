"""Log-in, the second factor's code page, setting one up, and managing it."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reattune.accounts.forms import CodeForm
from reattune.accounts.second_factor import (
    WAIT_BEFORE_RETRY,
    WRONG_CODE,
    authenticator_confirm,
    authenticator_of,
    code_check,
    code_failed,
    enrolment_device,
    has_second_factor,
    key_for_typing,
    recovery_codes_issue,
    recovery_codes_left,
    second_factor_reset,
    verified_login,
    wait_seconds,
)
from reattune.accounts.sessions import SIGNED_OUT_REASON, signed_out_message
from reattune.clinics.http import AuthedRequest
from reattune.clinics.views import get_person_for_admin
from reattune.lib.qr import qr_data_uri

# Replacing the authenticator: a current code opens the set-up page for this long.
REPLACE_UNTIL = "reattune_replace_until"
REPLACE_MINUTES = 10
# New recovery codes wait here, in the person's own session, until shown once.
NEW_RECOVERY_CODES = "reattune_new_recovery_codes"

APP_CODE_HELP = "The 6-digit code your authenticator app shows now."
ANY_CODE_HELP = "The 6-digit code from your authenticator app, or one of your recovery codes."
SET_UP_DONE = "Your authenticator app is set up. You'll be asked for a code each time you log in."
REPLACED = "Your new authenticator app is set up. The old one no longer works."
CODES_SHOWN_ONCE = (
    "Recovery codes are shown only once. If you have lost yours, make new ones below."
)
REPLACE_NEEDS_CODE = "To replace your authenticator app, first type a current code below."
RESET_DONE = (
    "{name}'s second factor is reset and they are logged out everywhere. They will set up a new "
    "one when they next log in."
)
RESET_SELF = "To change your own second factor, use 'Sign-in settings'."


class SignInView(auth_views.LoginView):
    """The password step. The second step (the code) is enforced by SecondFactorMiddleware
    on the very next page, so it cannot be skipped by going elsewhere."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(SIGNED_OUT_REASON, None)
        if reason:
            context["signed_out"] = signed_out_message(reason)
        return context


sign_out = auth_views.LogoutView.as_view()


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else "/"


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: AuthedRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    if not has_second_factor(request.user):
        return redirect("second_factor_enrol")
    form = CodeForm(request.POST or None, help_text=ANY_CODE_HELP)
    if request.method == "POST" and form.is_valid():
        wait = wait_seconds(request.user)
        device = None if wait else code_check(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            verified_login(request, device)
            return redirect(_next(request))
        if wait:
            form.add_error("code", WAIT_BEFORE_RETRY.format(seconds=wait))
        else:
            code_failed(user=request.user, request=request)
            form.add_error("code", WRONG_CODE)
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


def _may_enrol(request: AuthedRequest) -> bool:
    """Anyone without a second factor; someone with one only once they have passed it, and,
    to replace their authenticator, given a current code in the last few minutes."""
    if not has_second_factor(request.user):
        return True
    if not request.user.is_verified():  # type: ignore[attr-defined]
        return False
    if authenticator_of(request.user) is None:
        return True
    return float(request.session.get(REPLACE_UNTIL, 0)) > time.time()


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: AuthedRequest) -> HttpResponse:
    if not _may_enrol(request):
        if request.user.is_verified():  # type: ignore[attr-defined]
            messages.info(request, REPLACE_NEEDS_CODE)
            return redirect("second_factor_manage")
        return redirect("second_factor_verify")
    replacing = authenticator_of(request.user) is not None
    device = enrolment_device(request.user)
    form = CodeForm(request.POST or None, help_text=APP_CODE_HELP)
    if request.method == "POST" and form.is_valid():
        codes = authenticator_confirm(
            user=request.user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            request.session.pop(REPLACE_UNTIL, None)
            verified_login(request, device)
            if codes:
                request.session[NEW_RECOVERY_CODES] = codes
                return redirect("recovery_codes_show")
            messages.success(request, REPLACED if replacing else SET_UP_DONE)
            return redirect("second_factor_manage")
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "replacing": replacing,
        "qr": qr_data_uri(device.config_url, title="Set-up code for your authenticator app"),
        "key": key_for_typing(device),
    }
    return render(request, "accounts/enrol.html", context)


@login_required
@require_safe
def recovery_codes_show(request: AuthedRequest) -> HttpResponse:
    codes = request.session.pop(NEW_RECOVERY_CODES, None)
    if not codes:
        messages.info(request, CODES_SHOWN_ONCE)
        return redirect("second_factor_manage")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_safe
def second_factor_manage(request: AuthedRequest) -> HttpResponse:
    context = {
        "authenticator": authenticator_of(request.user),
        "codes_left": recovery_codes_left(request.user),
        "replace_form": CodeForm(help_text=ANY_CODE_HELP, prefix="replace"),
        "codes_form": CodeForm(help_text=ANY_CODE_HELP, prefix="codes"),
    }
    return render(request, "accounts/manage.html", context)


def _code_given(request: AuthedRequest, prefix: str) -> tuple[bool, CodeForm]:
    """A current code, as asked before changing the second factor."""
    form = CodeForm(request.POST, help_text=ANY_CODE_HELP, prefix=prefix)
    if not form.is_valid():
        return False, form
    wait = wait_seconds(request.user)
    if wait:
        form.add_error("code", WAIT_BEFORE_RETRY.format(seconds=wait))
        return False, form
    if code_check(user=request.user, code=form.cleaned_data["code"]) is None:
        code_failed(user=request.user, request=request)
        form.add_error("code", WRONG_CODE)
        return False, form
    return True, form


def _manage_again(request: AuthedRequest, **forms: CodeForm) -> HttpResponse:
    context: dict[str, Any] = {
        "authenticator": authenticator_of(request.user),
        "codes_left": recovery_codes_left(request.user),
        "replace_form": CodeForm(help_text=ANY_CODE_HELP, prefix="replace"),
        "codes_form": CodeForm(help_text=ANY_CODE_HELP, prefix="codes"),
    }
    context.update(forms)
    return render(request, "accounts/manage.html", context, status=400)


@login_required
@require_POST
def authenticator_replace(request: AuthedRequest) -> HttpResponse:
    ok, form = _code_given(request, "replace")
    if not ok:
        return _manage_again(request, replace_form=form)
    request.session[REPLACE_UNTIL] = time.time() + REPLACE_MINUTES * 60
    return redirect("second_factor_enrol")


@login_required
@require_POST
def recovery_codes_new(request: AuthedRequest) -> HttpResponse:
    ok, form = _code_given(request, "codes")
    if not ok:
        return _manage_again(request, codes_form=form)
    request.session[NEW_RECOVERY_CODES] = recovery_codes_issue(user=request.user)
    return redirect("recovery_codes_show")


@login_required
@require_POST
def second_factor_reset_view(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = get_person_for_admin(request.user, person_id)
    if person.pk == request.user.pk:
        messages.error(request, RESET_SELF)
    else:
        second_factor_reset(person=person, reset_by=request.user)
        messages.success(request, RESET_DONE.format(name=person))
    return redirect("person_detail", person_id=person.pk)
