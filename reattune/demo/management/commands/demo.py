"""Set up and serve the demo clinic. All of its data is synthetic; never enter real client data.

    reattune demo                  migrate, seed the demo clinic if missing, serve on 127.0.0.1:8000
    reattune demo --port 8080      serve on another port (--host to change the address)
    reattune demo --reset          delete the demo clinic and seed it afresh
    reattune demo --no-serve       migrate and seed, then exit (tests and CI)

While it serves, a `reattune worker` runs beside it (a child process, stopped with it) to send
the emails and run the periodic jobs. Running it again reuses the demo clinic already in the
database. Because every demo account
shares a published password, the command refuses to run on a database that holds any other
clinic: give the demo a data folder of its own (REATTUNE_DATA_DIR=/tmp/reattune-demo).
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from reattune.clinics.models import Clinic
from reattune.demo import banner
from reattune.demo.people import DEMO_SLUG
from reattune.demo.reset import clinic_delete_everything
from reattune.demo.seed import demo_clinic, demo_seed
from reattune.demo.worker import demo_worker_start, demo_worker_stop

OTHER_CLINICS = (
    "This database already holds a clinic other than the demo. The demo adds accounts with a "
    "published password, so it only runs on a database of its own: point REATTUNE_DATA_DIR at "
    "an empty folder, for example `REATTUNE_DATA_DIR=/tmp/reattune-demo reattune demo`."
)
CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
ANY_ADDRESS = ("0.0.0.0", "::")  # noqa: S104 (only if the person asks for it with --host)


class Command(BaseCommand):
    help = "Set up and serve a demo clinic with synthetic data (never real client data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to serve on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo clinic and seed it afresh."
        )
        parser.add_argument("--no-serve", action="store_true", help="Migrate and seed, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        self.refuse_shared_database()
        call_command("migrate", interactive=False, verbosity=0)
        clinic = self.clinic(reset=options["reset"], verbosity=verbosity)
        if verbosity >= 1:
            self.stdout.write("\n".join(banner.summary(clinic)))
        if verbosity >= 2:
            self.stdout.write("\n".join(banner.caseloads(clinic)))
        if options["no_serve"]:
            if verbosity >= 1:
                self.stdout.write("\n".join(banner.logins()))
            return
        self.serve(clinic, options["host"], options["port"])

    def refuse_shared_database(self) -> None:
        if Clinic._meta.db_table not in connection.introspection.table_names():
            return
        if Clinic.objects.exclude(slug=DEMO_SLUG).exists():
            raise CommandError(OTHER_CLINICS)

    def clinic(self, *, reset: bool, verbosity: int) -> Clinic:
        clinic = demo_clinic()
        if clinic is not None and reset:
            clinic_delete_everything(clinic)
            clinic = None
            if verbosity >= 1:
                self.stdout.write("Deleted the demo clinic and everything in it.")
        if clinic is not None:
            if verbosity >= 1:
                self.stdout.write("Reusing the demo clinic already in the database.")
            return clinic
        started = time.perf_counter()
        clinic = demo_seed()
        if verbosity >= 1:
            seconds = time.perf_counter() - started
            self.stdout.write(self.style.SUCCESS(f"Seeded the demo clinic in {seconds:.1f} s."))
        return clinic

    def serve(self, clinic: Clinic, host: str, port: int) -> None:
        ipv6 = ":" in host
        shown = f"[{host}]" if ipv6 else host
        notes = []
        # DEBUG is off, so Django answers only to the hosts it is told about.
        if host in ANY_ADDRESS:
            notes.append(
                "Serving on every address: set REATTUNE_ALLOWED_HOSTS to the name or address "
                "other machines will use."
            )
        elif shown not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, shown]
        address = f"http://{'localhost' if host in ANY_ADDRESS else shown}:{port}"
        # Whatever the installation's mail settings, the demo never sends a real email.
        settings.EMAIL_BACKEND = CONSOLE_EMAIL
        if not settings.BASE_URL:
            settings.BASE_URL = address
        self.stdout.write(banner.banner(clinic, address, notes))
        worker = demo_worker_start(base_url=settings.BASE_URL)
        # A plain `kill` stops the server through the `finally` below, worker and all.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            call_command("runserver", f"{shown}:{port}", use_reloader=False, use_ipv6=ipv6)
        finally:
            if worker is not None:
                demo_worker_stop(worker)
