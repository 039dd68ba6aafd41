"""A row of every model with encrypted text, and a key ring of the test's own. All synthetic."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from reattune.breakglass.models import Grant
from reattune.checks.models import Response
from reattune.exports.models import Erasure
from reattune.learning.models import GoalNote, LearningGoal, Prompt, Reflection
from reattune.repairs.models import (
    Disclosure,
    Method,
    Obligation,
    RepairConversation,
    RepairEvent,
    RepairPlan,
)
from reattune.reviews.models import CaseReview, ReviewVersion
from reattune.supervision.models import (
    ActionItem,
    AgendaItem,
    Amendment,
    HoursEntry,
    HoursKind,
    Meeting,
    Source,
    SupervisionRequest,
)
from reattune.vault.columns import Column, encrypted_columns
from reattune.vault.fields import EncryptedJSONField, EncryptedTextField
from reattune.vault.keys import KeyList, new_key, write_key_file
from tests.factories import ClinicWorld
from tests.learning.helpers import rate
from tests.repairs.helpers import follow, open_from_alert, ruptured

TODAY = dt.date(2026, 3, 2)


def encrypted_models() -> dict[type[models.Model], list[EncryptedTextField[Any, Any]]]:
    found: dict[type[models.Model], list[EncryptedTextField[Any, Any]]] = {}
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found[model] = fields
    return found


def one_of_each(world: ClinicWorld) -> list[models.Model]:
    """At least one row of every model that has an encrypted field, made the way the app
    makes them where that is short, and directly where it is not."""
    follow(world.clinic.pk, "bacp")
    repair = open_from_alert(ruptured(world.case, world.clinician), world.clinician)
    by, supervisor, trainee = world.clinician, world.supervisor, world.trainee
    repair.close_reason = "Closed for the test."
    repair.save()
    version = repair.current()
    plan = RepairPlan.objects.create(
        repair=repair, recorded_by=by, steps=[{"key": "name", "title": "Name", "text": "Words."}]
    )
    conversation = RepairConversation.objects.create(
        repair=repair, recorded_by=by, session=version.session, how_it_went="Gently."
    )
    disclosure = Disclosure.objects.create(
        repair=repair,
        recorded_by=by,
        thread=1,
        told_on=TODAY,
        told_by=by,
        method=Method.IN_PERSON,
        what_was_said="That I rushed.",
    )
    meeting = Meeting.objects.create(
        clinic=world.clinic,
        supervisor=supervisor,
        supervisee=trainee,
        held_on=TODAY,
        created_by=supervisor,
        form_key=uuid.uuid4(),
    )
    item = AgendaItem.objects.create(
        meeting=meeting, position=1, source=Source.TOPIC, title="Pace", notes="Slower."
    )
    goal = LearningGoal.objects.create(
        clinic=world.clinic,
        person=trainee,
        title="Check in earlier",
        why="I miss ruptures.",
        practice_plan="Ask at minute 20.",
        review_on=TODAY,
    )
    review = CaseReview.objects.create(clinic=world.clinic, repair=repair, author=by)
    rows: list[models.Model] = [
        Response.objects.filter(session__case=world.case).first(),  # type: ignore[list-item]
        repair.alert,  # type: ignore[list-item]
        repair,
        version,
        plan,
        conversation,
        disclosure,
        Obligation.objects.filter(repair=repair).first(),  # type: ignore[list-item]
        RepairEvent.objects.filter(repair=repair).first(),  # type: ignore[list-item]
        SupervisionRequest.objects.create(
            clinic=world.clinic, by=by, note="Bring this.", repair=repair
        ),
        meeting,
        item,
        Amendment.objects.create(item=item, number=1, reason="Typo.", recorded_by=supervisor),
        ActionItem.objects.create(meeting=meeting, text="Read.", owner=trainee, due_on=TODAY),
        HoursEntry.objects.create(
            clinic=world.clinic,
            person=trainee,
            on=TODAY,
            kind=HoursKind.DIRECT_CONTACT,
            hours=Decimal("1"),
            note="Group.",
            recorded_by=trainee,
            form_key=uuid.uuid4(),
        ),
        rate(trainee, supervisor),
        Reflection.objects.create(
            clinic=world.clinic, person=by, prompt=Prompt.NOTICED, text="I noticed.", about="Pace"
        ),
        goal,
        GoalNote.objects.create(goal=goal, written_by=trainee, text="Did it twice."),
        ReviewVersion.objects.create(
            review=review, recorded_by=by, title="Pace", what_happened="Too fast."
        ),
        Grant.objects.create(
            clinic=world.clinic,
            person=world.colleague,
            client=repair.client,
            reason="Covering the client's crisis call.",
            expires_at=timezone.now() + dt.timedelta(hours=1),
        ),
        Erasure.objects.create(
            clinic=world.clinic,
            client_pk=999_999,
            code_fingerprint="0" * 64,
            erased_by=world.admin,
            reason="The client asked for their data to be erased.",
        ),
    ]
    return [row for row in rows if row is not None]


def fill_every_encrypted_field(rows: list[models.Model]) -> dict[Column, str]:
    """Write a distinct marker into every encrypted column through the ORM; column -> marker."""
    written: dict[Column, str] = {}
    by_table = {type(row)._meta.db_table: row for row in rows}
    for column in encrypted_columns():
        row = by_table[column.table]
        field = next(f for f in encrypted_models()[type(row)] if f.column == column.column)
        marker = f"marker {column.label} ünïcode ✓"
        value: object = {"change": marker} if isinstance(field, EncryptedJSONField) else marker
        type(row)._default_manager.filter(pk=row.pk).update(**{field.name: value})
        written[column] = marker
    return written


def raw_value(column: Column, pk: Any) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column.column)} FROM {quote(column.table)} "
            f"WHERE {quote(column.pk)} = %s",
            [pk],
        )
        return str(cursor.fetchone()[0])


def set_raw_value(column: Column, pk: Any, value: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(column.table)} SET {quote(column.column)} = %s "
            f"WHERE {quote(column.pk)} = %s",
            [value, pk],
        )


def key_file_with(path: Path, *ids: str) -> KeyList:
    keys = tuple((key_id, new_key()) for key_id in ids)
    write_key_file(path, keys)
    return keys


def column_of(model: type[models.Model], field_name: str) -> Column:
    return next(
        c
        for c in encrypted_columns()
        if c.table == model._meta.db_table and c.column == model._meta.get_field(field_name).column  # type: ignore[union-attr]
    )
