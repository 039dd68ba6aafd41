"""Alerts (the detection signals stored for a clinician to act on): read and acknowledge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from reattune.alerts.models import Alert, AlertStatus
from reattune.api.auth import read_auth, token_of, write_auth
from reattune.api.common import ERRORS, about
from reattune.api.pagination import paginate
from reattune.api.schemas import AlertOut, AlertStatusName, Id, Page, PageQuery
from reattune.api.scope import for_token, get_for_token

router = Router(tags=["Alerts and signals"])


def alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "case_id": alert.case_id,
        "client_id": alert.client_id,
        "participant_id": alert.participant_id,
        "session_id": alert.session_id,
        "response_id": alert.response_id,
        "signal": alert.signal,
        "measure_id": alert.measure_id,
        "severity": alert.severity,
        "title": alert.title,
        "explanation": alert.explanation,
        "next_step": alert.next_step,
        "status": alert.status,
        "created_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
    }


@router.get(
    "/alerts",
    response={200: Page[AlertOut], **ERRORS},
    auth=read_auth,
    url_name="api_alerts",
    summary="List alerts",
)
def alert_list(
    request: HttpRequest,
    page: Query[PageQuery],
    status: AlertStatusName | None = None,
    case_id: Id | None = None,
    client_id: Id | None = None,
) -> dict[str, Any]:
    """Newest first; filter by `status` (open, acknowledged, dismissed), `case_id`, `client_id`."""
    alerts = for_token(Alert, token_of(request)).order_by("-created_at", "-pk")
    if status is not None:
        alerts = alerts.filter(status=status)
    if case_id is not None:
        alerts = alerts.filter(case_id=case_id)
        about(request, case_id=case_id)
    if client_id is not None:
        alerts = alerts.filter(client_id=client_id)
        about(request, client_id=client_id)
    return paginate(request, alerts, page, alert_out)


@router.get(
    "/alerts/{int:alert_id}",
    response={200: AlertOut, **ERRORS},
    auth=read_auth,
    url_name="api_alert",
    summary="Read one alert",
)
def alert_read(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    return alert_out(get_for_token(Alert.objects.all(), alert_id, "alert", token_of(request)))


@router.post(
    "/alerts/{int:alert_id}/acknowledge",
    response={200: AlertOut, **ERRORS},
    auth=write_auth,
    url_name="api_alert_acknowledge",
    summary="Acknowledge an alert",
)
def alert_acknowledge(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    """An open alert becomes acknowledged; any other is returned unchanged (so a retry is
    harmless). Nobody is named as having seen it: a token is not a person, and the alert
    page must not claim a clinician saw what a record system marked. The audit names the
    token."""
    alert = get_for_token(Alert.objects.all(), alert_id, "alert", token_of(request))
    Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )
    alert.refresh_from_db()
    return alert_out(alert)
