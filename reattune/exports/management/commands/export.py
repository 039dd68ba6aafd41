"""Export a clinic's data, or one client's.

    reattune export csv --clinic SLUG [--output FILE]     answers as CSV (the import's format)
    reattune export fhir --clinic SLUG [--output FILE]    everything as a FHIR R4 bundle (JSON)
    reattune export client --clinic SLUG --code CODE --output FILE.zip
                                                          one client's data, for an access request

Each export is a row in the audit log (category client or response, action export). A file is
written beside its final name and renamed into place when complete, so a failed run never
leaves half a file; without --output the CSV and the bundle go to standard output as they are
made, so a large clinic is never held in memory.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.audit.log import record
from reattune.audit.models import Action, Category
from reattune.cases.models import Client
from reattune.clinics.models import Clinic
from reattune.exports.access import access_package
from reattune.exports.erasure import rows_text
from reattune.exports.measurements import clinic_rows, write_rows
from reattune.fhir.bundle import clinic_bundle_chunks

NO_SUCH_CLINIC = "No clinic has the slug {slug!r}."
NO_SUCH_CLIENT = "Clinic {slug!r} has no client with the code {code!r}."
ZIP_NEEDS_FILE = "A client's data is a zip file: give --output FILE.zip."
COMMAND_LINE = "command line"


@contextmanager
def atomic_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A file written beside `path` and renamed onto it only once complete."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", newline="") as f:
            yield f
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Export a clinic's answers (CSV or FHIR), or one client's data for an access request."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        for name, text in (("csv", "answers as CSV"), ("fhir", "everything as a FHIR bundle")):
            p = sub.add_parser(name, help=text)
            p.add_argument("--clinic", required=True, help="the clinic's slug")
            p.add_argument("--output", type=Path, help="a file to write (default: stdout)")
        p = sub.add_parser("client", help="one client's data as a zip")
        p.add_argument("--clinic", required=True, help="the clinic's slug")
        p.add_argument("--code", required=True, help="the client's code")
        p.add_argument("--output", type=Path, help="the zip file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(NO_SUCH_CLINIC.format(slug=options["clinic"]))
        if options["what"] == "client":
            self._client(clinic, options)
            return
        category = Category.RESPONSE
        record(
            category=category,
            action=Action.EXPORT,
            clinic_id=clinic.pk,
            target=f"command export {options['what']}",
            user_label=COMMAND_LINE,
        )
        output: Path | None = options["output"]
        if output is None:
            self._write(options["what"], clinic, sys.stdout)
            return
        with atomic_file(output) as f:
            count = self._write(options["what"], clinic, f)
        if options["verbosity"]:
            self.stderr.write(f"Wrote {output}" + (f": {rows_text(count)}." if count >= 0 else "."))

    def _write(self, what: str, clinic: Clinic, out: IO[str]) -> int:
        if what == "csv":
            return write_rows(clinic_rows(clinic), out)
        for chunk in clinic_bundle_chunks(clinic):
            out.write(chunk)
        out.write("\n")
        return -1

    def _client(self, clinic: Clinic, options: dict[str, Any]) -> None:
        output: Path | None = options["output"]
        if output is None:
            raise CommandError(ZIP_NEEDS_FILE)
        client = Client.objects.filter(clinic=clinic, code=options["code"]).first()
        if client is None:
            raise CommandError(NO_SUCH_CLIENT.format(slug=clinic.slug, code=options["code"]))
        record(
            category=Category.CLIENT,
            action=Action.EXPORT,
            clinic_id=clinic.pk,
            client_id=client.pk,
            target="command export client",
            user_label=COMMAND_LINE,
        )
        data = access_package(client, by=COMMAND_LINE)
        with atomic_file(output, binary=True) as f:
            f.write(data)
        if options["verbosity"]:
            self.stderr.write(f"Wrote {output} ({len(data):,} bytes).")
