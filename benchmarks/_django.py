"""What the benchmarks that load Django share: setting it up against a chosen database, and
answers for the shipped measures that a client could have given. All data is synthetic."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_setup(database_url: str, data_dir: Path) -> None:
    """Point Reattune at this database and data folder (its secret key and encryption keys live
    there, so a server started with the same folder accepts our check links and sessions)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["REATTUNE_DATABASE_URL"] = database_url
    os.environ["REATTUNE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def typical_answers(definition: Any, rng: random.Random, level: float = 0.35) -> dict[str, Any]:
    """Typed answers for every item: choices and scales around `level` of their range (0 is the
    best end for symptom scales), safety items mostly at zero, free text empty."""
    answers: dict[str, Any] = {}
    better_high = definition.higher_is_better
    for item in definition.items:
        if item.type in ("choice", "scale"):
            values = sorted(item.values)
            if item.is_safety:
                answers[item.id] = values[0] if rng.random() > 0.03 else values[1]
                continue
            where = 1 - level if better_high else level
            spot = min(max(where + rng.gauss(0, 0.15), 0.0), 1.0)
            answers[item.id] = values[round(spot * (len(values) - 1))]
        elif item.type == "yes_no":
            answers[item.id] = "yes" if rng.random() < 0.03 else "no"
    return answers


def form_fields(definition: Any, answers: dict[str, Any]) -> dict[str, str]:
    """The same answers as the check form posts them: '<measure>-<item>' = text."""
    fields = {f"{definition.id}-{item.id}": "" for item in definition.items}
    fields.update({f"{definition.id}-{k}": str(v) for k, v in answers.items()})
    return fields
