"""Which obligations apply to a mistake. Plain Python: the repairs app calls it with the
clinic's chosen codes (reattune.ethics.models.clinic_codes) and the record's kind and harm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reattune.ethics.definitions import EthicsCode, ObligationRule
from reattune.ethics.vocabulary import HARMS, KINDS

UNKNOWN_KIND = "Unknown kind of mistake {kind!r}; known: {known}"
UNKNOWN_HARM = "Unknown harm grade {harm!r}; known: {known}"


def obligations_for(codes: Iterable[EthicsCode], kind: str, harm: str) -> list[ObligationRule]:
    """Every obligation in `codes` that applies to a mistake of this kind and harm grade, in a
    stable order: by code id, then in the order the code's file lists them. A code given twice
    counts once.

    An unknown kind or harm raises ValueError: a misspelt kind must not quietly mean "nothing
    is owed". Each obligation names its published source in `standard` and its code's file.
    """
    if kind not in KINDS:
        raise ValueError(UNKNOWN_KIND.format(kind=kind, known=", ".join(KINDS)))
    if harm not in HARMS:
        raise ValueError(UNKNOWN_HARM.format(harm=harm, known=", ".join(HARMS)))
    by_id = {code.id: code for code in codes}
    return [
        rule
        for code_id in sorted(by_id)
        for rule in by_id[code_id].obligations
        if rule.applies_to(kind, harm)
    ]


def due_on(rule: ObligationRule, discovered_on: dt.date) -> dt.date:
    """The date an obligation is due: `due_days` after the day the mistake was discovered."""
    return discovered_on + dt.timedelta(days=rule.due_days)
