"""The encryption keys for free text at rest (docs/encryption.md).

    reattune keys new             print a new key entry, id:key, for REATTUNE_ENCRYPTION_KEYS
    reattune keys status          how many stored values each key seals, column by column
    reattune keys rotate          a new primary key, then everything re-encrypted under it
    reattune keys retire ID       take a key off the ring once nothing is sealed under it

`rotate` runs beside a working Reattune: batches of rows, each its own short transaction. Stopped
half-way, run it again: it finishes the same rotation rather than starting another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.vault.columns import BATCH_SIZE
from reattune.vault.keys import current_ring, entry_text, new_key, new_key_id
from reattune.vault.rotation import KeyRingError, keys_retire, keys_rotate, keys_status

NEW_KEY_HINT = (
    "Put this entry first in REATTUNE_ENCRYPTION_KEYS to make it the primary key (keep the "
    "old entries after it so old text still opens), restart Reattune, then run "
    "`reattune keys rotate`. Keep a copy of it apart from the database backups."
)
ROTATION_INCOMPLETE = (
    "The rotation is not finished: {left} value(s) are still under older keys and {failed} "
    "could not be opened. Run `reattune keys rotate` again; values that cannot be opened are "
    "listed above."
)


def _silent(_: str) -> None:
    pass


class Command(BaseCommand):
    help = "Create, list, rotate and retire the keys that encrypt free text at rest."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("new", help="print a new key entry for REATTUNE_ENCRYPTION_KEYS")
        actions.add_parser("status", help="count stored values per key, column by column")
        rotate = actions.add_parser("rotate", help="re-encrypt everything under a new key")
        rotate.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        rotate.add_argument(
            "--dry-run", action="store_true", help="count what would change; change nothing"
        )
        retire = actions.add_parser("retire", help="remove a key nothing is sealed under")
        retire.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(**options)
        except KeyRingError as error:
            raise CommandError(str(error)) from None

    def _new(self, **options: Any) -> None:
        self.stdout.write(entry_text(new_key_id(current_ring().ids), new_key()))
        if options["verbosity"]:
            self.stderr.write(NEW_KEY_HINT)

    def _status(self, **options: Any) -> None:
        ring = current_ring()
        self.stdout.write(
            f"Primary key: {ring.primary_id}. Keys on the ring: {', '.join(ring.ids)}."
        )
        totals: dict[str, int] = {}
        for label, counts in keys_status().items():
            listed = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "empty"
            self.stdout.write(f"  {label}: {listed}")
            for key_id, n in counts.items():
                totals[key_id] = totals.get(key_id, 0) + n
        summary = ", ".join(f"{k}: {n}" for k, n in sorted(totals.items())) or "nothing stored"
        self.stdout.write(f"All columns: {summary}.")

    def _rotate(self, **options: Any) -> None:
        say: Callable[[str], None] = self.stdout.write if options["verbosity"] else _silent
        report = keys_rotate(
            batch_size=max(1, options["batch_size"]), dry_run=options["dry_run"], progress=say
        )
        for label, pk, why in report.failed:
            self.stderr.write(f"{label}, row {pk}: {why}")
        total = sum(report.resealed.values())
        verb = "would be re-encrypted" if options["dry_run"] else "re-encrypted"
        say(f"{total} value(s) {verb} under key {report.primary_id}.")
        if not options["dry_run"] and not report.complete:
            raise CommandError(
                ROTATION_INCOMPLETE.format(
                    left=sum(report.left.values()), failed=len(report.failed)
                )
            )

    def _retire(self, **options: Any) -> None:
        self.stdout.write(keys_retire(options["key_id"]))
