"""The worker's own records: who is alive, which periodic runs were enqueued, which
reminders went out (of a check link, of a session), and which failed tasks an admin has dealt
with.

The queue itself is django-tasks-db's DBTaskResult (app label `django_tasks_database`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One running `reattune worker`. A task claimed by a worker whose heartbeat is older than
    WORKER_LEASE_SECONDS is taken to have died with it, and runs again."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host} (pid {self.pid})"


class ScheduledRun(models.Model):
    """One periodic job's run for one time slot. Inserting the row and enqueueing the job
    happen in one transaction; the unique constraint lets only one worker do both."""

    job = models.CharField(max_length=40)
    slot = models.CharField(max_length=40, help_text="The day, hour or interval it is for.")
    enqueued_at = models.DateTimeField(default=timezone.now)
    tasks = models.PositiveIntegerField(default=0, help_text="How many tasks it enqueued.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="one_scheduled_run_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} for {self.slot}"


class LinkReminder(models.Model):
    """The one reminder for an emailed, unanswered check link. Plain ids rather than foreign
    keys: the row holds nothing about the client, and erasing a client need not know of it."""

    link_id = models.PositiveBigIntegerField(unique=True)
    clinic_id = models.PositiveBigIntegerField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reminder for check link {self.link_id}"


class SessionReminder(models.Model):
    """The one reminder to one participant of a session scheduled for the next day. Plain ids,
    as for LinkReminder: nothing about the client, and erasing a client need not know of it."""

    session_id = models.PositiveBigIntegerField()
    participant_id = models.PositiveBigIntegerField()
    clinic_id = models.PositiveBigIntegerField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic_id", "session_id", "participant_id"],
                name="one_reminder_per_session_person",
            )
        ]

    def __str__(self) -> str:
        return f"reminder of session {self.session_id} for participant {self.participant_id}"


class HandledFailure(models.Model):
    """A failed task an admin has dismissed, or retried as a new task: it leaves the list."""

    task_id = models.UUIDField(unique=True)
    clinic_id = models.PositiveBigIntegerField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    handled_at = models.DateTimeField(default=timezone.now)
    retried_as = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"failed task {self.task_id} handled"
