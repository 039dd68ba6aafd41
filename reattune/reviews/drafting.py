"""Where a review's words start: the identifiers of the repair's case, and a first draft
prefilled from the repair's record with those identifiers already replaced. The author then
rewrites it in a blame-free frame."""

from __future__ import annotations

from reattune.clinics.models import User
from reattune.ethics.vocabulary import HARMS, KINDS
from reattune.repairs.models import Repair, RepairStatus
from reattune.reviews.deidentify import ClientFacts, Identifier, identifiers_of, redact
from reattune.reviews.models import SECTIONS, TITLE

VERDICTS = {
    RepairStatus.OPEN: "The client's next checks had not yet said whether the repair held.",
    RepairStatus.NOT_HELD: "By the client's own checks, the repair did not hold.",
    RepairStatus.HELD: "By the client's own checks, the repair held.",
    RepairStatus.CLOSED: "The clinician closed the record.",
}
CONTRIBUTION_LEAD = "As the clinician saw their part at the time (reframe without blame):"


def case_identifiers(repair: Repair) -> list[Identifier]:
    """Every identifier of the case's clients (all participants, not only the one the
    repair was with) and the names of the clinicians on it and of whoever opened the record."""
    clients = [
        ClientFacts(
            code=p.client.code, name=p.client.name, date_of_birth=p.client.date_of_birth,
            email=p.client.email,
        )
        for p in repair.case.participants.select_related("client")
    ]  # fmt: skip
    people = {c.pk: c.full_name for c in repair.case.clinicians.all()}
    people[repair.opened_by_id] = repair.opened_by.full_name
    return identifiers_of(clients, people.values())


def _what_happened(repair: Repair) -> str:
    current = repair.current()
    lines = [
        f"Kind: {KINDS.get(current.kind, current.kind)}. "
        f"Harm: {HARMS.get(current.harm, current.harm)}.",
        "",
        current.what_happened,
    ]
    conversation = repair.current_conversation()
    if conversation is not None:
        lines += ["", f"The repair conversation: {conversation.how_it_went}"]
        if conversation.client_response:
            lines.append(f"What the client said they needed: {conversation.client_response}")
        if conversation.next_step:
            lines.append(f"The next step agreed: {conversation.next_step}")
    lines += ["", VERDICTS.get(RepairStatus(repair.status), "")]
    return "\n".join(lines).strip()


def draft_from(repair: Repair, author: User) -> dict[str, str]:
    """The first draft's fields (title and the four sections), identifiers replaced."""
    current = repair.current()
    sections = {
        TITLE: f"{KINDS.get(current.kind, 'A mistake')} in an individual piece of work",
        SECTIONS["what_happened"]: _what_happened(repair),
        SECTIONS["contributing_factors"]: (
            f"{CONTRIBUTION_LEAD}\n{current.contribution}" if current.contribution else ""
        ),
        SECTIONS["what_we_learned"]: "",
        SECTIONS["what_we_change"]: "",
    }
    if repair.case.kind != "individual":
        sections[TITLE] = f"{KINDS.get(current.kind, 'A mistake')} in {repair.case.kind} work"
    clean = redact(sections, case_identifiers(repair))
    return {"title": clean[TITLE]} | {field: clean[h] for field, h in SECTIONS.items()}
