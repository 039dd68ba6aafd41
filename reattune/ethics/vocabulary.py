"""The words a repair record and an ethics file share: the kinds of mistake, the harm grades
and who does an obligation. Plain Python (no Django), so the ethics file parser and the
repairs app use one list.

Kinds follow the issue's list, with alliance ruptures split into the 3RS marker types later
(withdrawal, confrontation) on the record itself. Harm grades follow the AHRQ Common Formats'
harm scale: an unsafe condition (nothing reached the client), a near miss (it nearly did),
reached the client with no harm, or harm that was mild, moderate or severe.
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "alliance_rupture": "Alliance rupture",
    "clinical_error": "Clinical error",
    "boundary": "Boundary issue",
    "confidentiality": "Confidentiality or privacy",
    "safety": "Safety or risk",
    "administrative": "Administrative",
}

HARMS: dict[str, str] = {
    "unsafe_condition": "Unsafe condition (nothing reached the client)",
    "near_miss": "Near miss (it nearly reached the client)",
    "no_harm": "Reached the client, no harm",
    "harm_mild": "Harm: mild",
    "harm_moderate": "Harm: moderate",
    "harm_severe": "Harm: severe",
}
HARMED = ("harm_mild", "harm_moderate", "harm_severe")
REACHED_CLIENT = ("no_harm", *HARMED)

WHO: dict[str, str] = {
    "clinician": "The clinician",
    "supervisor": "The clinician's supervisor",
    "admin": "The clinic admin (or privacy officer)",
}

# Shorthands an ethics file may use in `harms = [...]`, expanded by the parser.
HARM_GROUPS: dict[str, tuple[str, ...]] = {
    "any": tuple(HARMS),
    "reached_client": REACHED_CLIENT,
    "harm": HARMED,
}
