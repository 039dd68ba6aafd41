"""Read-side queries for the caseload, in a fixed number of SQL statements however many
clients a person carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from reattune.alerts.models import AlertStatus, Severity
from reattune.cases.models import Client
from reattune.checks.models import Response
from reattune.measures.definitions import MeasureDefinition


def caseload(user: Any) -> QuerySet[Client]:
    """The clients this person sees, open alerts first (urgent above all), then by code."""
    open_alerts = Q(alerts__status=AlertStatus.OPEN)
    return (
        Client.objects.for_user(user)
        .annotate(
            urgent_alerts=Count(
                "alerts", filter=open_alerts & Q(alerts__severity=Severity.URGENT), distinct=True
            ),
            open_alerts=Count("alerts", filter=open_alerts, distinct=True),
            last_session_on=Max("participations__case__sessions__date"),
        )
        .order_by("-urgent_alerts", "-open_alerts", "code")
    )


def latest_responses(client_ids: Iterable[int]) -> dict[int, dict[str, Response]]:
    """The newest response of each measure for each client: {client_id: {measure_id: resp}}.
    One query, whatever the number of clients."""
    newest = (
        Response.objects.filter(client_id=OuterRef("client_id"), measure_id=OuterRef("measure_id"))
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    rows = Response.objects.filter(client_id__in=list(client_ids), pk=Subquery(newest)).only(
        "pk", "client_id", "measure_id", "total", "submitted_at", "session_id"
    )
    found: dict[int, dict[str, Response]] = defaultdict(dict)
    for response in rows:
        found[response.client_id][response.measure_id] = response
    return found


@dataclass(frozen=True)
class ScoreCell:
    """One measure's latest score for one client, as the caseload table shows it."""

    definition: MeasureDefinition
    response: Response | None

    @property
    def in_clinical_range(self) -> bool | None:
        if self.response is None:
            return None
        return self.definition.in_clinical_range(self.response.total)
