"""The clinic and the people in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Clinic(models.Model):
    """An organisation. Clinics on one installation never see each other's data."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    SUPERVISOR = "supervisor", "Supervisor"
    CLINICIAN = "clinician", "Clinician"
    TRAINEE = "trainee", "Trainee"


def second_factor_due_default() -> dt.datetime:
    """A new account must set up its second factor after the grace period (0: at first log-in)."""
    return timezone.now() + dt.timedelta(days=settings.SECOND_FACTOR_GRACE_DAYS)


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lower-case; a phone's automatic capital must not lock anyone out.
        return self.get(email__iexact=(username or "").strip())

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Clients never do: they answer through a signed link."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # From this moment no page opens until the person has set up a second factor.
    second_factor_due = models.DateTimeField(default=second_factor_due_default)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "is_active", "full_name"], name="user_clinic_active_name"
            )
        ]
        constraints = [
            # Only an installation superuser may stand outside every clinic.
            models.CheckConstraint(
                condition=Q(clinic__isnull=False) | Q(is_superuser=True),
                name="user_belongs_to_a_clinic",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def holds_caseload(self) -> bool:
        """Admins manage the clinic; everyone else may carry clients."""
        return self.role != Role.ADMIN


class SupervisionQuerySet(models.QuerySet["Supervision"]):
    def active(self, on: Any = None) -> SupervisionQuerySet:
        day = on or timezone.localdate()
        # ends_on is the first day without supervision, so ending a link today ends it now.
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gt=day))


class Supervision(models.Model):
    """A supervisor and a supervisee (a trainee, or a clinician in consultation), with dates."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="supervisions")
    supervisor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="supervisees_links")
    supervisee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="supervisor_links")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "supervisor", "starts_on"], name="supervision_clinic_supervisor"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("supervisee")), name="no_self_supervision"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="supervision_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["clinic", "supervisor", "supervisee"],
                condition=Q(ends_on__isnull=True),
                name="one_open_supervision_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.supervisee}"
