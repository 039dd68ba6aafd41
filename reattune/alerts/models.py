"""Alerts: signals from the detection core, stored so a clinician can act on them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When

from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.clinics.access import visible_case_ids
from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import own_clinic_id
from reattune.vault.fields import EncryptedTextField


class Severity(models.TextChoices):
    URGENT = "urgent", "Urgent"
    WARNING = "warning", "Needs attention"
    INFO = "info", "For information"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISMISSED = "dismissed", "Dismissed with a reason"


class AlertQuerySet(models.QuerySet["Alert"]):
    def for_user(self, user: Any) -> AlertQuerySet:
        return self.filter(clinic_id=own_clinic_id(user), case_id__in=visible_case_ids(user))

    def open(self) -> AlertQuerySet:
        return self.filter(status=AlertStatus.OPEN)

    def most_urgent_first(self) -> AlertQuerySet:
        rank = When_(
            When(severity=Severity.URGENT, then=Value(0)),
            When(severity=Severity.WARNING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return self.annotate(severity_rank=rank).order_by("severity_rank", "-created_at")


class Alert(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="alerts")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="alerts")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="alerts")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="alerts")
    session = models.ForeignKey(TherapySession, on_delete=models.PROTECT, related_name="alerts")
    response = models.ForeignKey(
        "checks.Response", on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    signal = models.CharField(max_length=40, help_text="The detection rule's name, e.g. safety.")
    measure_id = models.CharField(max_length=40, blank=True)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    title = models.CharField(max_length=200)
    explanation = EncryptedTextField()
    next_step = models.TextField(blank=True)
    rule = models.TextField(help_text="The published rule behind the signal.")
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = EncryptedTextField(
        blank=True, help_text="Why the clinician decided the alert needs no repair."
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        constraints = [
            # Re-running detection over the same session never duplicates an alert.
            models.UniqueConstraint(
                fields=["clinic", "session", "participant", "signal", "measure_id"],
                name="one_alert_per_signal_per_session",
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "status", "severity"]),
            models.Index(
                fields=["clinic", "status", "-created_at"], name="alert_clinic_status_recent"
            ),
            models.Index(fields=["clinic", "case", "status"], name="alert_clinic_case_status"),
            models.Index(
                fields=["clinic", "status", "client", "severity"],
                name="alert_clinic_open_by_client",
            ),
            models.Index(fields=["clinic", "client", "status"], name="alert_clinic_client_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_urgent(self) -> bool:
        return self.severity == Severity.URGENT


class ExpectedResponseCalibration(models.Model):
    """Expected-treatment-response bands computed from a clinic's own closed cases (see
    reattune.detection.expected). The newest row is used; older ones stay as a record."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="calibrations")
    computed_at = models.DateTimeField(auto_now_add=True)
    closed_cases = models.PositiveIntegerField()
    source = models.CharField(max_length=200)
    data = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["clinic", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.clinic}: {self.source} ({self.computed_at:%d %b %Y})"
