"""A clinic's competency framework, and the defaults it starts with.

The five defaults follow the seed article's loop (notice, repair, use feedback, act
ethically, reflect). A clinic admin may retitle, describe, add and deactivate; `framework_for`
creates the defaults the first time anyone asks for a clinic's framework, and never again.
"""

from __future__ import annotations

from django.db import transaction

from reattune.clinics.models import Clinic
from reattune.learning.models import Competency

DEFAULTS: tuple[tuple[str, str, str], ...] = (
    (
        "noticing_ruptures",
        "Noticing ruptures",
        "Picks up withdrawal and confrontation markers in the room and in the client's checks, "
        "including the quiet ones.",
    ),
    (
        "repairing",
        "Repairing",
        "Names what happened, owns their part without defending it, invites the client's "
        "experience and adjusts the work.",
    ),
    (
        "using_feedback",
        "Using feedback",
        "Asks for the client's ratings every session, reads them, and lets them change what "
        "happens next.",
    ),
    (
        "ethics",
        "Ethics",
        "Knows the duties the clinic's codes and law attach to a mistake, and meets them on time.",
    ),
    (
        "self_reflection",
        "Self-reflection",
        "Looks at their own part with curiosity rather than blame, and brings it to supervision.",
    ),
)


@transaction.atomic
def framework_for(clinic: Clinic, *, include_inactive: bool = False) -> list[Competency]:
    """The clinic's competencies in order, creating the defaults on first use. Safe to call
    twice at once: the unique key per clinic turns a second insert into nothing."""
    if not Competency.objects.filter(clinic=clinic).exists():
        Competency.objects.bulk_create(
            [
                Competency(clinic=clinic, key=key, title=title, description=text, position=n)
                for n, (key, title, text) in enumerate(DEFAULTS, start=1)
            ],
            ignore_conflicts=True,
        )
    rows = Competency.objects.filter(clinic=clinic)
    return list(rows if include_inactive else rows.filter(active=True))
