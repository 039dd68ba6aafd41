"""Who may see a person's learning, and who may rate them.

The learning page is private to the clinician and their current supervisors: clinic admins
do not see it, nor do colleagues or past supervisors. Anyone else asking for a person's page
gets "not found", as for any record outside their reach. Rating needs a current supervisor or
a clinic admin, and is never done by the person themself.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from reattune.clinics.http import clinic_id_of
from reattune.clinics.models import Role, Supervision, User

NO_CASELOAD = "The learning page is for people who carry a caseload."
SELF_RATING = "Nobody rates their own competencies: ask your supervisor."
NOT_THEIR_SUPERVISOR = "Only a current supervisor of this person, or a clinic admin, can rate them."
OTHER_CLINIC = "That person or competency belongs to another clinic."


def is_current_supervisor(viewer: User, person: User) -> bool:
    # The role matters as well as the link: clinics.access lets only supervisors see a
    # supervisee's caseload, and the learning page is built from that caseload.
    return (
        viewer.role == Role.SUPERVISOR
        and viewer.clinic_id is not None
        and Supervision.objects.active()
        .filter(supervisor=viewer, supervisee=person, clinic_id=viewer.clinic_id)
        .exists()
    )


def _colleague(viewer: User, person_id: int) -> User:
    person = User.objects.filter(
        pk=person_id, clinic_id=clinic_id_of(viewer), is_active=True
    ).first()
    if person is None:
        raise Http404("No such person in your clinic.")
    return person


def learner_for(viewer: User, person_id: int) -> User:
    """The person whose learning page `viewer` asked for: themself or a current supervisee;
    404 for anyone else, admins included."""
    person = _colleague(viewer, person_id)
    if person.pk != viewer.pk and not is_current_supervisor(viewer, person):
        raise Http404("No such person among your supervisees.")
    if not person.holds_caseload:
        raise PermissionDenied(NO_CASELOAD)
    return person


def may_rate(rater: User, person: User) -> str:
    """Why `rater` may not rate `person`, or "" when they may."""
    if rater.clinic_id is None or rater.clinic_id != person.clinic_id:
        return OTHER_CLINIC
    if rater.pk == person.pk:
        return SELF_RATING
    if not (rater.is_clinic_admin or is_current_supervisor(rater, person)):
        return NOT_THEIR_SUPERVISOR
    return ""


def ratee_for(viewer: User, person_id: int) -> User:
    """The person `viewer` asked to rate: 404 outside the clinic or their supervisees, 403
    for themself (so the page can say why)."""
    person = _colleague(viewer, person_id)
    reason = may_rate(viewer, person)
    if reason == SELF_RATING:
        raise PermissionDenied(SELF_RATING)
    if reason:
        raise Http404(reason)
    if not person.holds_caseload:
        raise PermissionDenied(NO_CASELOAD)
    return person
