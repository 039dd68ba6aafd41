"""Take an online, consistent backup of the database while Reattune keeps running.

    reattune backup [--output PATH]

SQLite is copied with SQLite's online backup API; PostgreSQL with `pg_dump --format=custom`
inside a snapshot. A manifest (PATH.manifest.json) is written beside the copy: when it was
taken, the migrations applied, rows per table, the audit chain's last row and the file's sha256.
The default PATH is <data folder>/backups/reattune-<UTC time>.sqlite3 (or .pgdump).
The encryption key is never part of the backup: keep it separately (docs/backups.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.backups.services import KEY_REMINDER, BackupRefused, backup_create


class Command(BaseCommand):
    help = "Take an online, consistent backup of the database, with a manifest beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="Where to write the backup (it must not exist yet)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup_create(output=options["output"])
        except BackupRefused as e:
            raise CommandError(str(e)) from None
        manifest = done.manifest
        rows = sum(manifest.state.row_counts.values())
        self.stdout.write(f"Backup written to {done.path}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"Manifest: {done.manifest_path}")
            self.stdout.write(
                f"{len(manifest.state.row_counts)} tables, {rows} rows; "
                f"audit log up to #{manifest.state.audit.last_seq or 0}; "
                f"sha256 {manifest.sha256}"
            )
        self.stdout.write(self.style.WARNING(KEY_REMINDER.format(keys=done.keys)))
