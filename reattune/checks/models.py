"""The client's check after a session: the signed link and the answers it brings back."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone

from reattune.cases.models import Client, Participant, TherapySession
from reattune.clinics.access import visible_case_ids
from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import own_clinic_id
from reattune.vault.fields import EncryptedJSONField

LINK_SALT = "reattune.checks.link"


class CheckLinkQuerySet(models.QuerySet["CheckLink"]):
    def for_user(self, user: Any) -> CheckLinkQuerySet:
        return self.filter(
            clinic_id=own_clinic_id(user), session__case_id__in=visible_case_ids(user)
        )


class CheckLink(models.Model):
    """One participant's link for one session: signed, single use, and expiring."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="check_links")
    session = models.ForeignKey(
        TherapySession, on_delete=models.PROTECT, related_name="check_links"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="check_links"
    )
    measure_ids = models.JSONField(help_text="The measures this link asks for, in order.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = CheckLinkQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["session", "participant"]),
            models.Index(fields=["clinic", "expires_at"], name="checklink_clinic_expiry"),
        ]

    def __str__(self) -> str:
        return f"Check link for {self.participant} after {self.session}"

    @property
    def token(self) -> str:
        return signing.Signer(salt=LINK_SALT, sep=".").sign(str(self.pk))

    @staticmethod
    def pk_from_token(token: str) -> int:
        """The link id inside a token; signing.BadSignature if it was altered."""
        value = signing.Signer(salt=LINK_SALT, sep=".").unsign(token)
        return int(value)

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class ResponseQuerySet(models.QuerySet["Response"]):
    def for_user(self, user: Any) -> ResponseQuerySet:
        return self.filter(
            clinic_id=own_clinic_id(user), session__case_id__in=visible_case_ids(user)
        )


class ResponseSource(models.TextChoices):
    CHECK_LINK = "check_link", "The client's check link"
    API = "api", "The JSON API"
    FHIR = "fhir", "A FHIR QuestionnaireResponse"
    IMPORT = "import", "Imported history"


class Response(models.Model):
    """One measure's answers from one participant after one session, scored on arrival."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="responses")
    # Empty for answers that did not come through a link: imported history, or a record
    # system sending what the client answered there.
    link = models.ForeignKey(
        CheckLink, on_delete=models.PROTECT, related_name="responses", null=True, blank=True
    )
    source = models.CharField(
        max_length=20, choices=ResponseSource.choices, default=ResponseSource.CHECK_LINK
    )
    session = models.ForeignKey(TherapySession, on_delete=models.PROTECT, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="responses")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="responses")
    measure_id = models.CharField(max_length=40)
    measure_version = models.CharField(max_length=20)
    answers = EncryptedJSONField()
    total = models.IntegerField()
    subscales = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        constraints = [
            # A double submit, or a second link for the same session, cannot store twice.
            models.UniqueConstraint(
                fields=["clinic", "session", "participant", "measure_id"],
                name="one_response_per_measure_per_session",
            )
        ]
        indexes = [
            models.Index(fields=["client", "measure_id", "submitted_at"]),
            models.Index(
                fields=["clinic", "client", "measure_id", "-submitted_at"],
                name="response_clinic_client_latest",
            ),
        ]
        ordering = ["session__number", "measure_id"]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.total} from {self.participant} ({self.session})"
