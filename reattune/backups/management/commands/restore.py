"""Restore a backup taken by `reattune backup` into the configured database, and prove it.

    reattune restore PATH [--force]

Before anything is replaced: the file must match the sha256 in its manifest, the database must
not be in use (stop the server first), and a database that already holds data is only replaced
with --force (on SQLite the old file is kept beside it as reattune.sqlite3.before-restore-*).
After restoring: SQLite's integrity check, rows per table against the manifest, and the audit
chain verified from its first row. Any failure exits non-zero with what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.backups.services import RestoreFailedChecks, RestoreRefused, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into the configured database, then check integrity, rows and audit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file (its manifest beside it).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup_restore(backup=options["path"], force=options["force"])
        except (RestoreRefused, RestoreFailedChecks) as e:
            raise CommandError(str(e)) from None
        state = done.manifest.state
        self.stdout.write(f"Restored the backup taken at {done.manifest.created_at}.")
        integrity = "SQLite's integrity check: ok. " if done.integrity_checked else ""
        self.stdout.write(
            f"{integrity}{len(state.row_counts)} tables with {sum(state.row_counts.values())} "
            f"rows, as in the manifest. {done.chain}"
        )
        if done.previous is not None:
            self.stdout.write(f"The database it replaced is kept at {done.previous}")
        for note in done.notes:
            self.stdout.write(self.style.WARNING(note))
