"""The audit log: one row per access to client, response, repair, supervision or report data,
and per sign-in event. Rows are only ever appended; each carries the hash of the one before it,
so an edited, deleted or reordered row breaks the chain (`reattune audit verify`).

A row names who, which client, what kind of data and what was done, never the data itself.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Category(models.TextChoices):
    CLIENT = "client", "Client"
    RESPONSE = "response", "Client check"
    REPAIR = "repair", "Repair"
    SUPERVISION = "supervision", "Supervision"
    LEARNING = "learning", "Learning"
    REPORT = "report", "Report"
    PEOPLE = "people", "People and roles"
    SIGN_IN = "sign_in", "Signing in"
    AUDIT = "audit", "Audit log"
    SYSTEM = "system", "System"


class Action(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"
    PRINT = "print", "Print"
    LOGIN = "login", "Log in"
    LOGOUT = "logout", "Log out"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    LOCKOUT = "lockout", "Locked out"
    SECOND_FACTOR = "second_factor", "Second factor"
    ROLE = "role", "Role or access change"
    BREAK_GLASS = "break_glass", "Break-glass access"


class Outcome(models.TextChoices):
    OK = "ok", "Allowed"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_clinic(self, clinic_id: int) -> AuditEventQuerySet:
        return self.filter(clinic_id=clinic_id)


class AuditEvent(models.Model):
    """One audited event. `seq` orders the chain; `row_hash` covers every other field and the
    previous row's hash."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Kept as plain ids and labels, not foreign keys: an audit row must outlive the user or
    # client it names, and must never be changed by a cascade.
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    user_label = models.CharField(max_length=254, blank=True)
    clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # A joint (couple, family, group) case has several clients; its rows name the case, and the
    # audit page's client filter finds them through the client's participations.
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    request_id = models.CharField(max_length=64, blank=True)
    # What was asked for, as a route name or event name; never a value the user typed.
    target = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # The table and its triggers come from migration 0001. Unmanaged, so no test flush and
        # no `flush` command ever tries to empty it (the triggers would refuse, and they should).
        managed = False
        db_table = "audit_auditevent"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.user_label} {self.action}"
