"""The demo clinic's staff and clients. Every name, address and code here is invented.

Staff addresses use the reserved `.example` domain (RFC 2606), so no email can ever reach a
real person; clients have pseudonyms and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass

from reattune.clinics.models import Role

DEMO_SLUG = "demo"
DEMO_NAME = "Demo clinic — synthetic data"
# Printed in the banner and the README: it protects nothing but synthetic data.
DEMO_PASSWORD = "reattune-demo"  # noqa: S105
# The demo opens with the password alone: its people need not set up a second factor until
# this many days after seeding (docs/sign-in.md). Anyone may set one up sooner to try it.
DEMO_SECOND_FACTOR_GRACE_DAYS = 365


@dataclass(frozen=True)
class StaffMember:
    key: str
    full_name: str
    email: str
    role: Role
    note: str = ""


STAFF = (
    StaffMember("admin", "Priya Natarajan", "admin@demo.example", Role.ADMIN),
    StaffMember(
        "supervisor1",
        "Dr Helen Okafor",
        "helen@demo.example",
        Role.SUPERVISOR,
        "supervises Nia; consultation for Sam",
    ),
    StaffMember(
        "supervisor2", "Dr Tomás Reyes", "tomas@demo.example", Role.SUPERVISOR, "supervises Ollie"
    ),
    StaffMember(
        "sam",
        "Sam Whitfield",
        "sam@demo.example",
        Role.CLINICIAN,
        "qualified, in consultation; has the couple case",
    ),
    StaffMember(
        "amara", "Amara Osei", "amara@demo.example", Role.CLINICIAN, "co-leads the family case"
    ),
    StaffMember("jonah", "Jonah Fischer", "jonah@demo.example", Role.CLINICIAN),
    StaffMember("leila", "Leila Haddad", "leila@demo.example", Role.CLINICIAN),
    StaffMember(
        "nia",
        "Nia Campbell",
        "nia@demo.example",
        Role.TRAINEE,
        "trainee; co-leads the family case",
    ),
    StaffMember("ollie", "Ollie Brandt", "ollie@demo.example", Role.TRAINEE, "trainee"),
)

# (supervisor, supervisee): a trainee each, and one qualified clinician in consultation.
SUPERVISIONS = (("supervisor1", "nia"), ("supervisor1", "sam"), ("supervisor2", "ollie"))

# Who carries the individual caseload, and how many clients each (trainees carry fewer).
CASELOAD = (("sam", 9), ("amara", 10), ("jonah", 10), ("leila", 10), ("nia", 8), ("ollie", 8))

PSEUDONYMS = (
    "Alder", "Aspen", "Bramble", "Briar", "Cedar", "Clover", "Cove", "Dune", "Elm", "Fern",
    "Finch", "Flint", "Gale", "Hazel", "Heath", "Holly", "Iris", "Ivy", "Juniper", "Kestrel",
    "Lark", "Laurel", "Linden", "Maple", "Marsh", "Meadow", "Moss", "Oak", "Onyx", "Orchid",
    "Pebble", "Pine", "Plover", "Quill", "Reed", "Robin", "Rowan", "Rush", "Sage", "Sedge",
    "Sorrel", "Sparrow", "Spruce", "Starling", "Stone", "Swift", "Tansy", "Teal", "Thistle",
    "Thorn", "Tide", "Vale", "Willow", "Wren", "Yarrow", "Ash", "Birch", "Heron", "Linnet",
    "Merlin",
)  # fmt: skip


def client_code(n: int) -> str:
    return f"DEMO-{n:03d}"


def client_email(n: int) -> str:
    return f"demo-{n:03d}@clients.example"
