"""Which sessions belong to whom, so a person's sessions can all be ended at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class UserSession(models.Model):
    """One signed-in session. Written at log-in, removed at log-out; sessions keep the user id
    only inside their signed payload, so without this ending someone's sessions would mean
    reading every session in the store."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"session of user {self.user_id}"
