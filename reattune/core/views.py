"""Installation-wide pages: what a person sees when a form has gone stale, and the clinic
admin's metrics page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from reattune.clinics.http import AuthedRequest, admin_clinic_of
from reattune.core.metrics import clinic_metrics


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form left open too long (or whose cookie was cleared) gets plain words and a way on,
    never Django's technical page. On the login page, simply a fresh login form."""
    del reason  # technical detail for developers; the log has it
    if request.path == reverse("login"):
        form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
        return render(request, "registration/login.html", {"form": form, "stale": True}, status=403)
    return render(request, "stale_form.html", {"back": request.path}, status=403)


@login_required
def metrics(request: AuthedRequest) -> HttpResponse:
    """For the clinic admin: is background work keeping up, and how much has been noticed."""
    clinic = admin_clinic_of(request.user, "Only clinic admins can see the clinic's metrics.")
    return render(request, "metrics.html", {"clinic": clinic, "m": clinic_metrics(clinic)})
