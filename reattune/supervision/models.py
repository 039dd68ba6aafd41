"""Supervision: what a clinician asks to bring, the meetings where it is discussed, and a
trainee's hours.

A meeting is a record. While it is a draft the supervisor writes its notes freely; once signed,
nothing on it is edited: a change to an agenda item's notes or guidance is an `Amendment`, a new
row with the next number, who, when and why, and the earlier text stays on the record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.cases.models import Client
from reattune.clinics.access import visible_case_ids
from reattune.clinics.models import Clinic, Role
from reattune.clinics.tenancy import ClinicFromParent, own_clinic_id
from reattune.repairs.models import Obligation, Repair
from reattune.vault.fields import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class SupervisionRequestQuerySet(models.QuerySet["SupervisionRequest"]):
    def for_user(self, user: Any) -> SupervisionRequestQuerySet:
        cases = visible_case_ids(user)
        return self.filter(
            Q(clinic_id=own_clinic_id(user)),
            Q(alert__case_id__in=cases)
            | Q(repair__case_id__in=cases)
            | Q(client__participations__case_id__in=cases),
        ).distinct()

    def unresolved(self) -> SupervisionRequestQuerySet:
        return self.filter(resolved_by_meeting__isnull=True)


class SupervisionRequest(models.Model):
    """A clinician's "bring to supervision" on an alert, a repair or a client."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField()
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    repair = models.ForeignKey(
        Repair, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by_meeting = models.ForeignKey(
        "Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="resolved"
    )

    objects = SupervisionRequestQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "-created_at"],
                name="request_clinic_unresolved",
                condition=Q(resolved_by_meeting__isnull=True),
            ),
            models.Index(
                fields=["clinic", "by", "-created_at"],
                name="request_clinic_by_unresolved",
                condition=Q(resolved_by_meeting__isnull=True),
            ),
        ]
        constraints = [
            # Exactly one of the three: a request is about one record.
            models.CheckConstraint(
                condition=(
                    Q(alert__isnull=False, repair__isnull=True, client__isnull=True)
                    | Q(alert__isnull=True, repair__isnull=False, client__isnull=True)
                    | Q(alert__isnull=True, repair__isnull=True, client__isnull=False)
                ),
                name="supervision_request_about_one_record",
            )
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Bring to supervision: {self.note[:60]}"

    @property
    def target(self) -> Alert | Repair | Client:
        target = self.alert or self.repair or self.client
        assert target is not None
        return target


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed off"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def for_user(self, user: Any) -> MeetingQuerySet:
        """The supervisor and the supervisee see their meetings; a clinic admin reads all of
        the clinic's; nobody else sees any (another trainee's meetings are a 404)."""
        if not user.is_authenticated or not user.is_active or user.clinic_id is None:
            return self.none()
        mine = self.filter(clinic_id=user.clinic_id)
        if user.role == Role.ADMIN:
            return mine
        return mine.filter(Q(supervisor=user) | Q(supervisee=user))

    def signed(self) -> MeetingQuerySet:
        return self.filter(status=MeetingStatus.SIGNED)


class Meeting(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    supervisee = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The create form's one-off key: a second submit of the same form finds this meeting.
    # Unique within the clinic (see Meta), so the key stays usable when tables are split by clinic.
    form_key = models.UUIDField()
    signed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "supervisee", "-held_on"], name="meeting_clinic_supervisee"
            ),
            models.Index(
                fields=["clinic", "supervisor", "-held_on"], name="meeting_clinic_supervisor"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=F("supervisee")), name="meeting_not_with_oneself"
            ),
            models.UniqueConstraint(fields=["clinic", "form_key"], name="meeting_form_key_once"),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by=F("supervisor")),
                name="meeting_signed_by_its_supervisor",
            ),
        ]
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Supervision {self.supervisor} – {self.supervisee}, {self.held_on:%d %b %Y}"

    @property
    def is_signed(self) -> bool:
        return self.status == MeetingStatus.SIGNED


class Source(models.TextChoices):
    ALERT = "alert", "Alert"
    REPAIR = "repair", "Repair"
    OBLIGATION = "obligation", "Obligation"
    REQUEST = "request", "Brought by the clinician"
    ACTION = "action", "Action carried over"
    TOPIC = "topic", "Topic"


class AgendaItem(ClinicFromParent, models.Model):
    clinic_parent = "meeting"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    repair = models.ForeignKey(
        Repair, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    obligation = models.ForeignKey(
        Obligation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request = models.ForeignKey(
        SupervisionRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carried_action = models.ForeignKey(
        "ActionItem", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_in"
    )
    title = EncryptedTextField(max_length=300)
    why = EncryptedTextField(blank=True)
    notes = EncryptedTextField(blank=True)
    guidance = EncryptedTextField(blank=True)
    # Counts saves of a draft's notes, so that a form opened before someone else's save is
    # refused instead of silently overwriting it.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "meeting", "position"], name="agendaitem_clinic_meeting")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "meeting", "carried_action"],
                condition=Q(carried_action__isnull=False),
                name="action_carried_once_per_meeting",
            ),
        ]
        ordering = ["meeting", "position"]

    def __str__(self) -> str:
        return self.title

    def record_url(self) -> str:
        """Where the record behind this item lives (blank for a topic)."""
        if self.alert_id:
            return reverse("alert_detail", args=[self.alert_id])
        if self.repair_id:
            return reverse("repair_detail", args=[self.repair_id])
        if self.obligation_id and self.obligation:
            return reverse("repair_detail", args=[self.obligation.repair_id])
        if self.request_id and self.request:
            target = self.request
            if target.alert_id:
                return reverse("alert_detail", args=[target.alert_id])
            if target.repair_id:
                return reverse("repair_detail", args=[target.repair_id])
            return reverse("client_detail", args=[target.client_id])
        if self.carried_action_id and self.carried_action:
            return reverse("meeting_detail", args=[self.carried_action.meeting_id])
        return ""

    def latest_amendment(self) -> Amendment | None:
        # Through .all() so that a prefetched page asks the database nothing more.
        amendments = list(self.amendments.all())
        return max(amendments, key=lambda a: a.number) if amendments else None

    def current(self) -> tuple[str, str]:
        """The notes and guidance as they stand: the newest amendment's, or as signed."""
        latest = self.latest_amendment()
        return (latest.notes, latest.guidance) if latest else (self.notes, self.guidance)


class Amendment(ClinicFromParent, models.Model):
    """A change to a signed meeting's notes or guidance. Number 1 is the first amendment; the
    signed text stays on the agenda item itself."""

    clinic_parent = "item"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField()
    notes = EncryptedTextField(blank=True)
    guidance = EncryptedTextField(blank=True)
    reason = EncryptedTextField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "item", "number"], name="amendment_number_once"
            )
        ]
        ordering = ["item", "number"]

    def __str__(self) -> str:
        return f"Amendment {self.number} to {self.item}"


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open(self) -> ActionItemQuerySet:
        return self.filter(done_at__isnull=True)


class ActionItem(ClinicFromParent, models.Model):
    clinic_parent = "meeting"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    text = EncryptedTextField()
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "owner", "due_on"],
                name="action_clinic_owner_open",
                condition=Q(done_at__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="action_done_by_someone",
            )
        ]
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class HoursKind(models.TextChoices):
    DIRECT_CONTACT = "direct_contact", "Direct client contact"
    SUPERVISION = "supervision", "Supervision"


MIN_HOURS = Decimal("0.25")
MAX_HOURS_PER_ENTRY = Decimal("12")
MAX_HOURS_PER_DAY = Decimal("24")


class HoursEntry(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="hours_entries")
    on = models.DateField()
    kind = models.CharField(max_length=20, choices=HoursKind.choices)
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    note = EncryptedTextField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    form_key = models.UUIDField()

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "person", "-on"], name="hoursentry_clinic_person_on")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "form_key"], name="hours_entry_form_key_once"
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=MIN_HOURS, hours__lte=MAX_HOURS_PER_ENTRY),
                name="hours_entry_in_range",
            ),
        ]
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person}: {self.hours_text} h {self.get_kind_display()} on {self.on}"

    @property
    def hours_text(self) -> str:
        return f"{Decimal(self.hours).quantize(Decimal('0.01')).normalize():f}"


class HoursTarget(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="hours_targets")
    kind = models.CharField(max_length=20, choices=HoursKind.choices)
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "person", "kind"], name="one_hours_target_per_kind"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="hours_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.hours} h {self.get_kind_display()}"
