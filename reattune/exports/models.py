"""The record that one client's data was erased: when, by whom, why, and how many rows of each
kind went. It names no one and holds no answers; the audit log keeps the fact as well."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from reattune.clinics.models import Clinic
from reattune.vault.fields import EncryptedTextField

# Keys of `Erasure.counts` for rows changed, not deleted: import jobs whose messages had the
# client's code replaced, and waiting uploads holding their rows that were cancelled.
SCRUBBED_IMPORTS = "imports.ImportJob:problems_scrubbed"
CANCELLED_UPLOADS = "imports.ImportJob:uploads_cancelled"
CHANGED_NOT_DELETED = (SCRUBBED_IMPORTS, CANCELLED_UPLOADS)


class Erasure(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="erasures")
    # The erased client's old id: meaningless without the rows it named, and the id that the
    # audit log's rows about them still carry, so the two records can be read together.
    client_pk = models.BigIntegerField()
    # A keyed hash (HMAC-SHA256 with a key derived from the site's secret key) of the clinic and
    # the client's code: it answers "was the client with code X erased?" when someone types the
    # code, and reveals nothing to anyone who reads the table without the key.
    code_fingerprint = models.CharField(max_length=64, db_index=True)
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who ran it when it was not a person signed in (the command line).
    erased_by_label = models.CharField(max_length=254, blank=True)
    reason = EncryptedTextField(help_text="Why the data was erased (name no one here).")
    # Model label → rows deleted, e.g. {"checks.Response": 12}; and CHANGED_NOT_DELETED.
    counts = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["clinic", "-erased_at"], name="erasure_clinic_recent")]
        ordering = ["-erased_at", "-pk"]

    def __str__(self) -> str:
        return f"Erasure {self.pk} on {self.erased_at:%Y-%m-%d}"

    @property
    def rows(self) -> int:
        """Rows deleted (import jobs changed are counted apart, under their own keys)."""
        return sum(n for label, n in self.counts.items() if label not in CHANGED_NOT_DELETED)
