"""What encryption at rest costs per row: the same notes written and read with and without it.

    .venv/bin/python benchmarks/encryption.py [--rows 20000] [--length 400]

Makes two throw-away tables in a temporary SQLite database (a plain TextField and an
EncryptedTextField), then, best of three, bulk-inserts `--rows` notes of `--length` characters
into each, reads them all back through the ORM with nothing cached, and reads the first 2,000
again as a page reloaded would (those opened values are cached). Prints rows per second for
each and the ratio (plain / encrypted), measured in the same run so load affects both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RUNS = 3
CACHED = 2000  # rows in the "read again" figure: within the cache of opened values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--length", type=int, default=400)
    args = parser.parse_args()
    os.environ["REATTUNE_DATA_DIR"] = tempfile.mkdtemp(prefix="reattune-bench-")
    os.environ.pop("REATTUNE_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.db import connection, models

    from reattune.vault.crypto import _opened
    from reattune.vault.fields import EncryptedTextField

    class PlainNote(models.Model):
        text = models.TextField()

        class Meta:
            app_label = "vault"

        def __str__(self) -> str:
            return str(self.pk)

    class SealedNote(models.Model):
        text = EncryptedTextField()

        class Meta:
            app_label = "vault"

        def __str__(self) -> str:
            return str(self.pk)

    with connection.schema_editor() as editor:
        editor.create_model(PlainNote)
        editor.create_model(SealedNote)

    note = ("A note about the session, ünïcode and all. " * 20)[: args.length]
    print(f"rows {args.rows:,} of {args.length} characters, best of {RUNS}")
    figures = {}
    for model in (PlainNote, SealedNote):

        def write(model: type[models.Model] = model) -> None:
            model._default_manager.all().delete()
            model._default_manager.bulk_create(
                [model(text=note) for _ in range(args.rows)], batch_size=1000
            )

        def read(model: type[models.Model] = model) -> None:
            _opened.cache_clear()  # every value opened afresh
            assert all(row.text == note for row in model._default_manager.all())

        def read_again(model: type[models.Model] = model) -> None:
            # A page read twice: the values are already in the process's cache of opened text.
            assert all(row.text == note for row in model._default_manager.all()[:CACHED])

        figures[model.__name__] = (_best(write), _best(read), _best(read_again))
    for label, index, rows in (
        ("write", 0, args.rows),
        ("read", 1, args.rows),
        ("read again", 2, min(CACHED, args.rows)),
    ):
        plain = rows / figures["PlainNote"][index]
        sealed = rows / figures["SealedNote"][index]
        print(
            f"{label:10}  plain {plain:>10,.0f} rows/s   encrypted {sealed:>10,.0f} rows/s   "
            f"ratio {plain / sealed:.2f}"
        )


def _best(run: Callable[[], None]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


if __name__ == "__main__":
    main()
