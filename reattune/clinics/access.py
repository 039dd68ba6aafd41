"""The one place that decides whose caseload a person may see.

Every tenant-owned model's `for_user()` QuerySet method is built on `visible_case_ids()`, so
cross-clinic or cross-caseload access is impossible by construction: a view that fetches through
`for_user()` gets a 404 for anything outside the person's reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

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


def visible_case_ids(user: User | AnonymousUser) -> QuerySet[Any]:
    """A subquery of the ids of every case this person may open."""
    from reattune.breakglass.models import Grant
    from reattune.cases.models import Case, Participant

    if not user.is_authenticated or not user.is_active or user.clinic_id is None:
        return Case.objects.none().values("pk")
    if user.role == Role.ADMIN:
        return Case.objects.filter(clinic_id=user.clinic_id).values("pk")
    in_caseload = caseload_case_ids(user)
    # Break-glass: a client of the clinic opened in an emergency (reattune/breakglass/), only
    # while the person's grant is active; the first request after it expires is a 404 again.
    granted = Participant.objects.filter(
        client_id__in=Grant.objects.active().filter(person_id=user.pk).values("client_id")
    ).values("case_id")
    return Case.objects.filter(
        Q(pk__in=in_caseload) | Q(pk__in=granted), clinic_id=user.clinic_id
    ).values("pk")


def caseload_case_ids(user: User) -> QuerySet[Any]:
    """A subquery of the ids of the cases in this person's caseload (and their supervisees'),
    without any break-glass grant: the audit flags what is open only through a grant."""
    from reattune.cases.models import CaseClinician

    clinic_id = user.clinic_id or 0  # no clinic: no caseload
    return CaseClinician.objects.filter(
        clinician_id__in=caseload_owner_ids(user), case__clinic_id=clinic_id
    ).values("case_id")
