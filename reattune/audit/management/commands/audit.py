"""Check or export the audit log.

    reattune audit verify                 walk the hash chain; exit 1 naming the first bad row
    reattune audit export [--clinic SLUG] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
                          [--output FILE]  CSV of the rows (UTC); the export is itself audited

`verify` prints the last row's number and hash: note them somewhere outside this database (a
ticket, an email to yourself) and a later rewrite of the whole chain shows as a different hash.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.audit.chain import verify_chain
from reattune.audit.log import record
from reattune.audit.models import Action, AuditEvent, Category
from reattune.audit.views import CSV_COLUMNS, csv_row
from reattune.clinics.models import Clinic

NO_SUCH_CLINIC = "No clinic has the slug {slug!r}."


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or export its rows as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="walk the hash chain and report the first bad row")
        export = sub.add_parser("export", help="write the rows as CSV")
        export.add_argument("--clinic", help="only this clinic's rows (its slug)")
        export.add_argument("--since", type=dt.date.fromisoformat, help="from this UTC day")
        export.add_argument("--until", type=dt.date.fromisoformat, help="up to this UTC day")
        export.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(options)
        else:
            self._export(options)

    def _verify(self, options: dict[str, Any]) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(str(report), returncode=1)
        if options["verbosity"]:
            self.stdout.write(str(report))

    def _export(self, options: dict[str, Any]) -> None:
        events = AuditEvent.objects.order_by("seq")
        clinic = None
        if options["clinic"]:
            clinic = Clinic.objects.filter(slug=options["clinic"]).first()
            if clinic is None:
                raise CommandError(NO_SUCH_CLINIC.format(slug=options["clinic"]))
            events = events.filter(clinic_id=clinic.pk)
        if options["since"]:
            events = events.filter(at__gte=_utc_midnight(options["since"]))
        if options["until"]:
            events = events.filter(at__lt=_utc_midnight(options["until"] + dt.timedelta(days=1)))
        record(
            category=Category.AUDIT,
            action=Action.EXPORT,
            clinic_id=clinic.pk if clinic else None,
            target="command audit export",
        )
        out = open(options["output"], "w", newline="") if options["output"] else None  # noqa: SIM115
        try:
            writer = csv.writer(out or self.stdout)
            writer.writerow(CSV_COLUMNS)
            codes: dict[int, str] = {}
            for event in events.iterator(chunk_size=2000):
                writer.writerow(csv_row(event, codes))
        finally:
            if out is not None:
                out.close()


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
