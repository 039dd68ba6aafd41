"""Synthetic score trajectories for the demo clinic. Every number and comment here is invented.

Plain Python, no Django: each story turns a random generator and a number of attended sessions
into one participant's answers after each of them (the alliance check, PHQ-9 and GAD-7), shaped
so that the demo shows what Reattune is for: clients who improve, stay flat or deteriorate,
ceiling raters with one sharp drop, steady low raters who should not flood anyone with alerts,
ruptures, and repairs that hold or do not.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

RUPTURE_COMMENTS = (
    "I felt rushed when we talked about my dad.",
    "It felt like you had already decided what the problem was.",
    "The homework felt like a test I was failing.",
    "I didn't feel heard when I talked about work.",
    "We ran over and I had to leave in a hurry.",
    "When you mentioned my sister it felt like you were taking her side.",
    "I wanted to talk about the weekend but we stuck to the plan.",
    "You looked at the clock a lot and I felt like a burden.",
)
REPAIR_COMMENTS = (
    "Glad we went back to what happened last week.",
    "Thank you for asking about last time.",
    "Slower today, which helped.",
)
EVERYDAY_COMMENTS = ("", "", "", "", "", "Nothing, it was good.", "More time for questions.")


@dataclass(frozen=True)
class Check:
    """One participant's answers after one attended session."""

    alliance: tuple[int, ...]  # respected, focus, approach, voice: 0-10 each
    felt_off: bool
    comment: str
    phq9: tuple[int, ...]  # q1..q9: 0-3 each; q9 is the self-harm item
    gad7: tuple[int, ...]  # q1..q7: 0-3 each

    @property
    def alliance_total(self) -> int:
        return sum(self.alliance)

    @property
    def phq9_total(self) -> int:
        return sum(self.phq9)

    def form(self) -> dict[str, str]:
        """The answers as the check form posts them: '<measure>-<item>' to a string."""
        fields = dict(zip(("respected", "focus", "approach", "voice"), self.alliance, strict=True))
        data = {f"alliance-{item}": str(value) for item, value in fields.items()}
        data["alliance-felt_off"] = "yes" if self.felt_off else "no"
        data["alliance-change"] = self.comment
        data.update({f"phq9-q{n}": str(v) for n, v in enumerate(self.phq9, start=1)})
        data["phq9-difficulty"] = str(min(3, sum(self.phq9) // 7))
        data.update({f"gad7-q{n}": str(v) for n, v in enumerate(self.gad7, start=1)})
        data["gad7-difficulty"] = str(min(3, sum(self.gad7) // 6))
        return data


def spread(rng: random.Random, total: int, items: int, top: int) -> tuple[int, ...]:
    """`items` answers from 0 to `top` that add up to `total` (clamped to what is possible),
    unevenly, as real answers are."""
    total = max(0, min(total, items * top))
    values = [total // items] * items
    for i in rng.sample(range(items), total % items):
        values[i] += 1
    for _ in range(items):
        give, take = rng.randrange(items), rng.randrange(items)
        if values[give] > 0 and values[take] < top and give != take:
            values[give] -= 1
            values[take] += 1
    return tuple(values)


@dataclass(frozen=True)
class Series:
    """Target totals per attended session, before they are spread over the items."""

    alliance: list[int]
    phq9: list[int]
    gad7: list[int]
    ruptures: dict[int, str]  # attended index -> what the client wrote
    repairs: frozenset[int] = frozenset()


def checks_from(rng: random.Random, series: Series) -> list[Check]:
    checks = []
    for t, (a, p, g) in enumerate(zip(series.alliance, series.phq9, series.gad7, strict=True)):
        if t in series.ruptures:
            comment = series.ruptures[t]
        elif t in series.repairs:
            comment = rng.choice(REPAIR_COMMENTS)
        else:
            comment = rng.choice(EVERYDAY_COMMENTS)
        checks.append(
            Check(
                alliance=spread(rng, a, 4, 10),
                felt_off=t in series.ruptures,
                comment=comment,
                # q9 stays 0: the safety answers are placed deliberately (with_safety_item).
                phq9=(*spread(rng, p, 8, 3), 0),
                gad7=spread(rng, g, 7, 3),
            )
        )
    return checks


def with_safety_item(check: Check, answer: int) -> Check:
    """The same check with PHQ-9 item 9 (thoughts of self-harm) answered above 0."""
    return Check(
        check.alliance, check.felt_off, check.comment, (*check.phq9[:8], answer), check.gad7
    )


def _line(rng: random.Random, start: float, end: float, m: int, noise: int = 1) -> list[int]:
    """A straight line from start to end over m sessions, with a little noise."""
    step = (end - start) / max(1, m - 1)
    return [round(start + step * t) + rng.randint(-noise, noise) for t in range(m)]


def _clamp(values: list[int], low: int, high: int) -> list[int]:
    return [max(low, min(high, v)) for v in values]


def _rupture_at(rng: random.Random, m: int) -> int:
    """A session in the middle of the work, leaving at least one session after it."""
    return rng.randint(2, m - 2)


def improving(rng: random.Random, m: int) -> Series:
    return Series(
        alliance=_clamp(_line(rng, rng.randint(29, 33), rng.randint(34, 37), m), 0, 40),
        phq9=_clamp(_line(rng, rng.randint(15, 19), rng.randint(4, 8), m), 0, 24),
        gad7=_clamp(_line(rng, rng.randint(11, 16), rng.randint(3, 7), m), 0, 21),
        ruptures={},
    )


def flat(rng: random.Random, m: int) -> Series:
    phq, gad, alliance = rng.randint(11, 14), rng.randint(8, 12), rng.randint(30, 34)
    return Series(
        alliance=_clamp(_line(rng, alliance, alliance, m), 0, 40),
        phq9=_clamp(_line(rng, phq, phq, m), 0, 24),
        gad7=_clamp(_line(rng, gad, gad, m), 0, 21),
        ruptures={},
    )


def deteriorating(rng: random.Random, m: int) -> Series:
    """PHQ-9 rises by at least 6 from the first session to the last (reliable deterioration)."""
    start = rng.randint(8, 11)
    phq9 = _clamp(_line(rng, start, start + rng.randint(8, 10), m), 0, 24)
    phq9[0], phq9[-1] = start, max(phq9[-1], start + 7)
    return Series(
        alliance=_clamp(_line(rng, rng.randint(31, 34), rng.randint(26, 29), m), 0, 40),
        phq9=phq9,
        gad7=_clamp(_line(rng, rng.randint(7, 10), rng.randint(13, 16), m), 0, 21),
        ruptures={},
    )


def ceiling_drop(rng: random.Random, m: int) -> Series:
    """Always 39-40, except one sharp drop that a fixed cut-off would barely notice. Only
    some of these clients also say that something felt off."""
    alliance = [rng.choice((39, 40, 40)) for _ in range(m)]
    drop = _rupture_at(rng, m)
    alliance[drop] = rng.randint(29, 32)
    said = rng.random() < 0.5
    return Series(
        alliance=alliance,
        phq9=_clamp(_line(rng, rng.randint(10, 14), rng.randint(6, 9), m), 0, 24),
        gad7=_clamp(_line(rng, rng.randint(8, 11), rng.randint(5, 8), m), 0, 21),
        ruptures={drop: rng.choice(RUPTURE_COMMENTS)} if said else {},
    )


def always_low(rng: random.Random, m: int) -> Series:
    """Steadily 22-26: their usual, not a rupture."""
    base = rng.randint(23, 25)
    return Series(
        alliance=_clamp(_line(rng, base, base, m), 22, 26),
        phq9=_clamp(_line(rng, rng.randint(11, 14), rng.randint(9, 12), m), 0, 24),
        gad7=_clamp(_line(rng, rng.randint(9, 12), rng.randint(8, 10), m), 0, 21),
        ruptures={},
    )


def rupture_repaired(rng: random.Random, m: int) -> Series:
    """A drop with 'something felt off', then back to the client's usual next time."""
    base = rng.randint(32, 36)
    alliance = _clamp(_line(rng, base, base, m), 0, 40)
    at = _rupture_at(rng, m)
    alliance[at] = base - rng.randint(8, 12)
    alliance[at + 1] = min(40, base + rng.randint(0, 2))
    return Series(
        alliance=alliance,
        phq9=_clamp(_line(rng, rng.randint(13, 17), rng.randint(6, 9), m), 0, 24),
        gad7=_clamp(_line(rng, rng.randint(10, 14), rng.randint(5, 8), m), 0, 21),
        ruptures={at: rng.choice(RUPTURE_COMMENTS)},
        repairs=frozenset({at + 1}),
    )


def rupture_unrepaired(rng: random.Random, m: int) -> Series:
    """A drop with 'something felt off', and the alliance stays down afterwards."""
    base = rng.randint(32, 35)
    at = _rupture_at(rng, m)
    before = _line(rng, base, base, at)
    after = _line(rng, base - 8, base - 6, m - at)
    return Series(
        alliance=_clamp(before + after, 0, 40),
        phq9=_clamp(_line(rng, rng.randint(12, 15), rng.randint(12, 16), m), 0, 24),
        gad7=_clamp(_line(rng, rng.randint(9, 12), rng.randint(9, 13), m), 0, 21),
        ruptures={at: rng.choice(RUPTURE_COMMENTS)},
    )


Story = Callable[[random.Random, int], Series]

# How many of the individual clients follow each story, and the fewest attended sessions the
# story needs to show its shape.
INDIVIDUAL_STORIES: dict[str, tuple[Story, int, int]] = {
    "improving": (improving, 17, 3),
    "flat": (flat, 11, 3),
    "deteriorating": (deteriorating, 5, 4),
    "ceiling_drop": (ceiling_drop, 5, 4),
    "always_low": (always_low, 5, 3),
    "rupture_repaired": (rupture_repaired, 7, 4),
    "rupture_unrepaired": (rupture_unrepaired, 5, 4),
}


def couple_split(rng: random.Random, m: int) -> tuple[Series, Series]:
    """The seed article's couple: the therapist pushed too fast. Partner A's alliance holds;
    Partner B's drops after session 4 and stays down (a split alliance)."""
    steady = Series(
        alliance=_clamp(_line(rng, 34, 35, m), 0, 40),
        phq9=_clamp(_line(rng, 9, 7, m), 0, 24),
        gad7=_clamp(_line(rng, 8, 6, m), 0, 21),
        ruptures={},
    )
    pushed = Series(
        alliance=_clamp(_line(rng, 34, 34, 4) + _line(rng, 24, 26, m - 4), 0, 40),
        phq9=_clamp(_line(rng, 9, 13, m), 0, 24),
        gad7=_clamp(_line(rng, 9, 13, m), 0, 21),
        ruptures={
            4: "I felt pushed to talk about things in front of my partner before I was ready.",
            5: "It still feels like we are going faster than I can.",
        },
    )
    return steady, pushed


def family_rupture_repaired(rng: random.Random, m: int) -> tuple[Series, Series, Series]:
    """Two parents who rate steadily, and a young person with a rupture that is repaired."""
    parent = Series(
        alliance=_clamp(_line(rng, 33, 35, m), 0, 40),
        phq9=_clamp(_line(rng, 7, 5, m), 0, 24),
        gad7=_clamp(_line(rng, 9, 6, m), 0, 21),
        ruptures={},
    )
    other_parent = Series(
        alliance=_clamp(_line(rng, 30, 34, m), 0, 40),
        phq9=_clamp(_line(rng, 10, 6, m), 0, 24),
        gad7=_clamp(_line(rng, 11, 7, m), 0, 21),
        ruptures={},
    )
    young = _clamp(_line(rng, 27, 30, m), 0, 40)
    young[3] = 18
    young[4] = 29
    young_person = Series(
        alliance=young,
        phq9=_clamp(_line(rng, 14, 9, m), 0, 24),
        gad7=_clamp(_line(rng, 13, 9, m), 0, 21),
        ruptures={3: "It felt like everyone was talking about me, not to me."},
        repairs=frozenset({4}),
    )
    return parent, other_parent, young_person
