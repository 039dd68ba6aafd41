"""Synthetic records about a client, through the real services where they are short to call,
and model by model where a service needs a whole request (a break-glass grant, a meeting built
from the supervision queue)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.alerts.services import alerts_raise_for_session
from reattune.breakglass.models import Grant
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import check_link_create, responses_store
from reattune.clinics.models import User
from reattune.learning.services import reflection_create
from reattune.measures.registry import get_definition
from reattune.repairs.models import Obligation, Repair
from reattune.repairs.services import repair_open
from reattune.reviews.services import review_create
from reattune.supervision.models import ActionItem, AgendaItem, Meeting, SupervisionRequest
from reattune.supervision.services import request_create
from tests.factories import make_session

ALLIANCE = {"respected": 8, "focus": 7, "approach": 9, "voice": 6, "felt_off": "no"}
PHQ9_SAFETY = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 2, "difficulty": 1}
WHAT_HAPPENED = "I pressed on with homework when the client was clearly upset."


def answer(
    session: TherapySession, participant: Participant, measure: str = "alliance", **answers: Any
) -> Response:
    raw = (ALLIANCE if measure == "alliance" else PHQ9_SAFETY) | answers
    cleaned = get_definition(measure).clean_answers(raw)
    stored = responses_store(
        session=session,
        participant=participant,
        by_measure={measure: cleaned},
        source="api",
        raise_alerts=False,
    )
    return stored[0]


@dataclass
class Record:
    """Everything made about one participant, to check that erasure removes it all."""

    client: Client
    participant: Participant
    response: Response
    alert: Alert
    repair: Repair


def full_record(
    case: Case, participant: Participant, *, clinician: User, supervisor: User, admin: User
) -> Record:
    """A safety alert, a repair from it with its obligations, a supervision request, a signed
    meeting whose agenda item is about the repair with an action carried into a second
    meeting, a reflection and a case review about the repair, and a break-glass grant."""
    session = make_session(case, case.next_session_number())
    check_link_create(session=session, participant=participant, created_by=clinician)
    response = answer(session, participant, "phq9")
    alerts_raise_for_session(session=session)
    alert = Alert.objects.get(participant=participant, session=session, signal="safety")
    repair = repair_open(
        by=clinician,
        case=case,
        participant=participant,
        session=session,
        discovered_on=session.date,
        source="alert",
        alert=alert,
        kind="alliance_rupture",
        harm="no_harm",
        what_happened=WHAT_HAPPENED,
    )
    request_create(by=clinician, note="Please discuss this repair.", repair=repair)
    request_create(by=clinician, note="And the client in general.", client=participant.client)
    first = _meeting(supervisor, clinician, dt.date(2026, 2, 1))
    item = AgendaItem.objects.create(
        meeting=first, position=1, source="repair", repair=repair, title="Repair", notes="Talked."
    )
    obligation = Obligation.objects.filter(repair=repair).first() or Obligation.objects.create(
        repair=repair,
        code_id="bacp",
        code_title="BACP Ethical Framework",
        key="tell",
        standard="BACP Good Practice 52",
        what="Tell the client what went wrong.",
        who="clinician",
        due_on=dt.date(2026, 2, 15),
    )
    AgendaItem.objects.create(
        meeting=first, position=2, source="obligation", obligation=obligation, title="Duty"
    )
    action = ActionItem.objects.create(
        meeting=first,
        agenda_item=item,
        text="Write to the client",
        owner=clinician,
        due_on=dt.date(2026, 2, 8),
    )
    second = _meeting(supervisor, clinician, dt.date(2026, 2, 8))
    AgendaItem.objects.create(
        meeting=second, position=1, source="action", carried_action=action, title="Carried"
    )
    reflection_create(person=clinician, prompt="noticed", text="I rushed.", repair=repair)
    review_create(repair=repair, by=admin, content={"title": "A rushed homework review"})
    now = timezone.now()
    Grant.objects.create(
        clinic_id=case.clinic_id,
        person=supervisor,
        client=participant.client,
        reason="Covering for a colleague in a crisis.",
        granted_at=now,
        expires_at=now + dt.timedelta(minutes=30),
    )
    return Record(participant.client, participant, response, alert, repair)


def _meeting(supervisor: User, supervisee: User, held_on: dt.date) -> Meeting:
    assert supervisor.clinic is not None
    return Meeting.objects.create(
        clinic=supervisor.clinic,
        supervisor=supervisor,
        supervisee=supervisee,
        held_on=held_on,
        created_by=supervisor,
        form_key=uuid.uuid4(),
    )


# --- The walk: which rows still point at what was erased ------------------------------------

TRACKED = (
    "cases.Client",
    "cases.Participant",
    "cases.Case",
    "cases.TherapySession",
    "checks.Response",
    "checks.CheckLink",
    "alerts.Alert",
    "repairs.Repair",
)


def belonging_to(client: Client) -> dict[str, set[int]]:
    """The ids of every row that is the client's alone, found independently of erasure.py:
    their participations and what hangs off them, and the cases they are the only one in."""
    participants = set(Participant.objects.filter(client=client).values_list("pk", flat=True))
    cases = {
        case_id
        for case_id in Participant.objects.filter(pk__in=participants).values_list(
            "case_id", flat=True
        )
        if not Participant.objects.filter(case_id=case_id).exclude(client=client).exists()
    }
    by_participant = {"participant_id__in": participants}
    return {
        "cases.Client": {client.pk},
        "cases.Participant": participants,
        "cases.Case": cases,
        "cases.TherapySession": set(
            TherapySession.objects.filter(case_id__in=cases).values_list("pk", flat=True)
        ),
        "checks.Response": set(
            Response.objects.filter(**by_participant).values_list("pk", flat=True)
        ),
        "checks.CheckLink": set(
            CheckLink.objects.filter(**by_participant).values_list("pk", flat=True)
        ),
        "alerts.Alert": set(Alert.objects.filter(**by_participant).values_list("pk", flat=True)),
        "repairs.Repair": set(Repair.objects.filter(**by_participant).values_list("pk", flat=True)),
    }


def references_left(erased: dict[str, set[int]]) -> list[str]:
    """Every row, in every model of the project, that still is or points at an erased row."""
    found = []
    for label, ids in erased.items():
        model = apps.get_model(label)
        if ids and (n := model._base_manager.filter(pk__in=ids).count()):
            found.append(f"{n} {label} rows are still there")
    for model in apps.get_models():
        if not model._meta.managed:
            continue  # the audit log: ids only, by design, and no foreign keys
        for field in model._meta.concrete_fields:
            if not (field.is_relation and field.related_model):
                continue
            target = field.related_model._meta.label  # type: ignore[union-attr]
            ids = erased.get(target, set())
            if ids and (n := _pointing(model, field, ids)):
                found.append(f"{n} {model._meta.label}.{field.name} rows point at {target}")
    return found


def _pointing(model: type[models.Model], field: models.Field[Any, Any], ids: set[int]) -> int:
    return model._base_manager.filter(**{f"{field.attname}__in": ids}).count()


def requests_about(client: Client) -> int:
    return SupervisionRequest.objects.filter(client=client).count()
