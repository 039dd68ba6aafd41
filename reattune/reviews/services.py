"""Everything that changes a case review. Views and the demo call these; each runs the rules
in one place: who may start and change a review, what its words must be, and the identifier
check, run again at the moment of sharing on the exact text being shared."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reattune.clinics.models import Supervision, User
from reattune.repairs.models import Repair
from reattune.reviews.deidentify import Hit, find
from reattune.reviews.drafting import case_identifiers
from reattune.reviews.models import SECTIONS, CaseReview, ReviewStatus, ReviewVersion

TITLE_LIMIT = 200
SECTION_LIMIT = 10_000
SUPERVISOR_OR_ADMIN = (
    "Only a supervisor of the clinician on this case, or a clinic admin, can build a case "
    "review from it."
)
AUTHOR_OR_ADMIN = "Only the review's author or a clinic admin can change it."
NOT_A_DRAFT = "This review has been shared, so it is amended rather than edited."
NOT_SHARED = "Only a shared review is amended; a draft is simply edited."
STALE = (
    "This review changed after you opened it, so nothing was saved or shared. Look at it "
    "as it is now, then try again."
)
EMPTY_TITLE = "Give the review a short title that names no one."
EMPTY_SECTION = "Write something under “{heading}” before sharing."
TOO_LONG = "Please keep “{heading}” under {limit:,} characters (it has {length:,})."
HIDDEN_CHARACTERS = "“{heading}” holds hidden control characters. Please retype it."
NEEDS_A_REASON = "Say why you're amending it."
IDENTIFIERS_REMAIN = (
    "Not shared: {count} possible identifier{s} of the client or clinician still in the "
    "review. Replace {them}, then share again."
)


class IdentifiersRemain(Exception):
    """The check found identifiers: `hits` says where; nothing was shared or saved."""

    def __init__(self, hits: list[Hit]) -> None:
        n = len(hits)
        self.message = IDENTIFIERS_REMAIN.format(
            count=n, s="" if n == 1 else "s", them="it" if n == 1 else "them"
        )
        super().__init__(self.message)
        self.hits = hits
        self.where = [hit.where() for hit in hits]


class StaleReview(Exception):
    def __init__(self) -> None:
        super().__init__(STALE)


class DraftExists(Exception):
    """This author already has a draft from this repair: `review` is it."""

    def __init__(self, review: CaseReview) -> None:
        super().__init__(f"A draft review of this repair exists ({review.pk}).")
        self.review = review


def may_start_review(user: User, repair: Repair) -> bool:
    """A clinic admin, or a current supervisor of a clinician on the repair's case."""
    if user.clinic_id != repair.clinic_id or not user.is_active:
        return False
    if user.is_clinic_admin:
        return True
    return (
        user.is_supervisor
        and Supervision.objects.active()
        .filter(supervisor=user, clinic_id=repair.clinic_id)
        .filter(supervisee__in=repair.case.clinicians.all())
        .exists()
    )


def reviewable_repairs(user: User) -> Any:
    """The repairs this person may build a review from, newest first."""
    repairs = Repair.objects.for_user(user)
    if user.is_clinic_admin:
        return repairs
    if not user.is_supervisor:
        return repairs.none()
    supervisees = Supervision.objects.active().filter(supervisor=user).values("supervisee_id")
    return repairs.filter(case__assignments__clinician_id__in=supervisees).distinct()


def may_change(user: User, review: CaseReview) -> bool:
    same_clinic = user.clinic_id == review.clinic_id
    return same_clinic and (review.author_id == user.pk or user.is_clinic_admin)


def _text(value: Any, heading: str, limit: int) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise ValidationError(HIDDEN_CHARACTERS.format(heading=heading))
    if len(text) > limit:
        raise ValidationError(TOO_LONG.format(heading=heading, limit=limit, length=len(text)))
    return text


def clean_content(content: Mapping[str, Any], *, complete: bool) -> dict[str, str]:
    """The title and the four sections, checked. `complete`: every section must have words
    (to share or amend); a draft may leave some empty for now."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for field, heading in [("title", "Title"), *SECTIONS.items()]:
        limit = TITLE_LIMIT if field == "title" else SECTION_LIMIT
        try:
            clean[field] = _text(content.get(field, ""), heading, limit)
        except ValidationError as e:
            errors[field] = e.messages
            continue
        if field == "title" and not clean[field]:
            errors[field] = [EMPTY_TITLE]
        elif complete and not clean[field]:
            errors[field] = [EMPTY_SECTION.format(heading=heading)]
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return clean


def _check(review: CaseReview, version: ReviewVersion) -> None:
    hits = find(version.sections(), case_identifiers(review.repair))
    if hits:
        raise IdentifiersRemain(hits)


def check_review(review: CaseReview) -> list[Hit]:
    """The identifier check on the review's current words (for showing on the draft)."""
    return find(review.current().sections(), case_identifiers(review.repair))


@transaction.atomic
def review_create(*, repair: Repair, by: User, content: Mapping[str, Any]) -> CaseReview:
    """A new draft from `repair`. A second draft by the same author raises DraftExists."""
    if not may_start_review(by, repair):
        raise PermissionDenied(SUPERVISOR_OR_ADMIN)
    fields = clean_content(content, complete=False)
    if existing := CaseReview.objects.filter(
        repair=repair, author=by, status=ReviewStatus.DRAFT
    ).first():
        raise DraftExists(existing)
    try:
        with transaction.atomic():
            review = CaseReview.objects.create(clinic_id=repair.clinic_id, repair=repair, author=by)
    except IntegrityError:
        # Two submits at once: the other one made the draft.
        raise DraftExists(
            CaseReview.objects.get(repair=repair, author=by, status=ReviewStatus.DRAFT)
        ) from None
    ReviewVersion.objects.create(
        clinic_id=review.clinic_id, review=review, recorded_by=by, **fields
    )
    return review


def _locked(review: CaseReview, by: User) -> CaseReview:
    if not may_change(by, review):
        raise PermissionDenied(AUTHOR_OR_ADMIN)
    return CaseReview.objects.select_for_update().select_related("repair").get(pk=review.pk)


@transaction.atomic
def review_save_draft(
    *, review: CaseReview, by: User, content: Mapping[str, Any], expected_revision: int | None
) -> CaseReview:
    """Save a draft's words in place (a draft is a working copy, not yet a record). A form
    opened on an earlier revision saves nothing, unless it is a double submit of the same
    words."""
    review = _locked(review, by)
    if review.is_shared:
        raise ValidationError(NOT_A_DRAFT)
    fields = clean_content(content, complete=False)
    version = review.current()
    if expected_revision is not None and expected_revision != review.revision:
        if version.content() == fields:
            return review
        raise StaleReview
    for name, value in fields.items():
        setattr(version, name, value)
    version.recorded_by, version.recorded_at = by, timezone.now()
    version.save()
    review.revision += 1
    review.save(update_fields=["revision"])
    return review


@transaction.atomic
def review_share(*, review: CaseReview, by: User, expected_revision: int | None) -> CaseReview:
    """Share a draft with the clinic, after the identifier check on the very words being
    shared, read under a lock so nothing can change between the check and the share."""
    review = _locked(review, by)
    if review.is_shared:
        return review  # a double submit: it is already shared
    if expected_revision is not None and expected_revision != review.revision:
        raise StaleReview
    version = review.current()
    clean_content(version.content(), complete=True)
    _check(review, version)
    review.status = ReviewStatus.SHARED
    review.shared_at, review.shared_by = timezone.now(), by
    review.full_clean()
    review.save(update_fields=["status", "shared_at", "shared_by"])
    return review


@transaction.atomic
def review_amend(
    *,
    review: CaseReview,
    by: User,
    content: Mapping[str, Any],
    reason: str,
    expected_number: int | None,
) -> ReviewVersion:
    """A new version of a shared review, checked like a share (it is shared at once). The
    earlier versions stay."""
    review = _locked(review, by)
    if not review.is_shared:
        raise ValidationError(NOT_SHARED)
    fields = clean_content(content, complete=True)
    reason = _text(reason, "Why you're amending it", SECTION_LIMIT)
    if not reason:
        raise ValidationError({"amendment_reason": NEEDS_A_REASON})
    current = review.current()
    if expected_number is not None and expected_number != current.number:
        if current.number == expected_number + 1 and current.content() == fields:
            return current  # a double submit
        raise StaleReview
    version = ReviewVersion(
        clinic_id=review.clinic_id,
        review=review,
        recorded_by=by,
        number=current.number + 1,
        amendment_reason=reason,
        **fields,
    )
    _check(review, version)
    version.save()
    return version
