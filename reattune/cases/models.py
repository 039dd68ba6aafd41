"""Clients, their cases (individual, couple, family or group) and the session log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from reattune.clinics.access import visible_case_ids
from reattune.clinics.models import Clinic, User
from reattune.clinics.tenancy import ClinicFromParent, own_clinic_id


class ClientQuerySet(models.QuerySet["Client"]):
    def for_user(self, user: Any) -> ClientQuerySet:
        from reattune.clinics.access import caseload_owner_ids
        from reattune.clinics.models import Role

        if not user.is_authenticated or not user.is_active or not user.clinic_id:
            return self.none()
        if user.role == Role.ADMIN:
            return self.filter(clinic_id=user.clinic_id)
        # The clients of a caseload's cases, read once as a short list (clinics/access.py says
        # why a list): each query that uses it then goes straight to the primary key.
        in_my_cases = Q(
            pk__in=list(
                Participant.objects.filter(
                    clinic_id=user.clinic_id, case_id__in=visible_case_ids(user)
                ).values_list("client_id", flat=True)
            )
        )
        # A client someone has just added is theirs until a case is opened for them. A
        # subquery rather than a join, so no row comes twice and no DISTINCT is needed.
        added_by_me = Q(created_by_id__in=caseload_owner_ids(user)) & ~Exists(
            Participant.objects.filter(client_id=OuterRef("pk"))
        )
        return self.filter(in_my_cases | added_by_me, clinic_id=user.clinic_id)


class Client(models.Model):
    """A person in therapy, with the fewest identifiers that will do: a code the clinic
    chooses, and a name and date of birth only if the clinic wants them."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="clients")
    code = models.CharField(
        max_length=40, help_text="A code or pseudonym the clinic uses for this client."
    )
    name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(
        blank=True,
        help_text="Only used to email the check link, and a reminder the day before a session.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["clinic", "created_by"], name="client_clinic_created_by")]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="client_code_unique_in_clinic")
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})" if self.name else self.code


class CaseKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    COUPLE = "couple", "Couple"
    FAMILY = "family", "Family"
    GROUP = "group", "Group"


class CaseQuerySet(models.QuerySet["Case"]):
    def for_user(self, user: Any) -> CaseQuerySet:
        return self.filter(clinic_id=own_clinic_id(user), pk__in=visible_case_ids(user))

    def open(self) -> CaseQuerySet:
        return self.filter(closed_on__isnull=True)


class Case(models.Model):
    """A piece of work with one or more participants, each of whom rates separately."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=20, choices=CaseKind.choices, default=CaseKind.INDIVIDUAL)
    title = models.CharField(max_length=200, blank=True)
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    clinicians: models.ManyToManyField[User, CaseClinician] = models.ManyToManyField(
        User, through="CaseClinician", related_name="cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "closed_on", "-opened_on"], name="case_clinic_open_recent"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="case_closes_after_it_opens",
            )
        ]

    def __str__(self) -> str:
        if self.title:
            return self.title
        return f"{self.get_kind_display()} case {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def next_session_number(self) -> int:
        last = self.sessions.aggregate(m=models.Max("number"))["m"]
        return (last or 0) + 1


class CaseClinician(ClinicFromParent, models.Model):
    """A clinician assigned to a case (a co-therapist is a second row)."""

    clinic_parent = "case"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    clinician = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "clinician", "case"], name="caseclinician_clinic_person")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "case", "clinician"], name="clinician_once_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician} on {self.case}"


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def for_user(self, user: Any) -> ParticipantQuerySet:
        return self.filter(clinic_id=own_clinic_id(user), case_id__in=visible_case_ids(user))


class Participant(ClinicFromParent, models.Model):
    """A client's place in a case. In a couple case each partner is a participant."""

    clinic_parent = "case"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="participations")
    label = models.CharField(
        max_length=60, blank=True, help_text="How this person is known in the case, e.g. Partner A."
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "client", "case"], name="participant_clinic_client")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "case", "client"], name="client_once_per_case"
            )
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.client.code} — {self.label}" if self.label else self.client.code


class Attendance(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ATTENDED = "attended", "Attended"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "Did not attend"


class TherapySessionQuerySet(models.QuerySet["TherapySession"]):
    def for_user(self, user: Any) -> TherapySessionQuerySet:
        return self.filter(clinic_id=own_clinic_id(user), case_id__in=visible_case_ids(user))


class TherapySession(ClinicFromParent, models.Model):
    """One session in a case's log. Number 1 is the intake."""

    clinic_parent = "case"
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveIntegerField()
    date = models.DateField(default=timezone.localdate)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.ATTENDED
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TherapySessionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "case", "-date", "-number"], name="session_clinic_case_date"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "case", "number"], name="session_number_unique_in_case"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="session_number_from_one"),
        ]
        ordering = ["case_id", "number"]

    def __str__(self) -> str:
        return f"Session {self.number} on {self.date:%d %b %Y}"
