"""The clinic admin's audit page and its CSV export: only the admin's own clinic's rows.

Opening the page and exporting it are themselves audited (category "audit"), by the
middleware like any other page.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from reattune.audit.forms import AuditFilterForm, ClientCodeForm
from reattune.audit.models import AuditEvent, AuditEventQuerySet
from reattune.cases.models import Client, Participant
from reattune.clinics.http import AuthedRequest, admin_clinic_of
from reattune.clinics.models import Clinic
from reattune.core.pagination import paginate

ADMINS_ONLY = "Only a clinic admin can see the clinic's audit log."
PER_PAGE = 50
CSV_COLUMNS = (
    "seq",
    "at_utc",
    "user_id",
    "user",
    "client_id",
    "client_code",
    "case_id",
    "category",
    "action",
    "outcome",
    "request_id",
    "target",
    "address",
    "flagged",
    "row_hash",
)


@login_required
@require_http_methods(["GET", "POST"])
def audit_log(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    lookup = ClientCodeForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and lookup.is_valid():
        query = request.GET.copy()
        query["client"] = str(lookup.cleaned_data["code"].pk)
        query.pop("page", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    form = AuditFilterForm(request.GET, clinic=clinic)
    events = filtered_events(form, clinic)
    page = paginate(request, events, per_page=PER_PAGE)
    codes = _client_codes(clinic, page.object_list)
    context = {
        "form": form,
        "lookup": lookup,
        "page": page,
        "rows": [(event, codes.get(event.client_id or 0, "")) for event in page.object_list],
        "chosen_client": form.cleaned_data.get("client") if form.is_valid() else None,
        "query": _query_without(request.GET, "page"),
        "query_any_client": _query_without(request.GET, "page", "client"),
    }
    return render(request, "audit/log.html", context)


@login_required
@require_safe
def audit_export(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    form = AuditFilterForm(request.GET, clinic=clinic)
    events = list(filtered_events(form, clinic))
    codes = _client_codes(clinic, events)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{clinic.slug}-{stamp}.csv"'
    response["Cache-Control"] = "no-store, private"
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(csv_row(event, codes))
    return response


def filtered_events(form: AuditFilterForm, clinic: Clinic) -> AuditEventQuerySet:
    """The clinic's rows, newest first, narrowed by whichever filters are valid."""
    events = AuditEvent.objects.for_clinic(clinic.pk).order_by("-seq")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data.get("start"):
        events = events.filter(at__gte=_local_midnight(data["start"]))
    if data.get("end"):
        events = events.filter(at__lt=_local_midnight(data["end"] + dt.timedelta(days=1)))
    if data.get("person"):
        events = events.filter(user_id=data["person"].pk)
    if data.get("client"):
        client = data["client"]
        cases = Participant.objects.filter(client=client).values("case_id")
        events = events.filter(Q(client_id=client.pk) | Q(client_id=None, case_id__in=cases))
    return events


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _client_codes(clinic: Clinic, events: Any) -> dict[int, str]:
    ids = {e.client_id for e in events if e.client_id is not None}
    return dict(Client.objects.filter(clinic=clinic, pk__in=ids).values_list("pk", "code"))


def _query_without(query: QueryDict, *names: str) -> str:
    return urlencode([(k, v) for k, v in query.items() if k not in names and v])


def csv_row(event: AuditEvent, codes: dict[int, str]) -> list[object]:
    return [
        event.seq,
        event.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        event.user_id or "",
        _safe_cell(event.user_label),
        event.client_id or "",
        _safe_cell(codes.get(event.client_id or 0, "")),
        event.case_id or "",
        event.category,
        event.action,
        event.outcome,
        event.request_id,
        _safe_cell(event.target),
        event.address or "",
        "yes" if event.flagged else "",
        event.row_hash,
    ]


def _safe_cell(value: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ as a formula; an email tried at the
    log-in page is whatever someone typed, so it is quoted."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
