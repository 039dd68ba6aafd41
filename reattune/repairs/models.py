"""The repair record: what went wrong, the guided repair, the client's verdict, what the client
was told, and the obligations the clinic's codes and law attach to it.

Nothing here is overwritten. The narrative, the plan, the conversation and each disclosure are
versioned: an amendment is a new row with the next number, who and when, and the earlier rows
stay as the record's history. `Repair` itself holds identity, status and the current kind and
harm (copied from the newest version so that lists and obligations can filter on them), and
every change to it is written to `RepairEvent`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.checks.models import Response
from reattune.clinics.access import visible_case_ids
from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import ClinicFromParent, own_clinic_id
from reattune.ethics.vocabulary import HARMS, KINDS, WHO
from reattune.vault.fields import EncryptedJSONField, EncryptedTextField

USER = settings.AUTH_USER_MODEL


class Source(models.TextChoices):
    ALERT = "alert", "An alert"
    CLINICIAN = "clinician", "The clinician's own sense that something went wrong"
    CLIENT_COMMENT = "client_comment", "The client's comment"
    SUPERVISOR = "supervisor", "The supervisor"


class Marker(models.TextChoices):
    """Rupture markers after the Rupture Resolution Rating System (3RS; Eubanks, Muran &
    Safran 2015): withdrawal moves away from the therapist or the work, confrontation moves
    against them."""

    NONE = "", "Not an alliance rupture, or not clear"
    WITHDRAWAL = "withdrawal", "Withdrawal: going quiet, deferring, changing the subject"
    CONFRONTATION = "confrontation", "Confrontation: complaint, anger, pushing back"


class RepairStatus(models.TextChoices):
    OPEN = "open", "Waiting for the client's next checks"
    NOT_HELD = "not_held", "Did not hold: for supervision"
    HELD = "held", "Held, by the client's own rating"
    CLOSED = "closed", "Closed by the clinician"


OPEN_STATUSES = (RepairStatus.OPEN, RepairStatus.NOT_HELD)


class RepairQuerySet(models.QuerySet["Repair"]):
    def for_user(self, user: Any) -> RepairQuerySet:
        return self.filter(clinic_id=own_clinic_id(user), case_id__in=visible_case_ids(user))

    def still_open(self) -> RepairQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Repair(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="repairs")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="repairs")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="repairs")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="repairs")
    source = models.CharField(max_length=20, choices=Source.choices)
    alert = models.OneToOneField(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="repair"
    )
    response = models.ForeignKey(
        Response, on_delete=models.PROTECT, null=True, blank=True, related_name="repairs"
    )
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    discovered_on = models.DateField(
        default=timezone.localdate,
        help_text="When the mistake came to light: deadlines count from here.",
    )
    kind = models.CharField(max_length=30, choices=list(KINDS.items()))
    harm = models.CharField(max_length=30, choices=list(HARMS.items()))
    status = models.CharField(
        max_length=20, choices=RepairStatus.choices, default=RepairStatus.OPEN
    )
    # Checks after this session number verify the repair (the session it happened in, or the
    # session of a further attempt after one that did not hold).
    verify_after = models.PositiveIntegerField()
    verified_session = models.ForeignKey(
        TherapySession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    before_total = models.FloatField(null=True, blank=True)
    after_total = models.FloatField(null=True, blank=True)
    baseline = models.FloatField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = EncryptedTextField(blank=True)

    objects = RepairQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "status", "-opened_at"], name="repair_clinic_status_recent"
            ),
            models.Index(fields=["clinic", "-opened_at"], name="repair_clinic_recent"),
            models.Index(
                fields=["clinic", "client", "-opened_at"], name="repair_clinic_client_recent"
            ),
            models.Index(fields=["clinic", "case", "status"], name="repair_clinic_case_status"),
        ]
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Repair {self.pk}: {self.get_kind_display()} with {self.client.code}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def current(self) -> RepairVersion:
        return self.versions.order_by("-number").first()  # type: ignore[return-value]

    def current_plan(self) -> RepairPlan | None:
        return self.plans.order_by("-number").first()

    def current_conversation(self) -> RepairConversation | None:
        return self.conversations.order_by("-number").first()


class Versioned(models.Model):
    """A row that is never edited: the next amendment is the next number."""

    number = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    amendment_reason = EncryptedTextField(
        blank=True, help_text="Why this version replaced the one before (blank for the first)."
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} version {self.number}"

    @property
    def is_amendment(self) -> bool:
        return self.number > 1


class RepairVersion(ClinicFromParent, Versioned):
    """What happened, in the clinician's words, as recorded at one time."""

    clinic_parent = "repair"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="versions")
    session = models.ForeignKey(TherapySession, on_delete=models.PROTECT, related_name="+")
    what_happened = EncryptedTextField()
    kind = models.CharField(max_length=30, choices=list(KINDS.items()))
    marker = models.CharField(max_length=20, choices=Marker.choices, blank=True)
    harm = models.CharField(max_length=30, choices=list(HARMS.items()))
    contribution = EncryptedTextField(
        blank=True, help_text="Your part in it as you see it: what you did, not who is to blame."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "repair", "number"], name="repair_version_number_once"
            )
        ]
        ordering = ["number"]


class RepairPlan(ClinicFromParent, Versioned):
    """The steps the clinician chose and the words they mean to use (a list of
    {"key", "title", "text"}; keys from reattune.repairs.steps)."""

    clinic_parent = "repair"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="plans")
    steps = EncryptedJSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "repair", "number"], name="repair_plan_number_once"
            )
        ]
        ordering = ["number"]


class RepairConversation(ClinicFromParent, Versioned):
    """How the repair conversation went."""

    clinic_parent = "repair"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="conversations")
    session = models.ForeignKey(TherapySession, on_delete=models.PROTECT, related_name="+")
    steps_taken = models.JSONField(default=list)
    how_it_went = EncryptedTextField()
    client_response = EncryptedTextField(blank=True)
    next_step = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "repair", "number"], name="repair_conversation_number_once"
            )
        ]
        ordering = ["number"]


class Method(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    CALL = "call", "By phone or video"
    WRITING = "writing", "In writing"


class Disclosure(ClinicFromParent, Versioned):
    """What the client was told about the mistake (candour). `thread` groups one disclosure's
    versions; a repair may have several disclosures (told in session, then in writing)."""

    clinic_parent = "repair"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="disclosures")
    thread = models.PositiveIntegerField()
    told_on = models.DateField()
    told_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=Method.choices)
    what_was_said = EncryptedTextField()
    apology_given = models.BooleanField(default=False)
    follow_up_due_on = models.DateField(
        null=True, blank=True, help_text="When a written follow-up is due, where one is."
    )
    followed_up_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "repair", "thread", "number"],
                name="disclosure_version_number_once",
            )
        ]
        ordering = ["thread", "number"]


class ObligationQuerySet(models.QuerySet["Obligation"]):
    def for_user(self, user: Any) -> ObligationQuerySet:
        return self.filter(
            clinic_id=own_clinic_id(user), repair__case_id__in=visible_case_ids(user)
        )

    def outstanding(self) -> ObligationQuerySet:
        return self.filter(done_at__isnull=True)

    def overdue(self, today: Any = None) -> ObligationQuerySet:
        return self.outstanding().filter(due_on__lt=today or timezone.localdate())


class Obligation(ClinicFromParent, models.Model):
    """One duty under a code of ethics or a law, copied from its file when the repair opened
    (so a later change to the file never rewrites what was due)."""

    clinic_parent = "repair"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="obligations")
    code_id = models.CharField(max_length=40)
    code_title = models.CharField(max_length=200)
    key = models.CharField(max_length=60)
    standard = models.CharField(max_length=100)
    what = models.TextField()
    who = models.CharField(max_length=20, choices=list(WHO.items()))
    written = models.BooleanField(default=False)
    due_on = models.DateField()
    assignee = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="obligations"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = EncryptedTextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "due_on"],
                name="obligation_clinic_outstanding",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["clinic", "repair", "due_on"],
                name="obligation_clinic_repair_open",
                condition=Q(done_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "repair", "code_id", "key"], name="obligation_once_per_repair"
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="obligation_done_by_someone",
            ),
        ]
        ordering = ["due_on", "code_id", "pk"]

    def __str__(self) -> str:
        return f"{self.standard}: {self.what[:60]}"

    @property
    def label(self) -> str:
        """The standard as a person would cite it: "BACP Good Practice 52" as it stands, a
        bare number such as "45 CFR 164.404" with its code's name in front."""
        first = self.code_title.split(" ")[0].lower()
        if self.standard.lower().startswith(first):
            return self.standard
        return f"{self.code_title}, {self.standard}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: Any = None) -> bool:
        return not self.is_done and self.due_on < (today or timezone.localdate())


class RepairEvent(ClinicFromParent, models.Model):
    """The record's history, one line per change, oldest first."""

    clinic_parent = "repair"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=40)
    summary = EncryptedTextField()

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "repair", "at"], name="repairevent_clinic_repair_at")
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.summary
