"""Read-side queries for the caseload, in a fixed number of SQL statements however many
clients a person carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, Subquery

from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.cases.models import Client, Participant
from reattune.checks.models import Response
from reattune.measures.definitions import MeasureDefinition


class Caseload:
    """The clients this person sees, open alerts first (urgent above all), then by code, as a
    sequence a Paginator can page through without reading the whole caseload.

    Ordering every client by their open-alert counts would mean counting alerts for all of a
    clinic's clients on every page. Few clients have an open alert, so those come from the
    alerts table (grouped, small), and everyone else is read from the clients table in code
    order, one page at a time. A page costs the same handful of queries however many clients
    there are: the total, the alerted clients, one page of the rest, and the last session
    date of the page's clients."""

    def __init__(self, user: Any) -> None:
        self.clients = Client.objects.for_user(user)
        self.clinic_id = user.clinic_id
        self._alerted: list[dict[str, Any]] | None = None

    def count(self) -> int:
        return self.clients.order_by().count()

    def alerted(self) -> list[dict[str, Any]]:
        """[{client_id, urgent, open}] for each visible client with an open alert, in order."""
        if self._alerted is None:
            open_alerts = Alert.objects.filter(
                clinic_id=self.clinic_id,
                status=AlertStatus.OPEN,
                client_id__in=self.clients.values("pk"),
            )
            self._alerted = list(
                open_alerts.values("client_id")
                .annotate(
                    urgent=Count("pk", filter=Q(severity=Severity.URGENT)),
                    open=Count("pk"),
                )
                .order_by("-urgent", "-open", "client__code")
            )
        return self._alerted

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Client]:
        start, stop = window.start or 0, window.stop
        alerted = self.alerted()
        counts = {row["client_id"]: row for row in alerted[start:stop]}
        rest_start = max(start - len(alerted), 0)
        rest_stop = max(stop - len(alerted), 0)
        quiet = self.clients.exclude(pk__in=[row["client_id"] for row in alerted])
        # Asked even when the alerted clients fill the page (for one row, then dropped), so a
        # page always costs the same queries: tests compare the counts.
        wanted = quiet.order_by("code", "pk").values_list("pk", flat=True)
        rest = list(wanted[rest_start : max(rest_stop, rest_start + 1)])[: rest_stop - rest_start]
        ids = [*counts, *rest]
        found = {c.pk: c for c in Client.objects.filter(pk__in=ids)}
        last_sessions = dict(
            Participant.objects.filter(client_id__in=ids)
            .values("client_id")
            .annotate(last=Max("case__sessions__date"))
            .values_list("client_id", "last")
        )
        page = []
        for pk in ids:
            client = found[pk]
            row = counts.get(pk, {})
            client.urgent_alerts = row.get("urgent", 0)  # type: ignore[attr-defined]
            client.open_alerts = row.get("open", 0)  # type: ignore[attr-defined]
            client.last_session_on = last_sessions.get(pk)  # type: ignore[attr-defined]
            page.append(client)
        return page


def caseload(user: Any) -> Caseload:
    """The clients this person sees, open alerts first (urgent above all), then by code."""
    return Caseload(user)


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
