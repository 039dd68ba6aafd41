"""Re-run detection over recent sessions and raise any alerts that are missing.

Alerts are raised just after a client's answers are committed; if that step ever failed (the
answers are never lost), this command raises whatever is missing. It is idempotent: an alert
that exists already is not created twice.

    reattune raise_alerts [--days 30] [--dry-run]
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reattune.alerts.services import alerts_raise_for_session
from reattune.cases.models import TherapySession


class Command(BaseCommand):
    help = "Raise any alerts missing for sessions held in the last N days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        since = timezone.now() - timedelta(days=options["days"])
        sessions = (
            TherapySession.objects.filter(
                Q(date__gte=since.date()) | Q(responses__submitted_at__gte=since)
            )
            .distinct()
            .select_related("case")
        )
        created = 0
        for session in sessions.order_by("case_id", "number").iterator():
            with transaction.atomic():
                created += len(alerts_raise_for_session(session=session))
                if options["dry_run"]:
                    # Rolled back, so neither the alerts nor their emails happen.
                    transaction.set_rollback(True)
        verb = "would raise" if options["dry_run"] else "raised"
        if options["verbosity"]:
            self.stdout.write(f"Checked {sessions.count()} sessions; {verb} {created} alerts.")
