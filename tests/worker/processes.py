"""Helpers the worker tests run as processes against a database of the test's own.

python -m tests.worker.processes enqueue-wait KEY FOLDER   enqueue wait_for_file; print its id
python -m tests.worker.processes enqueue-many N [SECONDS]  enqueue N record_run tasks
python -m tests.worker.processes clinics N                 make N clinics
python -m tests.worker.processes session-tomorrow N        a case of N people, each with an
                                                           address, a session tomorrow, and
                                                           two runs of the reminders job queued
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
    elif command == "session-tomorrow":
        _session_tomorrow(int(rest[0]))
    else:
        raise SystemExit(f"unknown command {command}")


def _session_tomorrow(people: int) -> None:
    import datetime as dt

    from django.utils import timezone

    from reattune.cases.models import Attendance
    from reattune.cases.services import case_create, client_create, session_record
    from reattune.worker.tasks import send_session_reminders
    from tests.factories import make_clinic, make_person

    clinic = make_clinic()
    clients = [
        client_create(clinic=clinic, code=f"F{n}", email=f"person{n}@example.org")
        for n in range(people)
    ]
    case = case_create(
        clinic=clinic, kind="family", clients=clients, clinicians=[make_person(clinic)]
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    session_record(case=case, date=tomorrow, attendance=Attendance.SCHEDULED)
    for _ in range(2):
        send_session_reminders.enqueue(clinic_id=clinic.pk)


if __name__ == "__main__":
    main(sys.argv[1:])
