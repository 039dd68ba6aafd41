"""Erase one client's data, and keep a record that it was done.

    reattune erase --clinic SLUG --code CODE --reason TEXT [--dry-run] [--yes]

Shows what would go; unless --yes is given, asks for the client's code to be typed again
before anything is deleted. --dry-run shows what would go and changes nothing. Everything goes
in one transaction, and an erasure record (when, by whom, why, counts; no name, no answers) and
an audit row stay (docs/export.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.cases.models import Client
from reattune.clinics.models import Clinic
from reattune.exports.erasure import ErasureRefused, client_erase, erasure_plan, rows_text
from reattune.exports.management.commands.export import (
    COMMAND_LINE,
    NO_SUCH_CLIENT,
    NO_SUCH_CLINIC,
)
from reattune.exports.mentions import mentions_of

NOT_CONFIRMED = "Nothing was erased: the code typed did not match."
MENTIONS = (
    "Free text elsewhere that mentions {code} or their name, which erasure leaves as it is "
    "(ask its author to amend it):"
)
IMPORT_JOBS = "Import jobs that name {code}, which erasure changes:"


class Command(BaseCommand):
    help = "Erase one client's data (asks to confirm), keeping a record that it was done."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--code", required=True, help="the client's code")
        parser.add_argument("--reason", required=True, help="why (kept; name no one)")
        parser.add_argument("--dry-run", action="store_true", help="show what would go")
        parser.add_argument("--yes", action="store_true", help="do not ask to confirm")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(NO_SUCH_CLINIC.format(slug=options["clinic"]))
        client = Client.objects.filter(clinic=clinic, code=options["code"]).first()
        if client is None:
            raise CommandError(NO_SUCH_CLIENT.format(slug=clinic.slug, code=options["code"]))
        plan = erasure_plan(client)
        if options["verbosity"] or options["dry_run"]:
            self.stdout.write(f"Erasing {client.code} deletes:")
            for name, n in plan.described():
                self.stdout.write(f"  {name}: {n}")
            if jobs := plan.import_jobs.listed():
                self.stdout.write(IMPORT_JOBS.format(code=client.code))
                for pk, what in jobs:
                    self.stdout.write(f"  imports.ImportJob {pk}: {what}")
            mentions = mentions_of(client, deleted=plan.row_ids())
            if mentions:
                self.stdout.write(MENTIONS.format(code=client.code))
                for m in mentions:
                    self.stdout.write(f"  {m.label} {m.pk}: {m.field}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was erased.")
            return
        typed = client.code if options["yes"] else input("Type the client's code to confirm: ")
        if typed.strip() != client.code:
            raise CommandError(NOT_CONFIRMED)
        try:
            erasure = client_erase(
                client=client,
                by=None,
                code_typed=typed,
                reason=options["reason"],
                by_label=COMMAND_LINE,
            )
        except ErasureRefused as refused:
            raise CommandError(str(refused)) from None
        if options["verbosity"]:
            self.stdout.write(f"Erased: {rows_text(erasure.rows)} (erasure record {erasure.pk}).")
