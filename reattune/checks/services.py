"""Creating check links and taking in a client's answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reattune.cases.models import Attendance, Participant, TherapySession
from reattune.checks.models import CheckLink, Response, ResponseSource
from reattune.clinics.models import User
from reattune.measures.definitions import AnswerError, MeasureDefinition
from reattune.measures.models import MeasureSchedule
from reattune.measures.registry import get_definition

logger = logging.getLogger(__name__)

# Words a client sees; tests reuse them.
LINK_INVALID = (
    "This link isn't valid. Please check you copied all of it, or ask your therapist for a new one."
)
LINK_EXPIRED = (
    "This link has expired, so we can't take answers through it. "
    "Your therapist can send you a new one."
)
LINK_USED = "Thank you: we already have your answers for this session. Nothing more is needed."
SESSION_DID_NOT_HAPPEN = (
    "There's no check to fill in for this session: it's recorded as not having taken place. "
    "If that's wrong, please tell your therapist."
)
NO_MEASURES_DUE = "There is no check to fill in after this session."
SESSION_NOT_ATTENDED = "A check can only be sent for a session that took place."
ALREADY_ANSWERED = "This person has already answered the check for this session."


class LinkProblem(Exception):
    """A link that cannot take answers; the message is for the client."""

    def __init__(self, message: str, *, status: int) -> None:
        self.message = message
        self.status = status
        super().__init__(message)


class CannotIssueLink(Exception):
    """A check link cannot be made; the message is for the clinician."""


def check_link_create(
    *, session: TherapySession, participant: Participant, created_by: User
) -> CheckLink:
    """A new link for one participant's check after one session, asking for whatever the
    clinic's schedule has due at this session number."""
    if participant.case_id != session.case_id:
        raise CannotIssueLink("That person is not part of this case.")
    if session.attendance != Attendance.ATTENDED:
        raise CannotIssueLink(SESSION_NOT_ATTENDED)
    if Response.objects.filter(session=session, participant=participant).exists():
        raise CannotIssueLink(ALREADY_ANSWERED)
    measure_ids = MeasureSchedule.objects.due_at(session.case.clinic, session.number)
    if not measure_ids:
        raise CannotIssueLink(NO_MEASURES_DUE)
    link = CheckLink(
        clinic_id=session.case.clinic_id,
        session=session,
        participant=participant,
        measure_ids=measure_ids,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(hours=settings.CHECK_LINK_HOURS),
    )
    # The related rows were just passed in as objects, so only the plain fields need checking.
    link.full_clean(exclude=["clinic", "session", "participant", "created_by"])
    link.save()
    return link


def current_link(session: TherapySession, participant: Participant) -> CheckLink | None:
    """The newest link still open for answers, if any."""
    if session.attendance != Attendance.ATTENDED:
        return None
    return (
        CheckLink.objects.filter(
            session=session,
            participant=participant,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def open_link(token: str) -> CheckLink:
    """The link behind a token, if it can still take answers; LinkProblem otherwise."""
    return open_link_with_definitions(token)[0]


def open_link_with_definitions(token: str) -> tuple[CheckLink, list[MeasureDefinition]]:
    """The open link and the measures it still asks for, read once: the form and the answers'
    validation both need them (benchmarks/load.py counts every statement of a submission)."""
    try:
        pk = CheckLink.pk_from_token(token)
    except (signing.BadSignature, ValueError):
        raise LinkProblem(LINK_INVALID, status=404) from None
    link = (
        CheckLink.objects.select_related("session__case", "participant__client", "clinic")
        .filter(pk=pk)
        .first()
    )
    if link is None:
        raise LinkProblem(LINK_INVALID, status=404)
    if link.is_used:
        raise LinkProblem(LINK_USED, status=200)
    if link.is_expired:
        raise LinkProblem(LINK_EXPIRED, status=410)
    if link.session.attendance != Attendance.ATTENDED:
        raise LinkProblem(SESSION_DID_NOT_HAPPEN, status=410)
    definitions = link_definitions(link)
    if not definitions:
        raise LinkProblem(LINK_USED, status=200)
    return link, definitions


def link_definitions(link: CheckLink) -> list[MeasureDefinition]:
    """The measures the link still asks for: a record system may already have sent some of
    them for this session (`responses_store`), and the client is not asked twice."""
    answered = answered_measure_ids(link.session_id, link.participant_id)
    return [get_definition(m) for m in link.measure_ids if m not in answered]


def answered_measure_ids(session_id: int, participant_id: int) -> set[str]:
    return set(
        Response.objects.filter(session_id=session_id, participant_id=participant_id).values_list(
            "measure_id", flat=True
        )
    )


@dataclass(frozen=True)
class CleanedCheck:
    by_measure: dict[str, dict[str, Any]]


TWO_ANSWERS = "Please choose just one answer."


def _one_value(raw: Any, key: str) -> Any:
    """A form field sent twice (phq9-q9=2&phq9-q9=0) must not be cut silently to one of its
    values: a safety answer could vanish. Two values count as no answer, and the form asks."""
    values = raw.getlist(key) if hasattr(raw, "getlist") else [raw[key]]
    return values[0] if len(values) == 1 else None


def _sent_twice(raw: Any) -> set[str]:
    if not hasattr(raw, "getlist"):
        return set()
    return {key for key in raw if len(raw.getlist(key)) > 1}


def check_answers_clean(
    link: CheckLink, raw: Any, definitions: list[MeasureDefinition] | None = None
) -> CleanedCheck:
    """Validate every measure on the form at once, so the client sees every problem together.
    Form fields are named '<measure>-<item>'. Raises AnswerError keyed by field name.
    `definitions`, if given, are the link's from `open_link_with_definitions`."""
    errors: dict[str, str] = {}
    by_measure: dict[str, dict[str, Any]] = {}
    for definition in link_definitions(link) if definitions is None else definitions:
        prefix = f"{definition.id}-"
        own = {k.removeprefix(prefix): _one_value(raw, k) for k in raw if k.startswith(prefix)}
        try:
            by_measure[definition.id] = definition.clean_answers(own)
        except AnswerError as e:
            errors.update({prefix + item: message for item, message in e.errors.items()})
    errors.update({key: TWO_ANSWERS for key in _sent_twice(raw) if key in errors})
    if errors:
        raise AnswerError(errors)
    return CleanedCheck(by_measure=by_measure)


def check_response_submit(
    *, link: CheckLink, cleaned: CleanedCheck, raise_alerts: bool = True
) -> list[Response]:
    """Store the answers once. The link is claimed with a conditional UPDATE in the same
    transaction as the answers, so a double submit or a race stores one set and the loser
    learns the link was used; nothing half-stored is possible."""
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = CheckLink.objects.filter(
                pk=link.pk,
                used_at__isnull=True,
                expires_at__gt=now,
                session__attendance=Attendance.ATTENDED,
            ).update(used_at=now)
            if not claimed:
                raise _why_unclaimed(link)
            # Measures sent for this session by a record system after the form was opened are
            # kept as they came; the rest of the client's answers are stored, not refused.
            answered = answered_measure_ids(link.session_id, link.participant_id)
            responses = _insert(
                [
                    _response_for(link, get_definition(measure_id), answers, now)
                    for measure_id, answers in cleaned.by_measure.items()
                    if measure_id not in answered
                ]
            )
            if not responses:
                # Everything the link asks was answered by another link or a record system;
                # leaving here undoes the claim, as a clash on the constraint below would.
                raise LinkProblem(LINK_USED, status=200)
            if raise_alerts:
                alerts_raise_after(responses)
    except IntegrityError:
        # Another link for the same session and person already brought these answers.
        raise LinkProblem(LINK_USED, status=200) from None
    return responses


class CannotStoreAnswers(Exception):
    """Answers sent by a record system or the API that cannot be stored; the message says why
    in words a developer or clinician understands."""


def responses_store(
    *,
    session: TherapySession,
    participant: Participant,
    by_measure: dict[str, dict[str, Any]],
    source: str,
    raise_alerts: bool = True,
) -> list[Response]:
    """Store answers a client gave somewhere other than their check link (the API, a FHIR
    QuestionnaireResponse), cleaned already with `MeasureDefinition.clean_answers`. Scored and
    judged exactly like a link's. The participant's open link for the session is claimed in
    the same transaction when these answers leave it nothing to ask; otherwise it stays open and
    asks only for the rest, so no measure is lost or asked twice. One set per measure per
    session: a second is refused with CannotStoreAnswers and the first is kept."""
    if source not in ResponseSource.values or source == ResponseSource.CHECK_LINK:
        raise ValueError(f"not a source for answers without a link: {source!r}")
    if participant.case_id != session.case_id:
        raise CannotStoreAnswers("That person is not part of this session's case.")
    if session.attendance != Attendance.ATTENDED:
        raise CannotStoreAnswers(SESSION_NOT_ATTENDED)
    now = timezone.now()
    try:
        with transaction.atomic():
            link = current_link(session, participant)
            if link is not None and _covers(link, by_measure):
                CheckLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
            elif link is not None:
                # The link stays open for the measures still unanswered (link_definitions).
                link = None
            responses = [
                Response.objects.create(
                    clinic_id=session.case.clinic_id,
                    link=link,
                    source=source,
                    session=session,
                    participant=participant,
                    client_id=participant.client_id,
                    measure_id=definition.id,
                    measure_version=definition.version,
                    answers=answers,
                    total=(score := definition.score(answers)).total,
                    subscales=score.subscales,
                    submitted_at=now,
                )
                for measure_id, answers in by_measure.items()
                for definition in [get_definition(measure_id)]
            ]
            if raise_alerts and responses:
                alerts_raise_after(responses)
    except IntegrityError:
        raise CannotStoreAnswers(ALREADY_ANSWERED) from None
    return responses


def _covers(link: CheckLink, by_measure: dict[str, dict[str, Any]]) -> bool:
    """Whether these answers, with any stored already, leave the link nothing to ask."""
    answered = answered_measure_ids(link.session_id, link.participant_id)
    return set(link.measure_ids) <= answered | set(by_measure)


def _why_unclaimed(link: CheckLink) -> LinkProblem:
    link.refresh_from_db()
    link.session.refresh_from_db()
    if link.is_used:
        return LinkProblem(LINK_USED, status=200)
    if link.session.attendance != Attendance.ATTENDED:
        return LinkProblem(SESSION_DID_NOT_HAPPEN, status=410)
    return LinkProblem(LINK_EXPIRED, status=410)


def _insert(responses: list[Response]) -> list[Response]:
    """One INSERT for all the measures (each statement is a round trip in the client's
    request), where the database gives back the new rows' ids; one each otherwise (SQLite
    before 3.35), since the rows' ids are needed afterwards."""
    if connection.features.can_return_rows_from_bulk_insert:
        return Response.objects.bulk_create(responses)
    for response in responses:
        response.save(force_insert=True)
    return responses


def _response_for(
    link: CheckLink, definition: MeasureDefinition, answers: dict[str, Any], now: Any
) -> Response:
    score = definition.score(answers)
    return Response(
        clinic_id=link.clinic_id,
        link=link,
        session=link.session,
        participant_id=link.participant_id,
        client_id=link.participant.client_id,
        measure_id=definition.id,
        measure_version=definition.version,
        answers=answers,
        total=score.total,
        subscales=score.subscales,
        submitted_at=now,
    )


def alerts_raise_after(responses: list[Response]) -> None:
    """Judge the session these answers belong to, without making the client wait for it.

    With the database queue (`reattune worker`, docs/worker.md) a task is queued inside the
    caller's transaction: it is committed exactly when the answers are, so neither exists
    without the other, and the client's request returns without running detection (which read
    the whole case's history inside it: most of a submission's time). It is an urgent task, run
    before any other and never refused by a full queue, and it is retried if it fails. With the
    immediate backend (the tests; an installation without a worker) detection runs in the
    request, after the commit, as before."""
    from django_tasks_db.backend import DatabaseBackend

    from reattune.alerts.tasks import raise_alerts_for_session

    session = responses[0].session
    if isinstance(raise_alerts_for_session.get_backend(), DatabaseBackend):
        raise_alerts_for_session.enqueue(session_id=session.pk, clinic_id=responses[0].clinic_id)
    else:
        transaction.on_commit(lambda: _raise_alerts(responses))


def _raise_alerts(responses: list[Response]) -> None:
    """Runs after the answers are committed: a failure here is logged and can be re-run with
    `reattune raise_alerts`; it never loses the client's answers."""
    from reattune.alerts.services import alerts_raise_for_session

    try:
        alerts_raise_for_session(session=responses[0].session)
    except Exception:
        logger.exception(
            "Raising alerts failed for session %s; the answers are stored and "
            "`reattune raise_alerts` will raise them",
            responses[0].session_id,
        )
