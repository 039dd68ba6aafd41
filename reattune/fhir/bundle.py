"""A clinic's or one client's records as a FHIR R4 Bundle of type "collection".

A bundle holds the Questionnaires answered, a Patient per client, an Encounter per session, and
per stored response its QuestionnaireResponse and the Observation of its total. `clinic_bundle`
returns the whole bundle as a dict; `clinic_bundle_chunks` yields the same JSON as text a piece
at a time, so a large clinic can be streamed to a response or a file without sitting in memory.

Each entry's fullUrl is the resource's address on this server (REATTUNE_BASE_URL plus
/api/v1/fhir), so the relative references inside the resources ("Patient/12") resolve within
the bundle as FHIR's rules for bundles expect.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from reattune.cases.models import CaseKind, Client, Participant, TherapySession
from reattune.checks.models import Response
from reattune.clinics.models import Clinic
from reattune.fhir import resources
from reattune.measures.registry import all_definitions

JSON = dict[str, Any]

# Where the entries say they live when REATTUNE_BASE_URL is not set: a reserved, never
# resolvable host (RFC 2606), so nobody mistakes it for a real server.
FALLBACK_BASE = "https://reattune.invalid"
FHIR_PATH = "/api/v1/fhir"
# Rows fetched from the database at a time while streaming.
CHUNK_SIZE = 500


def server_base() -> str:
    base = str(getattr(settings, "BASE_URL", "") or FALLBACK_BASE).rstrip("/")
    return base + FHIR_PATH


def entry(resource: JSON, base: str) -> JSON:
    return {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource}


def _bundle_header(identifier: str) -> JSON:
    return {
        "resourceType": "Bundle",
        "id": identifier,
        "meta": {"lastUpdated": timezone.now().replace(microsecond=0).isoformat()},
        "type": "collection",
        "timestamp": timezone.now().replace(microsecond=0).isoformat(),
    }


def _responses(queryset: QuerySet[Response]) -> QuerySet[Response]:
    return queryset.select_related("client__clinic", "session").order_by(
        "client_id", "session_id", "measure_id", "pk"
    )


def _sessions(queryset: QuerySet[TherapySession]) -> QuerySet[TherapySession]:
    return queryset.select_related("case").order_by("case_id", "number")


def _individual_clients(session_case_ids: Iterable[int]) -> dict[int, Client]:
    """The one client of each individual case among these, to name as the Encounter's subject."""
    found: dict[int, Client] = {}
    participants = Participant.objects.filter(
        case_id__in=list(session_case_ids), case__kind=CaseKind.INDIVIDUAL
    ).select_related("client")
    for participant in participants:
        found[participant.case_id] = participant.client
    return found


def _entries(
    *,
    clients: QuerySet[Client],
    sessions: QuerySet[TherapySession],
    responses: QuerySet[Response],
    base: str,
) -> Iterator[JSON]:
    measure_ids = set(responses.values_list("measure_id", flat=True).distinct())
    loaded = all_definitions()
    for measure_id in sorted(measure_ids & set(loaded)):
        yield entry(resources.questionnaire(loaded[measure_id]), base)
    for client in clients.select_related("clinic").order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        yield entry(resources.patient(client), base)
    ordered = _sessions(sessions)
    individual = _individual_clients(ordered.values_list("case_id", flat=True).distinct())
    for session in ordered.iterator(chunk_size=CHUNK_SIZE):
        yield entry(
            resources.encounter(session, individual_client=individual.get(session.case_id)), base
        )
    for response in _responses(responses).iterator(chunk_size=CHUNK_SIZE):
        yield entry(resources.questionnaire_response(response), base)
        yield entry(resources.observation(response), base)


def clinic_entries(clinic: Clinic, *, base: str = "") -> Iterator[JSON]:
    """Every entry of the clinic's bundle, one at a time."""
    return _entries(
        clients=Client.objects.filter(clinic=clinic),
        sessions=TherapySession.objects.filter(case__clinic=clinic),
        responses=Response.objects.filter(clinic=clinic),
        base=base or server_base(),
    )


def client_entries(client: Client, *, base: str = "") -> Iterator[JSON]:
    """Every entry about one client: their Patient, the sessions of every case they take part
    in, and their own responses (a partner's answers in a joint case are the partner's)."""
    return _entries(
        clients=Client.objects.filter(pk=client.pk),
        sessions=TherapySession.objects.filter(case__participants__client=client).distinct(),
        responses=Response.objects.filter(client=client),
        base=base or server_base(),
    )


def _bundle(identifier: str, entries: Iterable[JSON]) -> JSON:
    return {**_bundle_header(identifier), "entry": list(entries)}


def clinic_bundle(clinic: Clinic, *, base: str = "") -> JSON:
    """The clinic's whole bundle in memory; for a large clinic use clinic_bundle_chunks."""
    return _bundle(str(uuid.uuid4()), clinic_entries(clinic, base=base))


def client_bundle(client: Client, *, base: str = "") -> JSON:
    """Everything Reattune holds about one client in FHIR form (for an access request)."""
    return _bundle(str(uuid.uuid4()), client_entries(client, base=base))


def bundle_chunks(entries: Iterable[JSON], *, identifier: str = "") -> Iterator[str]:
    """A bundle's JSON text, yielded a piece at a time: the header, then one entry per piece.
    Joined, the pieces are one JSON document equal to the dict `_bundle` would make."""
    header = _bundle_header(identifier or str(uuid.uuid4()))
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "entry": ['
    for n, one in enumerate(entries):
        yield ("," if n else "") + "\n" + json.dumps(one, ensure_ascii=False)
    yield "\n]}\n"


def clinic_bundle_chunks(clinic: Clinic, *, base: str = "") -> Iterator[str]:
    """The clinic's bundle as JSON text, streamed (for StreamingHttpResponse or a file)."""
    return bundle_chunks(clinic_entries(clinic, base=base))
