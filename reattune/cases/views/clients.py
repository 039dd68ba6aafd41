from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from reattune.alerts.models import Alert
from reattune.cases.charts import client_charts
from reattune.cases.forms import ClientForm
from reattune.cases.models import Case, Client, TherapySession
from reattune.cases.queries import answers_by_session
from reattune.cases.services import client_create
from reattune.checks.models import Response
from reattune.clinics.http import clinic_of
from reattune.core.pagination import PAGE_SIZE, paginate
from reattune.lib.validation import without_nul
from reattune.repairs.models import Repair


@login_required
@require_http_methods(["GET", "POST"])
def client_list(request: HttpRequest) -> HttpResponse:
    """The search is posted, never put in the address, so a client's name stays out of browser
    history, server logs and Referer headers (docs/security.md). Results come as one page."""
    clients = Client.objects.for_user(request.user)
    query = without_nul(request.POST.get("q", "")).strip()[:100]
    if query:
        clients = clients.filter(Q(code__icontains=query) | Q(name__icontains=query))
    clients = clients.order_by("code", "pk")
    # A search answers with its first page only: the words searched for are never put in a
    # page link, so a second page could not repeat the search.
    page = Paginator(clients, PAGE_SIZE).page(1) if query else paginate(request, clients)
    return render(request, "cases/client_list.html", {"page": page, "query": query})


@login_required
def client_create_view(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request.user)  # type: ignore[arg-type]
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(
                clinic=clinic,
                created_by=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return redirect("case_create_for_client", client_id=client.pk)
    return render(request, "cases/client_form.html", {"form": form})


@login_required
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_user(request.user), pk=client_id)
    cases = Case.objects.for_user(request.user).filter(participants__client=client).distinct()
    responses = list(
        Response.objects.for_user(request.user)
        .filter(client=client)
        .select_related("session", "participant")
        .order_by("session__case_id", "session__number", "measure_id")
    )
    sessions = (
        TherapySession.objects.for_user(request.user)
        .filter(case__in=cases)
        .select_related("case")
        .order_by("-date", "-number", "-pk")
    )
    alerts = (
        Alert.objects.for_user(request.user)
        .filter(client=client)
        .most_urgent_first()
        .order_by("severity_rank", "-created_at", "-pk")
        .select_related("session", "client", "response", "acknowledged_by", "repair")
    )
    repairs = (
        Repair.objects.for_user(request.user)
        .filter(client=client)
        .select_related("client", "verified_session")
    )
    charts = client_charts(responses, alerts)
    return render(
        request,
        "cases/client_detail.html",
        {
            "client": client,
            "cases": cases,
            "charts": charts,
            "answer_rows": answers_by_session(responses, [c.definition.id for c in charts]),
            "answer_columns": [chart.definition for chart in charts],
            "sessions": paginate(request, sessions, param="sessions"),
            "alerts": paginate(request, alerts, param="alerts"),
            "repairs": repairs,
        },
    )
