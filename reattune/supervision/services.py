"""Writes for supervision: bringing something to supervision, and a meeting from creation to
sign-off and amendment. Views fetch through `for_user()` and call these; the rules about WHO may
do what live here, with messages a clinician understands (the tests reuse them)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Client
from reattune.clinics.http import clinic_of
from reattune.clinics.models import User
from reattune.lib.validation import without_nul
from reattune.repairs.models import Repair
from reattune.supervision.models import (
    ActionItem,
    AgendaItem,
    Amendment,
    Meeting,
    MeetingStatus,
    Source,
    SupervisionRequest,
)
from reattune.supervision.queue import QueueItem, queue_for, supervisee_ids

NOT_YOUR_SUPERVISEE = "You can only hold supervision meetings with people you supervise now."
ITEM_LEFT_QUEUE = (
    "Something you chose is no longer in this person's supervision queue (it may have been "
    "dealt with meanwhile). Please look at the queue again and choose."
)
SUPERVISEE_CANNOT_SIGN = (
    "You can't sign off your own supervision meeting: only your supervisor, {name}, can."
)
ONLY_SUPERVISOR_SIGNS = "Only the meeting's supervisor, {name}, can sign it off."
ONLY_SUPERVISOR_WRITES = "Only the meeting's supervisor, {name}, records its notes and actions."
SIGNED_IS_AMENDED = (
    "This meeting is signed off, so its record is not edited: add an amendment with a reason."
)
DRAFT_IS_EDITED = "This meeting is not signed yet: change its notes directly."
FUTURE_MEETING = "This meeting is dated in the future. Sign it off on or after the day it is held."
STALE = (
    "Someone saved these notes while you had them open, so nothing was saved. Your words are "
    "still in the form; the notes as they are now are on the meeting's page."
)
ACTION_OWNER = "An action belongs to the supervisor or the supervisee of the meeting."
ACTION_NOT_YOURS = "Only the action's owner, the supervisor or the supervisee can mark it done."
ALREADY_ASKED = "You have already asked to bring this to supervision; it is in the queue."


class Stale(Exception):
    pass


def meeting_writer_check(meeting: Meeting, by: User) -> None:
    if by.pk != meeting.supervisor_id:
        raise PermissionDenied(ONLY_SUPERVISOR_WRITES.format(name=meeting.supervisor))


def _draft(meeting: Meeting) -> None:
    if meeting.is_signed:
        raise ValidationError(SIGNED_IS_AMENDED)


@transaction.atomic
def request_create(
    *,
    by: User,
    note: str,
    alert: Alert | None = None,
    repair: Repair | None = None,
    client: Client | None = None,
) -> tuple[SupervisionRequest, bool]:
    """Mark a record "bring to supervision". Asking twice about the same record (a double
    click) returns the open request instead of a second one."""
    target = {"alert": alert, "repair": repair, "client": client}
    existing = SupervisionRequest.objects.unresolved().filter(by=by, **target).first()
    if existing:
        return existing, False
    assert by.clinic_id is not None
    request = SupervisionRequest(clinic_id=by.clinic_id, by=by, note=without_nul(note), **target)
    request.full_clean()
    request.save()
    return request, True


def meeting_create(
    *,
    supervisor: User,
    supervisee: User,
    held_on: dt.date,
    item_keys: Iterable[str],
    form_key: uuid.UUID,
) -> tuple[Meeting, bool]:
    """A draft meeting whose agenda is the chosen queue items, then every action still open
    from earlier meetings of the pair ("carried over"). A second submit of the same form
    (same `form_key`) returns the first meeting and creates nothing."""
    existing = Meeting.objects.filter(clinic=clinic_of(supervisor), form_key=form_key).first()
    if existing:
        return existing, False
    if supervisee.pk not in supervisee_ids(supervisor):
        raise PermissionDenied(NOT_YOUR_SUPERVISEE)
    queue = {item.key: item for item in queue_for(supervisor, supervisee=supervisee)}
    keys = list(dict.fromkeys(item_keys))
    if any(key not in queue for key in keys):
        raise ValidationError(ITEM_LEFT_QUEUE)
    try:
        with transaction.atomic():
            meeting = Meeting(
                clinic=clinic_of(supervisor),
                supervisor=supervisor,
                supervisee=supervisee,
                held_on=held_on,
                created_by=supervisor,
                form_key=form_key,
            )
            meeting.full_clean(validate_unique=False)
            meeting.save()
            _agenda_from_queue(meeting, [queue[key] for key in keys])
            _carry_over(meeting)
    except IntegrityError:
        # Two submits at once: the other one's meeting stands.
        return Meeting.objects.get(clinic=clinic_of(supervisor), form_key=form_key), False
    return meeting, True


def _agenda_from_queue(meeting: Meeting, chosen: list[QueueItem]) -> None:
    for position, item in enumerate(chosen, start=1):
        AgendaItem.objects.create(
            clinic_id=meeting.clinic_id,
            meeting=meeting,
            position=position,
            source=item.source,
            **{f"{item.source}_id": item.record_id},
            title=item.title[:300],
            why=item.why,
        )


def _next_position(meeting: Meeting) -> int:
    return (meeting.items.aggregate(n=Max("position"))["n"] or 0) + 1


def _carry_over(meeting: Meeting) -> None:
    """Every open action from this pair's other meetings comes back as an agenda item."""
    actions = (
        ActionItem.objects.open()
        .filter(meeting__supervisor=meeting.supervisor, meeting__supervisee=meeting.supervisee)
        .exclude(meeting=meeting)
        .select_related("meeting", "owner")
        .order_by("meeting__held_on", "pk")
    )
    position = _next_position(meeting)
    for action in actions:
        AgendaItem.objects.create(
            clinic_id=meeting.clinic_id,
            meeting=meeting,
            position=position,
            source=Source.ACTION,
            carried_action=action,
            title=f"Action carried over: {action.text[:250]}",
            why=(
                f"Agreed at the meeting of {action.meeting.held_on:%-d %b %Y} for "
                f"{action.owner}, due {action.due_on:%-d %b %Y}, not done yet."
            ),
        )
        position += 1


@transaction.atomic
def topic_add(*, meeting: Meeting, by: User, title: str) -> AgendaItem:
    """An agenda item that is not from the queue: a theme the supervisor wants to discuss."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting_writer_check(meeting, by)
    _draft(meeting)
    return AgendaItem.objects.create(
        clinic_id=meeting.clinic_id,
        meeting=meeting,
        position=_next_position(meeting),
        source=Source.TOPIC,
        title=title,
    )


@transaction.atomic
def agenda_item_save(
    *, item: AgendaItem, by: User, notes: str, guidance: str, revision: int
) -> AgendaItem:
    """The draft's notes and guidance on one agenda item. Refused with `Stale` if someone saved
    them after this form was opened."""
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    meeting_writer_check(item.meeting, by)
    _draft(item.meeting)
    if revision != item.revision:
        raise Stale(STALE)
    item.notes, item.guidance = without_nul(notes), without_nul(guidance)
    item.revision += 1
    item.save(update_fields=["notes", "guidance", "revision"])
    return item


@transaction.atomic
def action_add(
    *,
    meeting: Meeting,
    by: User,
    text: str,
    owner: User,
    due_on: dt.date,
    agenda_item: AgendaItem | None = None,
) -> ActionItem:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting_writer_check(meeting, by)
    _draft(meeting)
    if owner.pk not in (meeting.supervisor_id, meeting.supervisee_id):
        raise ValidationError(ACTION_OWNER)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError(ACTION_OWNER)
    action = ActionItem(
        clinic_id=meeting.clinic_id,
        meeting=meeting,
        agenda_item=agenda_item,
        text=without_nul(text),
        owner=owner,
        due_on=due_on,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_done(*, action: ActionItem, by: User) -> ActionItem:
    """Mark an action done; marking it twice changes nothing."""
    action = ActionItem.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    allowed = (action.owner_id, action.meeting.supervisor_id, action.meeting.supervisee_id)
    if by.pk not in allowed:
        raise PermissionDenied(ACTION_NOT_YOURS)
    if action.done_at is None:
        action.done_at, action.done_by = timezone.now(), by
        action.save(update_fields=["done_at", "done_by"])
    return action


@transaction.atomic
def meeting_sign(*, meeting: Meeting, by: User) -> tuple[Meeting, bool]:
    """Sign the meeting off. Only its supervisor may: never the supervisee (a trainee cannot
    sign their own supervision). Signing twice changes nothing. Requests on the agenda are
    resolved by this meeting, which takes them out of the queue."""
    meeting = Meeting.objects.select_for_update().select_related("supervisor").get(pk=meeting.pk)
    if by.pk == meeting.supervisee_id:
        raise PermissionDenied(SUPERVISEE_CANNOT_SIGN.format(name=meeting.supervisor))
    if by.pk != meeting.supervisor_id or not by.is_supervisor:
        raise PermissionDenied(ONLY_SUPERVISOR_SIGNS.format(name=meeting.supervisor))
    if meeting.is_signed:
        return meeting, False
    if meeting.held_on > timezone.localdate():
        raise ValidationError(FUTURE_MEETING)
    meeting.status = MeetingStatus.SIGNED
    meeting.signed_by, meeting.signed_at = by, timezone.now()
    meeting.save(update_fields=["status", "signed_by", "signed_at"])
    SupervisionRequest.objects.filter(
        pk__in=meeting.items.filter(request__isnull=False).values("request_id"),
        resolved_by_meeting__isnull=True,
    ).update(resolved_by_meeting=meeting)
    return meeting, True


@transaction.atomic
def agenda_item_amend(
    *, item: AgendaItem, by: User, notes: str, guidance: str, reason: str, number: int
) -> Amendment:
    """A signed meeting's notes change only as a new amendment row; the signed text and every
    earlier amendment stay. `number` is the amendment the form expects to create: a form
    opened before someone else's amendment is refused with `Stale`."""
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    meeting_writer_check(item.meeting, by)
    if not item.meeting.is_signed:
        raise ValidationError(DRAFT_IS_EDITED)
    expected = (item.amendments.aggregate(n=Max("number"))["n"] or 0) + 1
    if number != expected:
        raise Stale(STALE)
    amendment = Amendment(
        clinic_id=item.clinic_id,
        item=item,
        number=expected,
        notes=without_nul(notes),
        guidance=without_nul(guidance),
        reason=without_nul(reason),
        recorded_by=by,
    )
    amendment.full_clean()
    amendment.save()
    return amendment
