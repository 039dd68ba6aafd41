"""Which client a request is about, from the ids in its URL, for the audit row.

Ids are looked up only inside the requesting person's own clinic: a request for another
clinic's record by id names no client (the row keeps the route and the id asked for), so the
audit never records another clinic's client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from reattune.lib.validation import whole_number


@dataclass(frozen=True)
class Subject:
    client_id: int | None = None
    case_id: int | None = None
    clinic_id: int | None = None

    def __bool__(self) -> bool:
        return self.client_id is not None or self.case_id is not None


NOBODY = Subject()


@dataclass(frozen=True)
class Lookup:
    """Where a URL id's model keeps its client, its case and its clinic. `clients` lists paths
    tried in turn (an agenda item may be about an alert, a repair or a request)."""

    model: str
    clients: tuple[str, ...]
    case: str
    clinic: str


# Most specific first: a link's participant names the client; its session only the case.
LOOKUPS: dict[str, Lookup] = {
    "participant_id": Lookup("cases.Participant", ("client_id",), "case_id", "case__clinic_id"),
    "link_id": Lookup(
        "checks.CheckLink", ("participant__client_id",), "session__case_id", "clinic_id"
    ),
    "response_id": Lookup("checks.Response", ("client_id",), "session__case_id", "clinic_id"),
    "alert_id": Lookup("alerts.Alert", ("client_id",), "case_id", "clinic_id"),
    "repair_id": Lookup("repairs.Repair", ("client_id",), "case_id", "clinic_id"),
    "disclosure_id": Lookup(
        "repairs.Disclosure", ("repair__client_id",), "repair__case_id", "repair__clinic_id"
    ),
    "obligation_id": Lookup(
        "repairs.Obligation", ("repair__client_id",), "repair__case_id", "repair__clinic_id"
    ),
    "review_id": Lookup(
        "reviews.CaseReview", ("repair__client_id",), "repair__case_id", "clinic_id"
    ),
    "item_id": Lookup(
        "supervision.AgendaItem",
        ("repair__client_id", "alert__client_id", "request__client_id"),
        "repair__case_id",
        "meeting__clinic_id",
    ),
    "grant_id": Lookup("breakglass.Grant", ("client_id",), "", "clinic_id"),
    "client_id": Lookup("cases.Client", ("pk",), "", "clinic_id"),
    "case_id": Lookup("cases.Case", (), "pk", "clinic_id"),
    "session_id": Lookup("cases.TherapySession", (), "case_id", "case__clinic_id"),
}
# Query-string parameters that name a record (repair_new?alert=5, review_new?repair=3).
QUERY_IDS = {
    "alert": "alert_id",
    "response": "response_id",
    "case": "case_id",
    "repair": "repair_id",
    "client": "client_id",
}
# supervision_request_new: bring/<target>/<target_id>/
TARGETS = {"alert": "alert_id", "repair": "repair_id", "client": "client_id"}


def ids_in(request: HttpRequest, kwargs: dict[str, Any]) -> dict[str, int]:
    """The record ids a request names: whole-number URL kwargs and known query parameters."""
    ids = {k: v for k, v in kwargs.items() if isinstance(v, int) and not isinstance(v, bool)}
    if kwargs.get("target") in TARGETS and "target_id" in ids:
        ids[TARGETS[kwargs["target"]]] = ids.pop("target_id")
    for param, key in QUERY_IDS.items():
        value = whole_number(request.GET.get(param))
        if value is not None:
            ids.setdefault(key, value)
    return ids


def subject_of(ids: dict[str, int], clinic_id: int | None) -> Subject:
    """The client (and case) these ids point at, inside `clinic_id` only."""
    if clinic_id is None:
        return NOBODY
    client_id: int | None = None
    case_id: int | None = None
    for key, lookup in LOOKUPS.items():
        if key not in ids or (client_id is not None and case_id is not None):
            continue
        found = _find(lookup, ids[key], clinic_id)
        if found:
            client_id = client_id if client_id is not None else found.client_id
            case_id = case_id if case_id is not None else found.case_id
    if client_id is None and case_id is not None:
        client_id = _only_client(case_id)
    return Subject(client_id=client_id, case_id=case_id, clinic_id=clinic_id)


def subject_after_create(response: HttpResponse, clinic_id: int | None) -> Subject:
    """A create names no record in its own URL; the page it redirects to names the new one."""
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    if not location.startswith("/"):
        return NOBODY
    try:
        match = resolve(location.split("?", 1)[0])
    except Resolver404:
        return NOBODY
    ids = {k: v for k, v in match.kwargs.items() if isinstance(v, int)}
    return subject_of(ids, clinic_id)


def subject_of_link(token: str) -> Subject:
    """The client behind a check link's token (the client's own page has no login)."""
    from reattune.checks.models import CheckLink

    try:
        pk = CheckLink.pk_from_token(token)
    except Exception:  # any bad token simply names nobody
        return NOBODY
    row = (
        CheckLink.objects.filter(pk=pk)
        .values("participant__client_id", "session__case_id", "clinic_id")
        .first()
    )
    if row is None:
        return NOBODY
    return Subject(
        client_id=row["participant__client_id"],
        case_id=row["session__case_id"],
        clinic_id=row["clinic_id"],
    )


def under_break_glass(user: Any, subject: Subject) -> bool:
    """Whether this person sees the request's case or client only through an emergency
    (break-glass) grant: the row is then flagged for the clinic admin. That covers the granted
    client and anything the grant opens with them, such as a partner's page in a couple case."""
    from reattune.breakglass.models import Grant
    from reattune.cases.models import Participant
    from reattune.clinics.access import caseload_case_ids

    if not Grant.objects.active().filter(person_id=user.pk).exists():
        return False
    caseload = caseload_case_ids(user)
    if subject.case_id is not None and not caseload.filter(case_id=subject.case_id).exists():
        return True
    return subject.client_id is not None and not (
        Participant.objects.filter(client_id=subject.client_id, case_id__in=caseload).exists()
    )


def _model(label: str) -> type[Model]:
    from django.apps import apps

    return apps.get_model(label)


def _find(lookup: Lookup, pk: int, clinic_id: int) -> Subject:
    fields = [*lookup.clients, *([lookup.case] if lookup.case else [])]
    if not fields:
        return NOBODY
    row = (
        _model(lookup.model)
        ._default_manager.filter(pk=pk, **{lookup.clinic: clinic_id})
        .values(*fields)
        .first()
    )
    if row is None:
        return NOBODY
    client = next((row[path] for path in lookup.clients if row[path] is not None), None)
    return Subject(client_id=client, case_id=row[lookup.case] if lookup.case else None)


def _only_client(case_id: int) -> int | None:
    """A case with one participant is about that client; a joint case names only the case."""
    from reattune.cases.models import Participant

    participants = Participant.objects.filter(case_id=case_id)
    clients = list(participants.values_list("client_id", flat=True)[:2])
    return clients[0] if len(clients) == 1 else None
