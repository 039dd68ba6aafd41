"""Free text elsewhere in the clinic that mentions a client by code or name.

Erasure deletes the rows that are the client's; it cannot know what a clinician typed about
them into someone else's record: a partner's alert that names "Partner A", a supervision topic,
a learning goal, a colleague's repair narrative. Before an erasure the admin is shown where the
client's code or name still appears, by kind of record and id, so the authors can be asked to
amend it. Nothing here changes any text: most of these records are amended, never overwritten.

The text is encrypted at rest, so the database cannot search it: each row of the clinic is
read and opened here. An erasure is rare and a clinic's free text is small enough for that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q

from reattune.cases.models import Client

# Model, the path from it to its clinic's id, and the fields a person types into.
FREE_TEXT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cases.Case", "clinic_id", ("title",)),
    ("alerts.Alert", "clinic_id", ("title", "explanation", "dismiss_reason")),
    ("repairs.Repair", "clinic_id", ("close_reason",)),
    ("repairs.RepairVersion", "repair__clinic_id", ("what_happened", "contribution")),
    (
        "repairs.RepairConversation",
        "repair__clinic_id",
        ("how_it_went", "client_response", "next_step"),
    ),
    ("repairs.Disclosure", "repair__clinic_id", ("what_was_said",)),
    ("repairs.Obligation", "repair__clinic_id", ("done_note",)),
    ("repairs.RepairEvent", "repair__clinic_id", ("summary",)),
    ("supervision.SupervisionRequest", "clinic_id", ("note",)),
    ("supervision.AgendaItem", "meeting__clinic_id", ("title", "why", "notes", "guidance")),
    ("supervision.Amendment", "item__meeting__clinic_id", ("notes", "guidance", "reason")),
    ("supervision.ActionItem", "meeting__clinic_id", ("text",)),
    ("supervision.HoursEntry", "clinic_id", ("note",)),
    ("learning.Reflection", "clinic_id", ("text", "about")),
    ("learning.LearningGoal", "clinic_id", ("title", "why", "practice_plan")),
    ("learning.GoalNote", "goal__clinic_id", ("text",)),
    (
        "reviews.ReviewVersion",
        "review__clinic_id",
        ("title", "what_happened", "contributing_factors", "what_we_learned", "what_we_change"),
    ),
)
# A name shorter than this would match half the clinic's text.
MIN_NAME = 3


@dataclass(frozen=True)
class Mention:
    label: str
    pk: int
    field: str


def _needles(client: Client) -> list[str]:
    needles = [client.code.casefold()]
    if len(client.name.strip()) >= MIN_NAME:
        needles.append(client.name.strip().casefold())
    return needles


def _going(model: type[models.Model], label: str, deleted: dict[str, set[int]]) -> Q:
    """The rows of `model` an erasure deletes: those listed, and those that go with a listed
    row by CASCADE (a repair's versions, an agenda item's amendments)."""
    going = Q(pk__in=deleted.get(label, set()))
    for field in model._meta.concrete_fields:
        parent, remote = field.related_model, field.remote_field
        if parent is None or remote is None or remote.on_delete is not models.CASCADE:
            continue
        ids = deleted.get(parent._meta.label, set())  # type: ignore[union-attr]
        if ids:
            going |= Q(**{f"{field.attname}__in": ids})
    return going


def mentions_of(
    client: Client, *, deleted: Mapping[str, Iterable[int]] | None = None
) -> list[Mention]:
    """Each field of each row in the client's clinic whose text holds their code or name,
    apart from the rows an erasure deletes anyway (`deleted`: label → ids, and what goes with
    them by CASCADE)."""
    needles = _needles(client)
    going = {label: set(ids) for label, ids in (deleted or {}).items()}
    found = []
    for label, clinic_path, fields in FREE_TEXT:
        model = apps.get_model(label)
        present = [f for f in fields if any(x.name == f for x in model._meta.concrete_fields)]
        rows = model._base_manager.filter(**{clinic_path: client.clinic_id}).exclude(
            _going(model, label, going)
        )
        for row in rows.only("pk", *present).iterator(chunk_size=500):
            for name in present:
                text = str(getattr(row, name) or "").casefold()
                if any(needle in text for needle in needles):
                    found.append(Mention(label, row.pk, name))
    return found
