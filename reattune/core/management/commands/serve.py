"""Run Reattune behind gunicorn, the production server.

    reattune serve [--host 127.0.0.1] [--port 8000] [--workers N]

Migrations are applied first (they are safe to re-run). Static files are served by the app
itself (WhiteNoise). Put a TLS-terminating reverse proxy in front for anything but loopback.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


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

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
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
        ]
        self.stdout.write(f"Serving Reattune on http://{options['host']}:{options['port']}/")
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # noqa: S606 - replaces this process with gunicorn
