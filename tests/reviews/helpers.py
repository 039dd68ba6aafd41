"""A repair in the trainee's case (the world's supervisor supervises the trainee), whose client
has every kind of identifier, and a review of it. All data synthetic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reattune.cases.models import Client
from reattune.repairs.models import Repair
from reattune.reviews import services
from reattune.reviews.models import CaseReview
from tests.factories import ClinicWorld
from tests.repairs.helpers import follow, open_by_hand

DOB = dt.date(1988, 7, 9)
CLEAN = {
    "title": "Pushing a pace the client was not ready for",
    "what_happened": "In the fourth session the clinician suggested inviting a parent.\n"
    "The client went quiet and did not book the next session.",
    "contributing_factors": "Workload and pressure: a placement review was near.",
    "what_we_learned": "A pause is information; ask about it before moving on.",
    "what_we_change": "Supervisors ask about pacing at every placement review.",
}


def client_of(repair: Repair) -> Client:
    return repair.client


def reviewed_repair(world: ClinicWorld) -> Repair:
    """A repair in the trainee's case, the client given a name, a birthday and an email."""
    follow(world.clinic.pk, "bacp")
    world.trainee.full_name = "Nadia Brookes"
    world.trainee.save()
    client = world.trainee_case.participants.get().client
    client.name, client.date_of_birth = "Juniper Vale", DOB
    client.email = "juniper.vale@clients.example"
    client.save()
    return open_by_hand(
        world.trainee_case,
        world.trainee,
        what_happened=f"I met {client.code} (Juniper) and moved too fast.",
        contribution=f"I, {world.trainee.full_name}, was in a hurry.",
    )


def identifiers(client: Client) -> list[str]:
    """Every identifier of the client, as it might appear on a page."""
    d = client.date_of_birth
    found = [client.code, client.name, *client.name.split(), client.email]
    found.append(client.email.split("@")[0])
    if d:
        found += [
            d.isoformat(),
            d.strftime("%d/%m/%Y"),
            d.strftime("%m/%d/%Y"),
            d.strftime("%d %b %Y"),
            d.strftime("%d %B %Y"),
            d.strftime("%B %d, %Y"),
            f"{d.day} {d:%B %Y}",
            f"{d:%B} {d.day}, {d.year}",
        ]
    return [f for f in found if f]


def draft(world: ClinicWorld, repair: Repair, **content: Any) -> CaseReview:
    return services.review_create(repair=repair, by=world.supervisor, content=CLEAN | content)


def shared(world: ClinicWorld, repair: Repair, **content: Any) -> CaseReview:
    review = draft(world, repair, **content)
    return services.review_share(review=review, by=world.supervisor, expected_revision=None)
