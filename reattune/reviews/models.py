"""A de-identified case review for the team, built from a repair in the manner of a
morbidity-and-mortality meeting, in a blame-free frame.

The link to the repair is kept so the author can go back to the record and so the identifier
check knows whose identifiers to look for; it is never shown on the shared page. A draft has
one content row, edited in place by its author; once shared, content is never edited again:
an amendment is a new `ReviewVersion` with the next number and a reason, and the earlier
versions stay on the page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reattune.clinics.models import Clinic, Role
from reattune.clinics.tenancy import ClinicFromParent
from reattune.repairs.models import Repair, Versioned
from reattune.vault.fields import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SHARED = "shared", "Shared with the clinic"


# The four sections of a review, as field name → heading. The headings are also what the
# identifier check reports ("What happened, line 2: …").
SECTIONS = {
    "what_happened": "What happened",
    "contributing_factors": "Contributing factors",
    "what_we_learned": "What we learned",
    "what_we_change": "What we change",
}
TITLE = "Title"


class CaseReviewQuerySet(models.QuerySet["CaseReview"]):
    def for_user(self, user: Any) -> CaseReviewQuerySet:
        """A clinic's shared reviews are for everyone in it; a draft is its author's (and the
        clinic admins'). Nobody ever sees another clinic's reviews."""
        if not user.is_authenticated or not user.is_active or not user.clinic_id:
            return self.none()
        mine = self.filter(clinic_id=user.clinic_id)
        if user.role == Role.ADMIN:
            return mine
        return mine.filter(Q(status=ReviewStatus.SHARED) | Q(author=user))

    def shared(self) -> CaseReviewQuerySet:
        return self.filter(status=ReviewStatus.SHARED)


class CaseReview(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="case_reviews")
    repair = models.ForeignKey(Repair, on_delete=models.PROTECT, related_name="case_reviews")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="case_reviews")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Bumped by every save of a draft, so a stale form or a share of text the person has not
    # seen is refused.
    revision = models.PositiveIntegerField(default=1)

    objects = CaseReviewQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "status", "-shared_at"], name="review_clinic_status_shared"
            ),
            models.Index(
                fields=["clinic", "status", "-created_at"], name="review_clinic_status_created"
            ),
        ]
        ordering = ["-shared_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.DRAFT)
                | Q(shared_at__isnull=False, shared_by__isnull=False),
                name="review_shared_says_when_and_by_whom",
            ),
            # One draft per author per repair: a second "Start a review" opens the first.
            models.UniqueConstraint(
                fields=["clinic", "repair", "author"],
                condition=Q(status="draft"),
                name="review_one_draft_per_author_and_repair",
            ),
        ]

    def __str__(self) -> str:
        return f"Case review {self.pk}"

    @property
    def is_shared(self) -> bool:
        return self.status == ReviewStatus.SHARED

    def current(self) -> ReviewVersion:
        return self.versions.order_by("-number").first()  # type: ignore[return-value]


class ReviewVersion(ClinicFromParent, Versioned):
    """The review's words at one time. Only a draft's single row is ever edited."""

    clinic_parent = "review"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="versions")
    title = EncryptedTextField(max_length=200)
    what_happened = EncryptedTextField(blank=True)
    contributing_factors = EncryptedTextField(blank=True)
    what_we_learned = EncryptedTextField(blank=True)
    what_we_change = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "review", "number"], name="review_version_number_once"
            )
        ]
        ordering = ["number"]

    def sections(self) -> dict[str, str]:
        """Heading → text, title first: what the identifier check reads."""
        return {TITLE: self.title} | {
            heading: getattr(self, field) for field, heading in SECTIONS.items()
        }

    def content(self) -> dict[str, str]:
        return {"title": self.title} | {field: getattr(self, field) for field in SECTIONS}
