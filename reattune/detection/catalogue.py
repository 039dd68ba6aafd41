"""What each signal is called on screen and what a clinician should consider doing next.

The prompts are short and concrete, in the voice of a good supervisor; the full reasoning and
sources are in docs/detection/.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignalInfo:
    title: str
    next_step: str


CATALOGUE: dict[str, SignalInfo] = {
    "safety": SignalInfo(
        "Safety: {measure} self-harm item answered",
        "Contact the client today to ask about it directly, assess risk following your "
        "clinic's procedure, and record what you did.",
    ),
    "alliance_rupture": SignalInfo(
        "Possible rupture in the alliance",
        "Open the next session by naming what you noticed and inviting their experience; "
        "own your part before explaining your intention, and ask what would feel safer.",
    ),
    "split_alliance": SignalInfo(
        "Split alliance: one participant's alliance dropped",
        "Make room for the participant whose rating fell, without taking sides; check the "
        "pace and whether the work feels safe for each person.",
    ),
    "repair_held": SignalInfo(
        "Repair held: the alliance is back to the client's usual level",
        "Note what helped, and consider bringing it to supervision as learning.",
    ),
    "repair_not_held": SignalInfo(
        "Repair not held: the alliance has not come back",
        "Revisit the rupture with the client, slow down or change the task, and take it to "
        "supervision.",
    ),
    "disengagement": SignalInfo(
        "Missed sessions after a difficult point",
        "Reach out warmly and without pressure; acknowledge the difficult session and offer "
        "a way back.",
    ),
    "reliable_deterioration": SignalInfo(
        "Reliable deterioration on {measure} since intake",
        "Review the formulation and the alliance with the client, check for new stressors "
        "and risk, and bring the case to supervision.",
    ),
    "reliable_improvement": SignalInfo(
        "Reliable improvement on {measure} since intake",
        "Share the progress with the client and review the goals together.",
    ),
    "not_on_track": SignalInfo(
        "{measure} not on track compared with similar clients",
        "Talk with the client about how therapy is going, check the alliance, consider "
        "changing the approach, and bring it to supervision.",
    ),
    "sudden_loss": SignalInfo(
        "Sudden worsening on {measure} since last session",
        "Ask what has happened since the last session, check risk, and adjust the plan.",
    ),
    "sudden_gain": SignalInfo(
        "Sudden improvement on {measure} since last session",
        "Explore with the client what changed; sudden gains often last and are worth "
        "understanding.",
    ),
}


def info_for(signal: str, measure: str = "") -> SignalInfo:
    """The signal's title, with the measure's short name filled in where the title has one."""
    info = CATALOGUE.get(signal, SignalInfo(signal.replace("_", " ").capitalize(), ""))
    return SignalInfo(info.title.format(measure=measure), info.next_step)
