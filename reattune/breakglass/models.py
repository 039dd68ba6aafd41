"""A break-glass grant: one person's time-limited access to one client of their own clinic
who is outside their caseload, with the reason they gave.

While a grant is active, `reattune.clinics.access.visible_case_ids` includes that client's
cases, so every page that is scoped through it works for the client; the moment the grant
expires, ends or is revoked, the next request is a 404 again.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from reattune.cases.models import Client
from reattune.clinics.models import Clinic, User
from reattune.vault.fields import EncryptedTextField


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    ENDED = "ended", "Ended by them"
    REVOKED = "revoked", "Revoked by an admin"


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self, at: dt.datetime | None = None) -> GrantQuerySet:
        """Grants giving access now: not ended, not revoked, not yet expired."""
        return self.filter(
            ended_at__isnull=True, revoked_at__isnull=True, expires_at__gt=at or timezone.now()
        )

    def in_clinic(self, clinic_id: int) -> GrantQuerySet:
        return self.filter(clinic_id=clinic_id)


class Grant(models.Model):
    """Emergency access for `person` to `client`, from `granted_at` until `expires_at` unless
    ended early by the person or revoked by a clinic admin."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_grants")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    # Written by the clinician and may hold clinical detail: encrypted at rest, shown to the
    # clinic's admins on the grants page, never put in an email or an audit row.
    reason = EncryptedTextField()
    # Whether an authenticator code was checked as well as the password.
    second_factor = models.BooleanField(default=False)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_sent = models.BooleanField(default=False)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")), name="grant_expires_after_granted"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(revoked_at__isnull=True),
                name="grant_ended_or_revoked_not_both",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="grant_revoked_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "expires_at"], name="grant_person_expiry"),
            models.Index(fields=["clinic", "-granted_at"], name="grant_clinic_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.client.code} from {self.granted_at:%Y-%m-%d %H:%M}"

    def status(self, at: dt.datetime | None = None) -> Status:
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.ended_at is not None:
            return Status.ENDED
        if self.expires_at <= (at or timezone.now()):
            return Status.EXPIRED
        return Status.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status() == Status.ACTIVE

    @property
    def closed_at(self) -> dt.datetime:
        """When access stopped (or will stop)."""
        return self.revoked_at or self.ended_at or self.expires_at
