"""The guided repair: the seed article's sequence, with the 3RS resolution strategies folded
in as the ways to adjust and to invite. Prompts, not scripts: each is what a good supervisor
would say in a sentence, with an example the clinician rewrites in their own words.

Eubanks, Muran & Safran (2015), Rupture Resolution Rating System: immediate strategies address
the rupture on its surface (clarify a misunderstanding, change the task or goal, explain the
rationale); expressive ones explore it (invite the client to talk about what happened between
you, acknowledge your own part). Withdrawal ruptures ask for a gentler, more open invitation;
confrontation ruptures for non-defensive acknowledgement first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    prompt: str  # why and how, in a supervisor's voice
    example: str  # words the clinician may start from
    strategy: str = ""  # the 3RS family it belongs to, where one fits


STEPS: tuple[Step, ...] = (
    Step(
        "name",
        "Name what happened",
        "Say what you noticed, plainly and early in the session, before the client has to "
        "bring it up. Describe the moment, not the client's reaction.",
        "Last week I think I moved us onto your father before you were ready.",
    ),
    Step(
        "own",
        "Own your part",
        "Say what you did. Leave out 'but' and anything that hands the cause back to them.",
        "That was my pace, not yours.",
        "expressive: acknowledge your contribution",
    ),
    Step(
        "apologise",
        "Apologise where it is due",
        "One short, plain sentence. Don't ask for reassurance and don't over-apologise: the "
        "session should stay about them.",
        "I'm sorry. That wasn't what you needed from me.",
    ),
    Step(
        "explain",
        "Explain your intention, without defending it",
        "One line on what you were trying to do, then stop. An explanation that runs on "
        "becomes a defence.",
        "I wanted us to get to it because it matters to you, and I pushed too hard.",
        "immediate: explain the rationale",
    ),
    Step(
        "invite",
        "Invite their experience",
        "Ask, then listen. Welcome disagreement and thank them for it; if they withdrew, make "
        "it easy to say more later as well as now.",
        "What was that like for you? Is there anything I've missed?",
        "expressive: invite the client to explore the rupture",
    ),
    Step(
        "adjust",
        "Adjust",
        "Change something they will notice: slow down, change the task or goal, or hand back "
        "control of what you work on and how fast.",
        "You choose where we start today, and we can stop whenever you want.",
        "immediate: change the task or goal",
    ),
    Step(
        "agree",
        "Agree the next step",
        "Agree together what happens next and how you'll both know it is working.",
        "If it feels too fast again, will you tell me, or shall I check in halfway?",
    ),
)
BY_KEY = {step.key: step for step in STEPS}

MARKER_HINTS = {
    "withdrawal": "The client withdrew: open the door gently and more than once. Silence or "
    "'it's fine' is not the end of the conversation.",
    "confrontation": "The client pushed back: acknowledge first, without defending, even if "
    "you see it differently. Their anger is information about the work.",
}


def default_plan() -> list[dict[str, str]]:
    """Every step, with its example as the starting words."""
    return [{"key": s.key, "title": s.title, "text": s.example} for s in STEPS]
