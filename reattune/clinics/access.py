"""The one place that decides whose caseload a person may see.

Every tenant-owned model's `for_user()` QuerySet method is built on `visible_case_ids()`, so
cross-clinic or cross-caseload access is impossible by construction: a view that fetches through
`for_user()` gets a 404 for anything outside the person's reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from reattune.clinics.models import Role, Supervision, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def caseload_owner_ids(user: User) -> list[int]:
    """The clinicians whose caseloads this person sees: their own, plus their current
    supervisees' for a supervisor."""
    ids = [user.pk]
    if user.role == Role.SUPERVISOR:
        ids += list(
            Supervision.objects.active()
            .filter(supervisor=user, clinic=user.clinic)
            .values_list("supervisee_id", flat=True)
        )
    return ids


def visible_case_ids(user: User | AnonymousUser) -> QuerySet[Any] | list[int]:
    """The ids of every case this person may open: for a clinic admin a subquery (every case of
    the clinic); for anyone else the list itself, read with one indexed query.

    A list, because a caseload is small (tens of cases, a few hundred for a supervisor) while
    the clinic may hold a hundred thousand: as a nested subquery PostgreSQL evaluated the whole
    clinic's assignments and grants inside every query that used it, several times a page
    (benchmarks/scale_pages.py); as a list each query goes straight to its (clinic, case)
    index."""
    from reattune.breakglass.models import Grant
    from reattune.cases.models import Case, Participant

    if not user.is_authenticated or not user.is_active or user.clinic_id is None:
        return []
    if user.role == Role.ADMIN:
        return Case.objects.filter(clinic_id=user.clinic_id).values("pk")
    memo = _request_memo(user)
    if memo is not None and "ids" in memo:
        return list(memo["ids"])  # a copy: the caller may change its list, not the memo
    # Two indexed reads, not one statement joining them with OR: PostgreSQL answered that by
    # filtering every case of the clinic.
    ids = set(caseload_case_ids(user).order_by().values_list("case_id", flat=True))
    # Break-glass: a client of the clinic opened in an emergency (reattune/breakglass/), only
    # while the person's grant is active; the first request after it expires is a 404 again.
    granted = list(
        Grant.objects.active().filter(person_id=user.pk).values_list("client_id", flat=True)
    )
    if granted:
        ids.update(
            Participant.objects.filter(clinic_id=user.clinic_id, client_id__in=granted)
            .order_by()
            .values_list("case_id", flat=True)
        )
    result = sorted(ids)
    if memo is not None:
        memo["ids"] = tuple(result)
    return result


def _request_memo(user: User) -> dict[str, tuple[int, ...]] | None:
    """A place to keep the ids for the rest of this request, if it is a page being read by
    this person: a page asks for them several times (each `for_user()` does), and reading
    changes nothing that decides them. A request that changes things reads them afresh each
    time, so it sees its own changes."""
    from reattune.audit.log import current_request

    request = current_request.get()
    if request is None or request.method not in ("GET", "HEAD"):
        return None
    if getattr(getattr(request, "user", None), "pk", None) != user.pk:
        return None
    memo: dict[str, tuple[int, ...]] = request.__dict__.setdefault("_visible_case_ids", {})
    return memo


def caseload_case_ids(user: User) -> QuerySet[Any]:
    """A subquery of the ids of the cases in this person's caseload (and their supervisees'),
    without any break-glass grant: the audit flags what is open only through a grant."""
    from reattune.cases.models import CaseClinician

    clinic_id = user.clinic_id or 0  # no clinic: no caseload
    # The assignment's own clinic column (always its case's): no join, and the clinic-led index.
    return CaseClinician.objects.filter(
        clinic_id=clinic_id, clinician_id__in=caseload_owner_ids(user)
    ).values("case_id")
