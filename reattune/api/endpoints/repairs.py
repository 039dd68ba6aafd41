"""Repairs: read only (a repair is a clinician's record, made and closed on the pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from reattune.api.auth import read_auth, token_of
from reattune.api.common import ERRORS, about
from reattune.api.pagination import paginate
from reattune.api.schemas import Id, Page, PageQuery, RepairOut, RepairStatusName
from reattune.api.scope import for_token, get_for_token
from reattune.repairs.models import Repair

router = Router(tags=["Repairs"])


def repair_out(repair: Repair) -> dict[str, Any]:
    return {
        "id": repair.pk,
        "case_id": repair.case_id,
        "client_id": repair.client_id,
        "participant_id": repair.participant_id,
        "alert_id": repair.alert_id,
        "response_id": repair.response_id,
        "source": repair.source,
        "kind": repair.kind,
        "harm": repair.harm,
        "status": repair.status,
        "opened_at": repair.opened_at,
        "discovered_on": repair.discovered_on,
        "verify_after": repair.verify_after,
        "verified_at": repair.verified_at,
        "before_total": repair.before_total,
        "after_total": repair.after_total,
        "closed_at": repair.closed_at,
    }


@router.get(
    "/repairs",
    response={200: Page[RepairOut], **ERRORS},
    auth=read_auth,
    url_name="api_repairs",
    summary="List repairs",
)
def repair_list(
    request: HttpRequest,
    page: Query[PageQuery],
    status: RepairStatusName | None = None,
    case_id: Id | None = None,
    client_id: Id | None = None,
) -> dict[str, Any]:
    """Newest first; filter by `status`, `case_id`, `client_id`."""
    repairs = for_token(Repair, token_of(request)).order_by("-opened_at", "-pk")
    if status is not None:
        repairs = repairs.filter(status=status)
    if case_id is not None:
        repairs = repairs.filter(case_id=case_id)
        about(request, case_id=case_id)
    if client_id is not None:
        repairs = repairs.filter(client_id=client_id)
        about(request, client_id=client_id)
    return paginate(request, repairs, page, repair_out)


@router.get(
    "/repairs/{int:repair_id}",
    response={200: RepairOut, **ERRORS},
    auth=read_auth,
    url_name="api_repair",
    summary="Read one repair",
)
def repair_read(request: HttpRequest, repair_id: Id) -> dict[str, Any]:
    return repair_out(get_for_token(Repair.objects.all(), repair_id, "repair", token_of(request)))
