"""Helpers the worker tests run as processes against a database of the test's own.

python -m tests.worker.processes enqueue-wait KEY FOLDER   enqueue wait_for_file; print its id
python -m tests.worker.processes enqueue-many N [SECONDS]  enqueue N record_run tasks
python -m tests.worker.processes clinics N                 make N clinics
"""

from __future__ import annotations

import os
import secrets
import sys


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    django.setup()
    from tests.worker import sample_tasks

    command, *rest = argv
    if command == "enqueue-wait":
        key, folder = rest
        print(sample_tasks.wait_for_file.enqueue(key=key, folder=folder).id)
    elif command == "enqueue-many":
        seconds = float(rest[1]) if len(rest) > 1 else 0.0
        for n in range(int(rest[0])):
            sample_tasks.record_run.enqueue(key=f"task-{n}", seconds=seconds)
    elif command == "clinics":
        from reattune.clinics.services import clinic_create

        for n in range(int(rest[0])):
            tag = secrets.token_hex(3)
            clinic_create(name=f"Worker clinic {n} {tag}", slug=f"worker-{n}-{tag}")
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
