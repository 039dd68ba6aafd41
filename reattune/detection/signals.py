"""Signals: what detection tells a clinician, with the severity, the reason and the rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reattune.measures.definitions import MeasureDefinition

URGENT = "urgent"
WARNING = "warning"

SAFETY_RULE = (
    "Any answer above 0 on a measure's self-harm item is a safety signal to be followed up the "
    "same day (PHQ-9 item 9: Kroenke, Spitzer & Williams 2001; CORE-10 item 6: Barkham et al. "
    "2013)."
)
RUPTURE_RULE = (
    "The client answered yes to 'did anything today feel off, unhelpful or uncomfortable?'. "
    "Clients rarely raise ruptures unprompted, and repairing them goes with better outcomes "
    "(Eubanks, Muran & Safran 2018)."
)


@dataclass(frozen=True)
class Signal:
    name: str
    severity: str
    measure_id: str
    session: int
    title: str
    explanation: str
    next_step: str
    rule: str


def answer_signals(
    definition: MeasureDefinition, answers: Mapping[str, Any], session: int
) -> list[Signal]:
    """Signals that a single response raises by itself, the moment it arrives: a safety item
    above its threshold, or a yes to the rupture question. Uses only this response, so it is
    prospective by construction."""
    found = []
    for item, alert in definition.alerts_raised(answers):
        answer = answers[item.id]
        if alert.kind == "safety":
            label = next((o.label for o in item.options if o.value == answer), str(answer))
            found.append(
                Signal(
                    name="safety",
                    severity=URGENT,
                    measure_id=definition.id,
                    session=session,
                    title=f"Safety: {definition.short_title} self-harm item answered",
                    explanation=(
                        f"{definition.short_title} item “{item.text}” was answered "
                        f"“{label}” ({answer}) after session {session}."
                    ),
                    next_step=(
                        "Contact the client today to ask about it directly, assess risk "
                        "following your clinic's procedure, and record what you did."
                    ),
                    rule=SAFETY_RULE,
                )
            )
        else:
            comment = str(answers.get("change", "")).strip()
            said = f" They wrote: “{comment}”" if comment else ""
            found.append(
                Signal(
                    name="alliance_rupture",
                    severity=WARNING,
                    measure_id=definition.id,
                    session=session,
                    title="Possible rupture: the client said something felt off",
                    explanation=(
                        f"After session {session} the client said something felt off, "
                        f"unhelpful or uncomfortable.{said}"
                    ),
                    next_step=(
                        "Open the next session by thanking them for saying so and inviting "
                        "them to tell you more; own your part before explaining your intention."
                    ),
                    rule=RUPTURE_RULE,
                )
            )
    return found
