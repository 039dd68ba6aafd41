"""One client's data, for their access request: everything Reattune holds about them, decrypted,
as a zip of JSON (every record, every field), CSV (their answers in the import/detection
format) and a FHIR bundle (their Patient, sessions, QuestionnaireResponses and Observations).

In a couple, family or group case the client gets the case's sessions (they were there) but
not the other participants' answers, alerts or repairs, which are someone else's data. Two
kinds of record are counted but not included, and the package's README says so: learning
reflections (a clinician's private journal about their own practice) and case reviews (written
de-identified for the team). The admin reads the package before sending it: a record may hold
something a clinician judged could harm the client to read, or that names a third party.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.audit.models import AuditEvent
from reattune.breakglass.models import Grant
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.checks.models import CheckLink, Response
from reattune.clinics.models import User
from reattune.exports.measurements import COLUMNS, case_rows, csv_lines
from reattune.fhir.bundle import client_bundle
from reattune.learning.models import Reflection
from reattune.repairs.models import Repair
from reattune.reviews.models import CaseReview
from reattune.supervision.models import AgendaItem, SupervisionRequest

README = """\
Everything Reattune holds about client {code}, exported on {when} (UTC) by {by}.

client.json       every record about the client, every field, decrypted:
                  details, cases and sessions, check links, answers, alerts, repairs (with
                  every version, plan, conversation, disclosure, obligation and history
                  line), supervision requests and agenda items about them, emergency
                  (break-glass) access to their record, and the audit log's record of who
                  opened it. "people" names the staff the records refer to by id.
answers.csv       their answers, one row per measure and session, in the format that
                  `reattune detect` and `reattune import_scores` read.
fhir-bundle.json  the same answers as a FHIR R4 Bundle (Patient, Encounters,
                  QuestionnaireResponses, Observations).

Not included: {withheld}.
In a couple, family or group case the other participants' answers, alerts and repairs are
theirs, not this client's, and are not included; the sessions are.

Before sending this to the client, read it: remove anything that names another person or that
a clinician has judged would cause serious harm if the client read it, and record why.
"""
WITHHELD = {
    "reflections": "learning reflections about their repairs (a clinician's private journal)",
    "case_reviews": "case reviews built from their repairs (written de-identified for the team)",
}


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Writer:
    """Turns rows into plain dicts, noting every member of staff they refer to."""

    def __init__(self) -> None:
        self.people: set[int] = set()

    def row(self, obj: models.Model, *, skip: Iterable[str] = ()) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in obj._meta.concrete_fields:
            if f.name in skip:
                continue
            value = getattr(obj, f.attname)
            if f.is_relation and f.related_model is User and value is not None:
                self.people.add(value)
            data[f.attname] = _json(value)
        return data

    def rows(self, objects: Iterable[models.Model], **options: Any) -> list[dict[str, Any]]:
        return [self.row(o, **options) for o in objects]


def client_record(client: Client) -> dict[str, Any]:
    """Everything about the client, as JSON-ready data."""
    w = _Writer()
    participants = list(Participant.objects.filter(client=client))
    own = [p.pk for p in participants]
    case_ids = [p.case_id for p in participants]
    responses = Response.objects.filter(Q(participant_id__in=own) | Q(client=client))
    alerts = Alert.objects.filter(Q(participant_id__in=own) | Q(client=client))
    repairs = Repair.objects.filter(Q(participant_id__in=own) | Q(client=client)).prefetch_related(
        "versions", "plans", "conversations", "disclosures", "obligations", "events"
    )
    alert_ids = list(alerts.values_list("pk", flat=True))
    repair_ids = list(repairs.values_list("pk", flat=True))
    requests = SupervisionRequest.objects.filter(
        Q(client=client) | Q(alert_id__in=alert_ids) | Q(repair_id__in=repair_ids)
    )
    items = AgendaItem.objects.filter(
        Q(alert_id__in=alert_ids)
        | Q(repair_id__in=repair_ids)
        | Q(obligation__repair_id__in=repair_ids)
        | Q(request__in=requests)
    ).select_related("meeting")
    record: dict[str, Any] = {
        "generated_at": _json(timezone.now()),
        "clinic": client.clinic.name,
        "client": w.row(client),
        "cases": [_case(w, case, participants) for case in Case.objects.filter(pk__in=case_ids)],
        "check_links": w.rows(CheckLink.objects.filter(participant_id__in=own).order_by("pk")),
        "answers": w.rows(responses.order_by("session__case_id", "session__number", "pk")),
        "alerts": w.rows(alerts.order_by("pk")),
        "repairs": [_repair(w, repair) for repair in repairs.order_by("pk")],
        "supervision_requests": w.rows(requests.order_by("pk")),
        "supervision_agenda_items": [
            {
                **w.row(item, skip=["revision"]),
                "meeting_held_on": _json(item.meeting.held_on),
                "amendments": w.rows(item.amendments.all()),
            }
            for item in items.order_by("pk")
        ],
        "emergency_access": w.rows(Grant.objects.filter(client=client).order_by("pk")),
        "access_log": _access_log(client, case_ids),
        "withheld": {
            "reflections": Reflection.objects.filter(repair_id__in=repair_ids).count(),
            "case_reviews": CaseReview.objects.filter(repair_id__in=repair_ids).count(),
        },
    }
    record["people"] = {
        str(pk): name
        for pk, name in User.objects.filter(pk__in=w.people).values_list("pk", "full_name")
    }
    return record


def _case(w: _Writer, case: Case, participants: list[Participant]) -> dict[str, Any]:
    mine = next(p for p in participants if p.case_id == case.pk)
    return {
        **w.row(case),
        "label_in_case": mine.label,
        "participant_id": mine.pk,
        "other_participants": case.participants.exclude(pk=mine.pk).count(),
        "clinicians": [w.row(a) for a in case.assignments.all()],
        "sessions": w.rows(TherapySession.objects.filter(case=case).order_by("number")),
    }


def _repair(w: _Writer, repair: Repair) -> dict[str, Any]:
    return {
        **w.row(repair),
        "versions": w.rows(repair.versions.all()),
        "plans": w.rows(repair.plans.all()),
        "conversations": w.rows(repair.conversations.all()),
        "disclosures": w.rows(repair.disclosures.all()),
        "obligations": w.rows(repair.obligations.all()),
        "history": w.rows(repair.events.all()),
    }


def _access_log(client: Client, case_ids: list[int]) -> list[dict[str, Any]]:
    """The audit rows naming the client, or one of their cases without naming anyone (a joint
    case's pages): who, when, what kind of record and what was done."""
    events = AuditEvent.objects.for_clinic(client.clinic_id).filter(
        Q(client_id=client.pk) | Q(client_id=None, case_id__in=case_ids)
    )
    fields = ("at", "user_label", "category", "action", "outcome", "target")
    return [
        {name: _json(value) for name, value in zip(fields, row, strict=True)}
        for row in events.order_by("seq").values_list(*fields)
    ]


def answers_csv(client: Client) -> str:
    participants = Participant.objects.filter(client=client)
    case_ids = sorted({p.case_id for p in participants})
    rows = case_rows(case_ids, participant_ids=[p.pk for p in participants])
    return "".join(csv_lines([list(COLUMNS), *rows]))


def access_package(client: Client, *, by: str) -> bytes:
    """The zip for the client's access request; `by` names who made it, for the README."""
    record = client_record(client)
    withheld = [f"{n} {WITHHELD[kind]}" for kind, n in record["withheld"].items() if n] or [
        "nothing"
    ]
    readme = README.format(
        code=client.code,
        when=timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        by=by,
        withheld="; ".join(withheld),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", readme)
        z.writestr("client.json", json.dumps(record, indent=2, ensure_ascii=False))
        z.writestr("answers.csv", answers_csv(client))
        z.writestr("fhir-bundle.json", json.dumps(client_bundle(client), indent=2))
    return buffer.getvalue()
