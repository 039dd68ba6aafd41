from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from reattune.alerts.models import Alert
from reattune.cases.queries import ScoreCell, caseload, latest_responses
from reattune.clinics.http import AuthedRequest, clinic_id_of
from reattune.core.pagination import paginate
from reattune.measures.models import MeasureSchedule
from reattune.measures.registry import all_definitions
from reattune.repairs.queues import home_panels


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The caseload at a glance: open alerts first, urgent ones unmistakable."""
    alerts = list(
        Alert.objects.for_user(request.user)
        .open()
        .most_urgent_first()
        .select_related("client", "session", "repair")[:100]
    )
    page = paginate(request, caseload(request.user))
    latest = latest_responses(c.pk for c in page.object_list)
    definitions = all_definitions()
    scheduled = [
        definitions[m]
        for m in MeasureSchedule.objects.filter(clinic_id=clinic_id_of(request.user), active=True)
        .order_by("position")
        .values_list("measure_id", flat=True)
        if m in definitions
    ]
    rows = [
        (client, [ScoreCell(d, latest.get(client.pk, {}).get(d.id)) for d in scheduled])
        for client in page
    ]
    return render(
        request,
        "cases/home.html",
        {
            "alerts": alerts,
            "urgent": [a for a in alerts if a.is_urgent],
            "attention": [a for a in alerts if not a.is_urgent],
            "page": page,
            "rows": rows,
            "measures": scheduled,
            **home_panels(request.user),
        },
    )
