"""Recompute each clinic's expected-response bands from its own closed cases.

Meant to run nightly (cron, or the task worker once it exists):

    reattune recalibrate [--clinic SLUG]

Cells of the table with too few closed cases fall back to the published defaults, so a new
clinic is never judged on a handful of clients.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.alerts.calibration import calibration_refresh
from reattune.clinics.models import Clinic


class Command(BaseCommand):
    help = "Recompute expected-response bands from each clinic's closed cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="Only this clinic (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.order_by("pk")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"There is no clinic with the slug {options['clinic']!r}.")
        for clinic in clinics:
            row = calibration_refresh(clinic=clinic)
            if options["verbosity"]:
                self.stdout.write(f"{clinic.slug}: {row.closed_cases} closed cases; {row.source}")
