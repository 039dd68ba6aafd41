"""A case with a rupture, for the repair tests. All data synthetic."""

from __future__ import annotations

from typing import Any

from reattune.alerts.models import Alert
from reattune.alerts.services import alerts_raise_for_session
from reattune.cases.models import Case, TherapySession
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from reattune.clinics.models import User
from reattune.ethics.models import ClinicEthics
from reattune.repairs.models import Repair
from reattune.repairs.services import repair_open
from tests.checks.helpers import full_check
from tests.factories import make_session

USUAL = (36, 37, 36, 37)
RUPTURE = 22


def alliance(score: int, **extra: Any) -> dict[str, str]:
    """An alliance check whose four items add up to `score` (0-40), as form overrides."""
    each, rest = divmod(score, 4)
    values = [each + (1 if n < rest else 0) for n in range(4)]
    items = ("respected", "focus", "approach", "voice")
    answers = {f"alliance__{item}": str(v) for item, v in zip(items, values, strict=True)}
    return answers | {f"alliance__{k}": v for k, v in extra.items()}


def check(case: Case, session: TherapySession, by: User, score: int, **extra: Any) -> None:
    """The client answers after `session`, then detection runs as it would on commit."""
    participant = case.participants.order_by("pk").first()
    assert participant is not None
    link = check_link_create(session=session, participant=participant, created_by=by)
    check_response_submit(
        link=link,
        cleaned=check_answers_clean(link, full_check(**alliance(score, **extra))),
        raise_alerts=False,
    )
    alerts_raise_for_session(session=session)


def session(case: Case, number: int) -> TherapySession:
    existing = case.sessions.filter(number=number).first()
    return existing or make_session(case, number)


def ruptured(case: Case, by: User) -> Alert:
    """Four steady checks, then a sharp drop at session 5: the rupture alert it raises."""
    for number, score in enumerate(USUAL, start=1):
        check(case, session(case, number), by, score)
    check(case, session(case, 5), by, RUPTURE, felt_off="yes", change="I felt rushed.")
    return Alert.objects.get(case=case, signal="alliance_rupture", session__number=5)


def open_from_alert(alert: Alert, by: User, **overrides: Any) -> Repair:
    fields: dict[str, Any] = {
        "what_happened": "I moved us onto her father before she was ready.",
        "kind": "alliance_rupture",
        "marker": "withdrawal",
        "harm": "no_harm",
        "contribution": "I was keen to get to it; my pace, not hers.",
    } | overrides
    return repair_open(
        by=by,
        case=alert.case,
        participant=alert.participant,
        session=alert.session,
        discovered_on=alert.session.date,
        source="alert",
        alert=alert,
        **fields,
    )


def follow(clinic_id: int, *code_ids: str) -> None:
    ClinicEthics.objects.update_or_create(
        clinic_id=clinic_id, defaults={"code_ids": list(code_ids)}
    )
