"""Import historic scores from a CSV into one clinic: all of the file or nothing.

    reattune import_scores FILE --clinic SLUG [--dry-run] [--keep-open] [--by EMAIL]

The file is in the long format `reattune detect` reads (docs/import.md), with `date` and
`clinician_email` also read when present. The whole file is checked first; any problem is
reported as `FILE, line N: problem` (the first ten) and nothing is written (exit status 2).
`--dry-run` reports what would be created and reused and writes nothing. A long import shows a
progress bar on standard error (plain lines when standard error is not a terminal).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.clinics.models import Clinic, User
from reattune.imports.plan import ImportRefused, Summary, import_plan
from reattune.imports.progress import TerminalProgress, no_progress
from reattune.imports.services import ImportFailed, scores_import
from reattune.imports.sweep import uploads_sweep

NO_CLINIC = "There is no clinic with the slug {slug!r}."
NO_PERSON = "No one in {clinic} has the email {email!r}."
NOTHING_IMPORTED = "nothing was imported"
BAD_INPUT = 2

REPORT = (
    ("rows", "rows read"),
    ("clients_new", "clients to create"),
    ("clients_reused", "clients already in the clinic"),
    ("cases_new", "cases to create"),
    ("cases_reused", "cases already in the clinic"),
    ("cases_closed", "of the new cases, closed at their last session"),
    ("participants_new", "participants to add to cases"),
    ("sessions_new", "sessions to create"),
    ("sessions_missed_new", "of them missed (cancelled or no show)"),
    ("sessions_reused", "sessions already in the clinic"),
    ("responses_new", "responses to create"),
)


def report_lines(summary: Summary, *, done: bool) -> list[str]:
    counts = summary.as_dict()
    lines = []
    for key, label in REPORT:
        if done:
            label = label.replace(" to create", " created").replace(" to add", " added")
        lines.append(f"{counts[key]:>9,}  {label}")
    return lines


class Command(BaseCommand):
    help = "Import historic scores from a CSV into one clinic (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV to import.")
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--keep-open",
            action="store_true",
            help="Leave new cases open (clients still in therapy) instead of closing them.",
        )
        parser.add_argument("--by", help="The email of the person responsible, for the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(NO_CLINIC.format(slug=options["clinic"]))
        by = None
        if options["by"]:
            by = User.objects.filter(clinic=clinic, email__iexact=options["by"]).first()
            if by is None:
                raise CommandError(NO_PERSON.format(clinic=clinic, email=options["by"]))
        path: Path = options["file"]
        try:
            plan = import_plan(clinic=clinic, path=path, close_cases=not options["keep_open"])
        except ImportRefused as e:
            self.stderr.write(str(e))
            raise CommandError(NOTHING_IMPORTED, returncode=BAD_INPUT) from None
        verbose = options["verbosity"] > 0
        if options["dry_run"]:
            if verbose:
                self.stdout.write(f"Dry run of {path} into {clinic}: nothing was written.")
                self.stdout.write("\n".join(report_lines(plan.summary, done=False)))
            return
        uploads_sweep()
        progress = TerminalProgress(cast(TextIO, self.stderr._out)) if verbose else no_progress
        try:
            summary = scores_import(plan=plan, by=by, progress=progress)
        except ImportFailed as e:
            raise CommandError(f"{e} ({NOTHING_IMPORTED})") from None
        if verbose:
            self.stdout.write(f"Imported {path} into {clinic}.")
            self.stdout.write("\n".join(report_lines(summary, done=True)))
