"""Send overdue repair obligations to the supervisor (see reattune.repairs.escalation).

Meant to run daily (cron, or the task worker once it exists):

    reattune escalate_obligations
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reattune.repairs.escalation import obligations_escalate


class Command(BaseCommand):
    help = "Escalate overdue repair obligations to supervisors (each one once)."

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = obligations_escalate()
        if options["verbosity"]:
            self.stdout.write(f"{len(escalated)} overdue obligation(s) escalated.")
