"""Processes the durability tests start: each is a real OS process with its own connection.

    python -m tests.durability.workers seed-links N      a case with N open check links (JSON)
    python -m tests.durability.workers post URL TOKEN…   post a full check to each link
    python -m tests.durability.workers write [--count N] submit checks through the service,
                                                         printing "ack <ids>" after each commit

The database is whatever REATTUNE_DATA_DIR / REATTUNE_DATABASE_URL name. Only `post` skips
Django: it is a client's phone, not the server.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

THANKS = "Your answers have reached your therapist"
ALREADY = "we already have your answers"


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    django.setup()


def _new_case() -> tuple[Any, Any]:
    """A clinic of its own (a random slug, so repeated runs never collide), a clinician and
    one individual case."""
    from reattune.clinics.models import Role
    from reattune.clinics.services import clinic_create, person_create
    from tests.factories import make_case

    tag = secrets.token_hex(4)
    clinic = clinic_create(name=f"Durability clinic {tag}", slug=f"durability-{tag}")
    clinician = person_create(
        clinic=clinic,
        email=f"clinician-{tag}@durability.example",
        full_name="Clinician",
        role=Role.CLINICIAN,
    )
    return clinician, make_case(clinician)


def _open_link(case: Any, clinician: Any) -> Any:
    from django.utils import timezone

    from reattune.cases.services import session_record
    from reattune.checks.services import check_link_create

    session = session_record(case=case, date=timezone.localdate())
    participant = case.participants.get()
    return check_link_create(session=session, participant=participant, created_by=clinician)


def seed_links(count: int) -> None:
    _django()
    clinician, case = _new_case()
    links = [_open_link(case, clinician) for _ in range(count)]
    print(json.dumps({link.token: [link.pk, len(link.measure_ids)] for link in links}))


def post(base_url: str, tokens: list[str]) -> None:
    from tests.checks.helpers import full_check

    body = urllib.parse.urlencode(full_check()).encode()
    for token in tokens:
        request = urllib.request.Request(f"{base_url}/c/{token}/", data=body, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, page = response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            status, page = e.code, e.read().decode()
        if status == 200 and THANKS in page:
            outcome = "ack"
        elif status == 200 and ALREADY in page:
            outcome = "used"
        else:
            outcome = f"error:{status}"
        print(outcome, token, flush=True)


def write(count: int) -> None:
    """Submit checks one after another, as the check form would, and acknowledge each set of
    response ids only once the transaction holding them has committed."""
    _django()
    from django.db import transaction

    from reattune.audit.log import record
    from reattune.audit.models import Action, Category
    from reattune.checks.services import check_answers_clean, check_response_submit
    from tests.checks.helpers import full_check

    clinician, case = _new_case()
    print("ready", flush=True)
    for _ in range(count):
        link = _open_link(case, clinician)
        cleaned = check_answers_clean(link, full_check())
        with transaction.atomic():
            responses = check_response_submit(link=link, cleaned=cleaned)
            record(
                category=Category.RESPONSE,
                action=Action.CREATE,
                client_id=link.participant.client_id,
                clinic_id=link.clinic_id,
                target="check_form",
            )
        # Only now is the commit done: this line is the acknowledgement.
        print("ack", ",".join(str(r.pk) for r in responses), flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="tests.durability.workers")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-links").add_argument("count", type=int)
    posting = commands.add_parser("post")
    posting.add_argument("base_url")
    posting.add_argument("tokens", nargs="+")
    commands.add_parser("write").add_argument("--count", type=int, default=100_000)
    args = parser.parse_args(argv)
    if args.command == "seed-links":
        seed_links(args.count)
    elif args.command == "post":
        post(args.base_url, args.tokens)
    else:
        write(args.count)


if __name__ == "__main__":
    main(sys.argv[1:])
