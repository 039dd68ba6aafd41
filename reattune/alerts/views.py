from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reattune.alerts.models import Alert
from reattune.alerts.services import alert_acknowledge, alert_dismiss


def _alerts(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Alert.objects.for_user(request.user).select_related(
        "client", "session", "acknowledged_by", "response", "repair"
    )


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(_alerts(request), pk=alert_id)
    return render(request, "alerts/alert_detail.html", {"alert": alert})


@login_required
@require_POST
def alert_acknowledge_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(_alerts(request), pk=alert_id)
    alert_acknowledge(alert=alert, by=request.user)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        partial = (
            "alerts/_alert_compact.html" if request.POST.get("compact") else "alerts/_alert.html"
        )
        return render(request, partial, {"alert": alert})
    return redirect("home")


@login_required
def alert_dismiss_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Dismiss with a reason: the reason is kept, and the alert leaves the open list."""
    from reattune.repairs.forms import DismissForm

    alert = get_object_or_404(_alerts(request), pk=alert_id)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert = alert_dismiss(
                alert=alert,
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                partial = (
                    "alerts/_alert_compact.html"
                    if request.POST.get("compact")
                    else "alerts/_alert.html"
                )
                return render(request, partial, {"alert": alert})
            messages.success(request, "Alert dismissed. Your reason is kept with it.")
            return redirect("alert_detail", alert_id=alert.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "alerts/alert_dismiss.html", {"alert": alert, "form": form}, status=status
    )
