"""Where a repair starts (an alert, a client's comment, or a case for the clinician's own
"I think I got something wrong"), fetched through `for_user()` so another caseload's or
clinic's id is a 404, with the facts it carries into the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Case
from reattune.checks.models import Response
from reattune.clinics.models import User
from reattune.lib.validation import whole_number
from reattune.repairs.models import Source
from reattune.repairs.presenters import alert_facts, kind_for_signal
from reattune.repairs.services import source_for


@dataclass
class Start:
    """Where a repair starts: its case, how its source is recorded, and the facts carried
    over into the form."""

    case: Case
    source: str
    initial: dict[str, Any]
    alert: Alert | None = None
    response: Response | None = None


def _id(params: QueryDict, name: str) -> int | None:
    """The id in ?name=: None when it is not given, 404 when it is not a whole number."""
    if not (raw := params.get(name)):
        return None
    if (value := whole_number(raw)) is None:
        raise Http404
    return value


def start_from(user: User, params: QueryDict) -> Start | None:
    """From ?alert=, ?response= or ?case=, each fetched through `for_user()`; None when the
    request names none of them."""
    initial: dict[str, Any] = {"discovered_on": timezone.localdate(), "harm": "no_harm"}
    if (alert_id := _id(params, "alert")) is not None:
        alert = get_object_or_404(
            Alert.objects.for_user(user).select_related("case", "session", "participant"),
            pk=alert_id,
        )
        facts = {
            "participant": alert.participant_id,
            "session": alert.session_id,
            "kind": kind_for_signal(alert.signal),
            "what_happened": alert_facts(alert),
        }
        return Start(alert.case, Source.ALERT, initial | facts, alert=alert)
    if (response_id := _id(params, "response")) is not None:
        response = get_object_or_404(
            Response.objects.for_user(user).select_related("session__case"), pk=response_id
        )
        comment = str(response.answers.get("change", "")).strip()
        facts = {
            "participant": response.participant_id,
            "session": response.session_id,
            "kind": "alliance_rupture",
            "what_happened": f"After session {response.session.number} the client wrote: "
            f"“{comment}”"
            if comment
            else "",
        }
        return Start(
            response.session.case, Source.CLIENT_COMMENT, initial | facts, response=response
        )
    if (case_id := _id(params, "case")) is not None:
        case = get_object_or_404(Case.objects.for_user(user), pk=case_id)
        last = case.sessions.filter(date__lte=timezone.localdate()).order_by("-number").first()
        first = case.participants.order_by("pk").first()
        facts = {
            "session": last.pk if last else None,
            "participant": first.pk if first else None,
        }
        return Start(case, source_for(user, case), initial | facts)
    return None
