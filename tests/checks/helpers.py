"""Answers for the shipped measures, as a client's browser would post them."""

from __future__ import annotations

from typing import Any

ALLIANCE_GOOD = {
    "alliance-respected": "9",
    "alliance-focus": "9",
    "alliance-approach": "8",
    "alliance-voice": "9",
    "alliance-felt_off": "no",
    "alliance-change": "",
}


def phq9(total_per_item: int = 1, q9: int = 0) -> dict[str, str]:
    answers = {f"phq9-q{n}": str(total_per_item) for n in range(1, 9)}
    answers["phq9-q9"] = str(q9)
    return answers


def gad7(per_item: int = 1) -> dict[str, str]:
    return {f"gad7-q{n}": str(per_item) for n in range(1, 8)}


def full_check(**overrides: Any) -> dict[str, str]:
    """Every measure a new clinic schedules (alliance, PHQ-9, GAD-7), answered."""
    answers = {**ALLIANCE_GOOD, **phq9(), **gad7()}
    answers.update({k.replace("__", "-"): str(v) for k, v in overrides.items()})
    return answers
