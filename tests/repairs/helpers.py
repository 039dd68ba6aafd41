"""A case with a rupture, for the repair tests. All data synthetic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.alerts.services import alerts_raise_for_session
from reattune.cases.models import Case, Participant, TherapySession
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from reattune.clinics.models import User
from reattune.ethics.models import ClinicEthics
from reattune.repairs.models import Repair
from reattune.repairs.services import repair_open, source_for
from tests.checks.helpers import full_check
from tests.factories import make_session

USUAL = (36, 37, 36, 37)
RUPTURE = 22
NARRATIVE = "I moved us onto her father before she was ready."


def alliance(score: int, **extra: Any) -> dict[str, str]:
    """An alliance check whose four items add up to `score` (0-40), as form overrides."""
    each, rest = divmod(score, 4)
    values = [each + (1 if n < rest else 0) for n in range(4)]
    items = ("respected", "focus", "approach", "voice")
    answers = {f"alliance__{item}": str(v) for item, v in zip(items, values, strict=True)}
    return answers | {f"alliance__{k}": v for k, v in extra.items()}


def check(
    case: Case,
    session: TherapySession,
    by: User,
    score: int,
    participant: Participant | None = None,
    **extra: Any,
) -> None:
    """The client (or `participant`, in a joint case) answers after `session`, then detection
    runs as it would on commit."""
    participant = participant or case.participants.order_by("pk").first()
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


def narrative(**overrides: Any) -> dict[str, Any]:
    """The narrative a repair's services take, with `overrides`."""
    return {
        "what_happened": NARRATIVE,
        "kind": "alliance_rupture",
        "marker": "withdrawal",
        "harm": "no_harm",
        "contribution": "I was keen to get to it; my pace, not hers.",
    } | overrides


def open_from_alert(
    alert: Alert, by: User, *, discovered_on: dt.date | None = None, **overrides: Any
) -> Repair:
    return repair_open(
        by=by,
        case=alert.case,
        participant=alert.participant,
        session=alert.session,
        discovered_on=discovered_on or alert.session.date,
        source="alert",
        alert=alert,
        **narrative(**overrides),
    )


def open_by_hand(
    case: Case,
    by: User,
    *,
    at: TherapySession | None = None,
    discovered_on: dt.date | None = None,
    participant: Participant | None = None,
    **overrides: Any,
) -> Repair:
    """A repair opened from the clinician's (or supervisor's) own sense that something went
    wrong, in session `at` (the case's first session by default)."""
    at = at or session(case, 1)
    participant = participant or case.participants.order_by("pk").first()
    assert participant is not None
    return repair_open(
        by=by,
        case=case,
        participant=participant,
        session=at,
        discovered_on=discovered_on or at.date,
        source=source_for(by, case),
        **narrative(**overrides),
    )


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def follow(clinic_id: int, *code_ids: str) -> None:
    ClinicEthics.objects.update_or_create(
        clinic_id=clinic_id, defaults={"code_ids": list(code_ids)}
    )


def open_form(
    session: TherapySession, participant: Participant, **overrides: Any
) -> dict[str, Any]:
    """What the 'Start a repair' form posts."""
    return {
        "participant": str(participant.pk),
        "session": str(session.pk),
        "discovered_on": session.date.isoformat(),
        "kind": "alliance_rupture",
        "marker": "withdrawal",
        "harm": "no_harm",
        "what_happened": NARRATIVE,
        "contribution": "My pace, not hers.",
    } | overrides


def amend_form(repair: Repair, **overrides: Any) -> dict[str, Any]:
    """What the 'Amend' form posts: the current version, changed by `overrides`."""
    current = repair.current()
    return {
        "version": str(current.number),
        "session": str(current.session_id),
        "kind": current.kind,
        "marker": current.marker,
        "harm": current.harm,
        "what_happened": current.what_happened,
        "contribution": current.contribution,
        "amendment_reason": "I had the wrong session.",
    } | overrides


def disclosure_form(told_by: User, **overrides: Any) -> dict[str, Any]:
    return {
        "told_on": timezone.localdate().isoformat(),
        "told_by": str(told_by.pk),
        "method": "in_person",
        "what_was_said": "I told her I had rushed her, and that I was sorry.",
        "apology_given": "on",
    } | overrides


def body(response: Any) -> str:
    return str(response.content.decode())


def flashed(response: Any) -> list[str]:
    """The one-off messages on the page a followed redirect ended on."""
    return [str(m) for m in response.context["messages"]]
