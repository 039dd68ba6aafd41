"""Run Reattune behind gunicorn, the production server.

    reattune serve [--host 127.0.0.1] [--port 8000] [--workers N] [--wait-for-database S]

It waits for the database first (up to a minute by default, saying what it waits for), so a
server that boots before PostgreSQL starts cleanly. Migrations are applied next (they are safe
to re-run). Static files are served by the app itself (WhiteNoise). Put a TLS-terminating
reverse proxy in front for anything but loopback.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.core.startup import DATABASE_WAIT_SECONDS, database_wait


def default_workers() -> int:
    # gunicorn's rule of thumb: two per core plus one.
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Run the production server (gunicorn) after applying migrations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--no-migrate", action="store_true", help="Skip migrate.")
        parser.add_argument(
            "--wait-for-database",
            type=float,
            default=DATABASE_WAIT_SECONDS,
            metavar="SECONDS",
            help="How long to wait for the database to answer before giving up (default 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["wait_for_database"] < 0:
            raise CommandError("--wait-for-database must be zero or more seconds.")
        database_wait(timeout=options["wait_for_database"], say=self.stderr.write)
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        argv = [
            gunicorn,
            "reattune.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            # Check-link tokens and query strings never reach the access log.
            "--logger-class",
            "reattune.core.access_log.RedactingAccessLogger",
            # gunicorn's control socket defaults to ~/.gunicorn, which a system account without a
            # home cannot create; the data folder is the one place Reattune may always write.
            "--control-socket",
            str(Path(settings.DATA_DIR) / "gunicorn.ctl"),
        ]
        self.stdout.write(f"Serving Reattune on http://{options['host']}:{options['port']}/")
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # noqa: S606 - replaces this process with gunicorn
