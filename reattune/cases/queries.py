"""Read-side queries for the caseload, in a fixed number of SQL statements however many
clients a person carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
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


@dataclass(frozen=True)
class SessionAnswers:
    """One row of the client page's answers table: every measure answered after a session."""

    session_id: int
    number: int
    date: Any
    label: str
    totals: tuple[int | None, ...]
    felt_off: bool
    comment: str
    comment_response_id: int | None = None  # the alliance answers a repair can start from


def answers_by_session(
    responses: Iterable[Response], measure_ids: Sequence[str]
) -> list[SessionAnswers]:
    """Newest session first, one total per measure id in `measure_ids` (None where not
    answered). `responses` must come with session and participant loaded."""
    grouped: dict[tuple[int, int], list[Response]] = defaultdict(list)
    for response in responses:
        grouped[(response.session_id, response.participant_id)].append(response)
    rows = []
    for group in grouped.values():
        first = group[0]
        alliance = next((r for r in group if r.measure_id == "alliance"), None)
        answers = alliance.answers if alliance else {}
        rows.append(
            SessionAnswers(
                session_id=first.session_id,
                number=first.session.number,
                date=first.session.date,
                label=first.participant.label,
                totals=tuple(
                    next((r.total for r in group if r.measure_id == m), None) for m in measure_ids
                ),
                felt_off=answers.get("felt_off") == "yes",
                comment=str(answers.get("change", "")),
                comment_response_id=alliance.pk if alliance else None,
            )
        )
    return sorted(rows, key=lambda r: (r.date, r.number), reverse=True)
