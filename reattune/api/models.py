"""API tokens: how a record system or scheduler acts for one clinic through the JSON API.

A token's secret is shown once, when it is made; only its SHA-256 is stored. A plain (unkeyed)
hash is enough here because the secret is 256 random bits: nobody can guess it back from the
hash, so the slow, salted hashing that protects passwords from dictionary guesses buys nothing,
and a plain hash lets a request find its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import ClinicFromParent

TOKEN_PREFIX = "rtk_"  # noqa: S105 - a fixed marker, not a secret
# The first characters after TOKEN_PREFIX, kept in clear so an admin can tell tokens apart.
SHOWN_PREFIX_LENGTH = 8


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


def new_secret() -> str:
    """256 random bits, URL-safe, with a fixed prefix so a leaked token is recognisable (and
    secret scanners can be taught to look for it)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def for_clinic(self, clinic_id: int) -> ApiTokenQuerySet:
        return self.filter(clinic_id=clinic_id)


class ApiToken(models.Model):
    """A clinic's API token. It acts for the whole clinic, as a clinic admin would see it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # A list of Scope values: ["read"], ["write"] or ["read", "write"].
    scopes = models.JSONField(default=list)
    secret_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=SHOWN_PREFIX_LENGTH + len(TOKEN_PREFIX))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens_revoked",
        null=True,
        blank=True,
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["clinic", "-created_at"], name="apitoken_clinic_recent")]
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="api_token_revoked_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the audit log names the token (its rows have no user)."""
        return f'API token "{self.name}" (#{self.pk})'

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class RateWindow(ClinicFromParent, models.Model):
    """Requests one token made in one clock minute: a fixed-window counter kept in the
    database, so every server process counts against the same limit."""

    clinic_parent = "token"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    # Minutes since the Unix epoch.
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "token", "minute"], name="one_rate_window_a_minute"
            ),
        ]

    def __str__(self) -> str:
        return f"token {self.token_id} minute {self.minute}: {self.count}"
