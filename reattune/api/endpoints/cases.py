"""Cases: create, list and read; and the detection signals over a case's history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from reattune.alerts.detection import case_measurements, clinic_context
from reattune.api.auth import read_auth, token_of, write_auth
from reattune.api.common import ERRORS, about
from reattune.api.errors import ApiError, invalid
from reattune.api.pagination import paginate
from reattune.api.schemas import CaseIn, CaseOut, Id, Page, PageQuery, SignalOut
from reattune.api.scope import for_token, get_for_token
from reattune.cases.models import Case, Client
from reattune.cases.services import case_create
from reattune.clinics.models import Role, User
from reattune.detection.engine import detect

router = Router(tags=["Cases"])

UNKNOWN_CLIENTS = "No client with id {ids} in this token's clinic."
UNKNOWN_CLINICIANS = "No clinician with id {ids} in this token's clinic."
REPEATED_CLIENT = "Each client can be in a case only once."
LABELS_MISMATCH = (
    "Give one label per client, in the same order as client_ids (or none): got {labels} "
    "labels for {clients} clients."
)
NOT_A_CASELOAD = (
    "User {ids} cannot hold this case: a case's clinicians must be active people of the "
    "clinic who hold a caseload (a clinic admin does not), so its safety alerts reach them."
)
ONE_CLIENT_ALONE = (
    "An individual case has exactly one client: got {count}. For more than one, open a "
    "couple, family or group case."
)
REPEATED_LABEL = "Each participant needs a label of their own: '{label}' is given more than once."


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "kind": case.kind,
        "title": case.title,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "clinician_ids": sorted(a.clinician_id for a in case.assignments.all()),
        "participants": [
            {"id": p.pk, "client_id": p.client_id, "client_code": p.client.code, "label": p.label}
            for p in case.participants.all()
        ],
        "created_at": case.created_at,
    }


def _cases() -> Any:
    return Case.objects.prefetch_related("assignments", "participants__client")


@router.get(
    "/cases",
    response={200: Page[CaseOut], **ERRORS},
    auth=read_auth,
    url_name="api_cases",
    summary="List the clinic's cases",
)
def case_list(
    request: HttpRequest,
    page: Query[PageQuery],
    client_id: Id | None = None,
    open: bool | None = None,
) -> dict[str, Any]:
    """Newest first; `client_id` for one client's cases, `open` for open (or closed) cases."""
    cases = _cases().filter(clinic_id=token_of(request).clinic_id).order_by("-created_at", "-pk")
    if client_id is not None:
        cases = cases.filter(participants__client_id=client_id)
        about(request, client_id=client_id)
    if open is not None:
        cases = cases.filter(closed_on__isnull=open)
    return paginate(request, cases, page, case_out)


@router.post(
    "/cases",
    response={201: CaseOut, **ERRORS},
    auth=write_auth,
    url_name="api_cases",
    summary="Open a case",
)
def case_add(request: HttpRequest, body: CaseIn) -> Status[dict[str, Any]]:
    """Clients by id, in order (labels, if given, name them in the same order: Partner A…);
    clinicians by user id, all of this clinic."""
    token = token_of(request)
    if len(set(body.client_ids)) != len(body.client_ids):
        raise ApiError(422, "invalid", REPEATED_CLIENT)
    if body.kind == "individual" and len(body.client_ids) > 1:
        message = ONE_CLIENT_ALONE.format(count=len(body.client_ids))
        raise ApiError(
            422,
            "invalid",
            message,
            [{"loc": ["body", "client_ids"], "msg": message, "type": "too_many_clients"}],
        )
    check_labels(body.labels, len(body.client_ids))
    found = for_token(Client, token).in_bulk(body.client_ids)
    missing = [pk for pk in body.client_ids if pk not in found]
    if missing:
        raise ApiError(404, "not_found", UNKNOWN_CLIENTS.format(ids=", ".join(map(str, missing))))
    people = User.objects.filter(clinic_id=token.clinic_id).in_bulk(body.clinician_ids)
    absent = [pk for pk in body.clinician_ids if pk not in people]
    if absent:
        raise ApiError(404, "not_found", UNKNOWN_CLINICIANS.format(ids=", ".join(map(str, absent))))
    # The web form offers the same people (reattune/cases/forms.py, CaseForm.clinicians).
    unfit = [
        pk for pk in body.clinician_ids if people[pk].role == Role.ADMIN or not people[pk].is_active
    ]
    if unfit:
        message = NOT_A_CASELOAD.format(ids=", ".join(map(str, dict.fromkeys(unfit))))
        raise ApiError(
            422,
            "invalid",
            message,
            [{"loc": ["body", "clinician_ids"], "msg": message, "type": "not_a_caseload"}],
        )
    try:
        case = case_create(
            clinic=token.clinic,
            kind=body.kind,
            title=body.title,
            clients=[found[pk] for pk in body.client_ids],
            clinicians=[people[pk] for pk in dict.fromkeys(body.clinician_ids)],
            labels=body.labels,
            opened_on=body.opened_on,
        )
    except ValidationError as error:
        raise invalid(error) from error
    about(request, case_id=case.pk)
    return Status(201, case_out(_cases().get(pk=case.pk)))


def check_labels(labels: list[str], clients: int) -> None:
    """Labels name the participants in order, so a count that differs would silently drop
    or misplace one, and two alike could not be told apart on the case page. Blank labels
    (no label) may repeat; others are compared ignoring letter case and outer spaces."""
    if labels and len(labels) != clients:
        message = LABELS_MISMATCH.format(labels=len(labels), clients=clients)
        raise ApiError(
            422,
            "invalid",
            message,
            [{"loc": ["body", "labels"], "msg": message, "type": "labels_count"}],
        )
    seen: set[str] = set()
    for n, label in enumerate(labels):
        key = label.strip().casefold()
        if key and key in seen:
            message = REPEATED_LABEL.format(label=label.strip())
            raise ApiError(
                422,
                "invalid",
                message,
                [{"loc": ["body", "labels", n], "msg": message, "type": "repeated_label"}],
            )
        seen.add(key)


@router.get(
    "/cases/{int:case_id}",
    response={200: CaseOut, **ERRORS},
    auth=read_auth,
    url_name="api_case",
    summary="Read one case",
)
def case_read(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    return case_out(get_for_token(_cases(), case_id, "case", token_of(request)))


@router.get(
    "/cases/{int:case_id}/signals",
    response={200: list[SignalOut], **ERRORS},
    auth=read_auth,
    url_name="api_case_signals",
    summary="The detection signals over a case's history",
)
def case_signals(request: HttpRequest, case_id: Id) -> list[dict[str, Any]]:
    """What the detection engine finds at each session of the case, from the answers and
    attendance stored so far, with the clinic's calibration: the same rules that raise
    alerts. Alerts (below) are the signals stored and acted on; this is the live reading."""
    case = get_for_token(Case.objects.all(), case_id, "case", token_of(request))
    last = case.sessions.order_by("-number").values_list("number", flat=True).first()
    if last is None:
        return []
    found = detect(case_measurements(case, up_to=last), clinic_context(case.clinic_id))
    # The engine names a participant only in a joint case; an individual case has one.
    participants = list(case.participants.values_list("pk", flat=True))
    only = participants[0] if len(participants) == 1 else None
    return [
        {
            **row,
            "participant_id": int(row["participant_id"]) if row["participant_id"] else only,
            "detail": row["detail"] or "",
            "measure": row["measure"] or "",
            "rule": row["rule"] or "",
        }
        for row in found.sort("session").iter_rows(named=True)
    ]
