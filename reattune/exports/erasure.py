"""Erasing one client's data, on the client's request, and leaving a record that it was done.

Everything that is the client's goes, in one transaction: their participation in each case,
every case that was theirs alone (with its sessions and clinician assignments), every check
link, answer, alert and repair of theirs (with the repair's versions, plans, conversations,
disclosures, obligations and history), break-glass grants to their record, supervision
requests and agenda items about any of these (an agenda item's amendments, the actions agreed
under it and later meetings' items that carried those actions over), the learning reflections
written about their repairs, and case reviews built from their repairs. A couple, family or
group case keeps its sessions and the other participants' data.

An action agreed under a later meeting's carried-over item is not the client's: the item only
brought their action back, and what was agreed under it may be about anything. It stays, no
longer under an item (the foreign key is SET_NULL), and `mentions.py` lists it if its text names
the client. Import jobs that name the client have the code scrubbed from their messages, and a
waiting upload holding the client's rows is cancelled and its file deleted (`import_jobs.py`).

Most foreign keys are PROTECT, so the order below is the order in which nothing still points
at a row when it goes. What stays is an `Erasure` (when, by whom, why, how many rows of each
kind; no name, no answers) and an audit row, which holds ids and never content.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.crypto import salted_hmac

from reattune.alerts.models import Alert
from reattune.audit.log import record
from reattune.audit.models import Action, Category
from reattune.breakglass.models import Grant
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.checks.models import CheckLink, Response
from reattune.clinics.models import User
from reattune.exports.import_jobs import (
    ImportJobsNaming,
    import_jobs_cancel,
    import_jobs_naming,
    import_jobs_scrub,
)
from reattune.exports.models import CANCELLED_UPLOADS, SCRUBBED_IMPORTS, Erasure
from reattune.imports.models import ImportJob
from reattune.learning.models import Reflection
from reattune.repairs.models import Repair
from reattune.reviews.models import CaseReview
from reattune.supervision.models import ActionItem, AgendaItem, SupervisionRequest

CODE_MISMATCH = (
    "The code you typed does not match this client's code, so nothing was erased. Type the "
    "code exactly as it is shown on the page."
)
REASON_MISSING = (
    "Say why this client's data is being erased (for example: the client's request, and the "
    "date it came). Name no one: the reason is kept after the data has gone."
)
CHANGED_MEANWHILE = (
    "Something about this client was recorded while the erasure ran, so nothing was erased. "
    "Try again."
)
IMPORT_RUNNING = (
    "An import running now holds rows of this client, so nothing was erased: the import could "
    "bring them back. Wait until it has finished (see Import), then erase."
)
FINGERPRINT_SALT = "reattune.exports.erasure.code"


# What each step deletes, in an admin's words.
KIND_NAMES = {
    "supervision.AgendaItem": "supervision agenda items about them (with their amendments)",
    "supervision.ActionItem": "supervision actions agreed under those items",
    "supervision.SupervisionRequest": "requests to bring them to supervision",
    "learning.Reflection": "learning reflections about their repairs",
    "reviews.CaseReview": "case reviews built from their repairs",
    "repairs.Repair": (
        "repairs (with every version, plan, conversation, disclosure, obligation and history line)"
    ),
    "alerts.Alert": "alerts",
    "checks.Response": "answers",
    "checks.CheckLink": "check links",
    "breakglass.Grant": "emergency (break-glass) access grants to their record",
    "cases.TherapySession": "sessions of cases that were theirs alone",
    "cases.Participant": "their places in cases",
    "cases.Case": "cases that were theirs alone",
    "cases.Client": "their details",
}


class ErasureRefused(Exception):
    """Nothing was erased; the message says why, for the admin."""


def code_fingerprint(*, clinic_id: int, code: str) -> str:
    """The keyed hash of a client's code kept on the erasure record. Keyed (HMAC with a key
    derived from the site's secret key) because codes are short and guessable: a plain hash
    could be reversed by trying every code."""
    return salted_hmac(FINGERPRINT_SALT, f"{clinic_id}\n{code}", algorithm="sha256").hexdigest()


@dataclass
class ErasurePlan:
    """What an erasure of `client` deletes, step by step, in an order that PROTECT allows."""

    client: Client
    import_jobs: ImportJobsNaming
    steps: list[tuple[str, models.QuerySet[Any]]] = field(default_factory=list)
    shared_case_ids: list[int] = field(default_factory=list)

    def add(self, label: str, queryset: models.QuerySet[Any]) -> None:
        self.steps.append((label, queryset))

    def row_ids(self) -> dict[str, set[int]]:
        """The ids each step would delete directly, by model label."""
        return {label: set(queryset.values_list("pk", flat=True)) for label, queryset in self.steps}

    def preview(self) -> dict[str, int]:
        """How many rows each step would delete directly (rows that go with them by CASCADE,
        such as a repair's versions, are counted only when the erasure runs)."""
        return {label: queryset.count() for label, queryset in self.steps}

    def described(self) -> list[tuple[str, int]]:
        """The preview in an admin's words, leaving out what there is none of; then what is
        changed in the clinic's import records."""
        going = [(KIND_NAMES[label], n) for label, n in self.preview().items() if n]
        return going + self.import_jobs.described()


def _ids(queryset: models.QuerySet[Any]) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def erasure_plan(client: Client) -> ErasurePlan:
    """Collect the ids of everything that is the client's. Ids are read once, up front, so each
    step deletes exactly what was found even after earlier steps have removed rows."""
    plan = ErasurePlan(
        client=client, import_jobs=import_jobs_naming(clinic_id=client.clinic_id, code=client.code)
    )
    participant_ids = _ids(Participant.objects.filter(client=client))
    case_ids = set(
        Participant.objects.filter(pk__in=participant_ids).values_list("case_id", flat=True)
    )
    shared = set(
        Participant.objects.filter(case_id__in=case_ids)
        .exclude(client=client)
        .values_list("case_id", flat=True)
    )
    own_case_ids = sorted(case_ids - shared)
    plan.shared_case_ids = sorted(shared)
    session_ids = _ids(TherapySession.objects.filter(case_id__in=own_case_ids))
    mine = models.Q(participant_id__in=participant_ids) | models.Q(session_id__in=session_ids)
    response_ids = _ids(Response.objects.filter(mine | models.Q(client=client)))
    link_ids = _ids(CheckLink.objects.filter(mine))
    alert_ids = _ids(
        Alert.objects.filter(
            mine | models.Q(client=client) | models.Q(response_id__in=response_ids)
        )
    )
    repair_ids = _ids(
        Repair.objects.filter(
            models.Q(participant_id__in=participant_ids)
            | models.Q(case_id__in=own_case_ids)
            | models.Q(client=client)
            | models.Q(alert_id__in=alert_ids)
            | models.Q(response_id__in=response_ids)
        )
    )
    request_ids = _ids(
        SupervisionRequest.objects.filter(
            models.Q(client=client)
            | models.Q(alert_id__in=alert_ids)
            | models.Q(repair_id__in=repair_ids)
        )
    )
    item_ids, action_ids = _agenda(alert_ids, repair_ids, request_ids)

    plan.add("supervision.AgendaItem", AgendaItem.objects.filter(pk__in=item_ids))
    plan.add("supervision.ActionItem", ActionItem.objects.filter(pk__in=action_ids))
    plan.add(
        "supervision.SupervisionRequest", SupervisionRequest.objects.filter(pk__in=request_ids)
    )
    plan.add("learning.Reflection", Reflection.objects.filter(repair_id__in=repair_ids))
    plan.add("reviews.CaseReview", CaseReview.objects.filter(repair_id__in=repair_ids))
    plan.add("repairs.Repair", Repair.objects.filter(pk__in=repair_ids))
    plan.add("alerts.Alert", Alert.objects.filter(pk__in=alert_ids))
    plan.add("checks.Response", Response.objects.filter(pk__in=response_ids))
    plan.add("checks.CheckLink", CheckLink.objects.filter(pk__in=link_ids))
    plan.add("breakglass.Grant", Grant.objects.filter(client=client))
    plan.add("cases.TherapySession", TherapySession.objects.filter(pk__in=session_ids))
    plan.add("cases.Participant", Participant.objects.filter(pk__in=participant_ids))
    plan.add("cases.Case", Case.objects.filter(pk__in=own_case_ids))
    plan.add("cases.Client", Client.objects.filter(pk=client.pk))
    return plan


def _agenda(
    alert_ids: list[int], repair_ids: list[int], request_ids: list[int]
) -> tuple[set[int], set[int]]:
    """Agenda items about the client's alerts, repairs (and their obligations) or requests; the
    actions agreed under them; and later meetings' items that carried those actions over.

    Not followed further: the actions agreed under a carried-over item. The item is there
    because the client's action was open; what was agreed under it may be about anything (a
    course to book, another case), so those actions stay, detached from the item by SET_NULL,
    and later items that carry them stay too. Every open action is carried straight into each
    later meeting, so no chain through items is needed to reach the client's own actions."""
    about = set(
        AgendaItem.objects.filter(
            models.Q(alert_id__in=alert_ids)
            | models.Q(repair_id__in=repair_ids)
            | models.Q(obligation__repair_id__in=repair_ids)
            | models.Q(request_id__in=request_ids)
        ).values_list("pk", flat=True)
    )
    actions = set(ActionItem.objects.filter(agenda_item_id__in=about).values_list("pk", flat=True))
    carrying = set(
        AgendaItem.objects.filter(carried_action_id__in=actions).values_list("pk", flat=True)
    )
    return about | carrying, actions


def client_erase(
    *, client: Client, by: User | None, code_typed: str, reason: str, by_label: str = ""
) -> Erasure:
    """Erase everything that is `client`'s, after the code typed matches theirs, and record
    that it was done. All or nothing: any failure leaves every row as it was."""
    if code_typed.strip() != client.code:
        raise ErasureRefused(CODE_MISMATCH)
    reason = reason.strip()
    if not reason:
        raise ErasureRefused(REASON_MISSING)
    try:
        return _erase(client, by, reason, by_label)
    except (ProtectedError, RestrictedError):
        # A row about the client arrived between reading the ids and deleting them (an
        # answer through the API, say): the transaction is undone, and a retry finds it.
        raise ErasureRefused(CHANGED_MEANWHILE) from None


@transaction.atomic
def _erase(client: Client, by: User | None, reason: str, by_label: str) -> Erasure:
    client = Client.objects.select_for_update().get(pk=client.pk)
    clinic_id, client_pk = client.clinic_id, client.pk
    fingerprint = code_fingerprint(clinic_id=clinic_id, code=client.code)
    counts: Counter[str] = Counter()
    plan = erasure_plan(client)
    counts.update(_import_jobs(plan.import_jobs))
    for _label, queryset in plan.steps:
        _total, per_model = queryset.delete()
        counts.update({label: n for label, n in per_model.items() if n})
    erasure = Erasure(
        clinic_id=clinic_id,
        client_pk=client_pk,
        code_fingerprint=fingerprint,
        erased_by=by,
        erased_by_label=by_label or (by.email if by else ""),
        reason=reason,
        counts=dict(sorted(counts.items())),
    )
    erasure.full_clean(exclude=["clinic", "erased_by"])
    erasure.save()
    record(
        category=Category.CLIENT,
        action=Action.DELETE,
        user=by,
        client_id=client_pk,
        clinic_id=clinic_id,
        target=f"client erased erasure_id={erasure.pk}",
        user_label=by_label,
    )
    return erasure


def _import_jobs(naming: ImportJobsNaming) -> dict[str, int]:
    """Cancel the waiting uploads that hold the client's rows (their files go once the erasure
    commits, so an erasure undone keeps them) and scrub the code from the import messages."""
    if naming.running_ids:
        raise ErasureRefused(IMPORT_RUNNING)
    cancelled = import_jobs_cancel(job_ids=naming.cancel_ids)
    if len(cancelled) != len(naming.cancel_ids):
        # A go-ahead was given (or the job ended) since the jobs were read.
        raise ErasureRefused(CHANGED_MEANWHILE)
    for job in cancelled:
        transaction.on_commit(partial(_delete_files, job))
    scrubbed = import_jobs_scrub(naming=naming)
    changed = ((SCRUBBED_IMPORTS, scrubbed), (CANCELLED_UPLOADS, len(cancelled)))
    return {label: n for label, n in changed if n}


def _delete_files(job: ImportJob) -> None:
    job.upload_path.unlink(missing_ok=True)
    job.progress_path.unlink(missing_ok=True)


def erasures_matching(*, clinic_id: int, code: str) -> models.QuerySet[Erasure]:
    """The clinic's erasure records of a client who had this code."""
    fingerprint = code_fingerprint(clinic_id=clinic_id, code=code.strip())
    return Erasure.objects.filter(clinic_id=clinic_id, code_fingerprint=fingerprint)


def rows_text(count: int) -> str:
    """A count of rows in words: "1 row", "1,234 rows"."""
    return f"{count:,} row" + ("" if count == 1 else "s")
