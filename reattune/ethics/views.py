"""The clinic admin's page for choosing which codes of ethics and laws the clinic follows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reattune.clinics.http import AuthedRequest, admin_clinic_of
from reattune.ethics import registry
from reattune.ethics.forms import ClinicEthicsForm

ADMINS_ONLY = "Only a clinic admin can choose which codes of ethics and laws the clinic follows."
SAVED = "The codes of ethics and laws your clinic follows are saved."


@login_required
@require_http_methods(["GET", "POST"])
def ethics_settings(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    data = request.POST if request.method == "POST" else None
    form = ClinicEthicsForm(data, clinic=clinic, codes=registry.all_codes().values())
    if request.method == "POST" and form.is_valid():
        form.save(by=request.user)
        messages.success(request, SAVED)
        return redirect("ethics_settings")
    return render(request, "ethics/settings.html", {"form": form})
