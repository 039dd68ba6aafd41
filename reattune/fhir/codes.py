"""The addresses and codes Reattune's FHIR resources use: its own canonical namespace, and the
LOINC codes of the shipped measures where LOINC has them.

LOINC codes are listed only where LOINC defines that exact question or score (the PHQ-9 and
GAD-7 panels, their items, their totals and the PHQ answer lists). CORE-10 and the Reattune
post-session check have no LOINC codes, so their totals use Reattune's own code system.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The namespace of Reattune's canonical URLs and code systems. A canonical URL identifies a
# definition; it need not resolve. It is the same on every installation, so a record system
# that receives PHQ-9 answers from two clinics sees one Questionnaire, not two.
CANONICAL_BASE = "https://reattune.org/fhir"

FHIR_VERSION = "4.0.1"
FHIR_MIME = "application/fhir+json"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ENCOUNTER_CLASS = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ENTRY_FORMAT = "http://hl7.org/fhir/StructureDefinition/entryFormat"

# Reattune's own code systems.
SCORE_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/score"
CLIENT_CODE_SYSTEM = f"{CANONICAL_BASE}/NamingSystem/client-code"


def questionnaire_url(measure_id: str) -> str:
    return f"{CANONICAL_BASE}/Questionnaire/{measure_id}"


def answer_system(measure_id: str, item_id: str) -> str:
    """The code system of one item's answers (its option values as codes), for measures whose
    answers LOINC does not code."""
    return f"{CANONICAL_BASE}/CodeSystem/{measure_id}/{item_id}"


def client_code_system(clinic_slug: str) -> str:
    """A client's code is unique within its clinic, so the identifier system names the clinic."""
    return f"{CLIENT_CODE_SYSTEM}/{clinic_slug}"


@dataclass(frozen=True)
class Loinc:
    code: str
    display: str


@dataclass(frozen=True)
class MeasureCodes:
    """LOINC codes for one measure: the panel (Questionnaire.code), the total score
    (Observation.code), each item (by Reattune item id) and answer codes by option value."""

    panel: Loinc
    total: Loinc
    items: dict[str, Loinc] = field(default_factory=dict)
    answers: dict[str, dict[int, Loinc]] = field(default_factory=dict)


_FREQUENCY = {
    0: Loinc("LA6568-5", "Not at all"),
    1: Loinc("LA6569-3", "Several days"),
    2: Loinc("LA6570-1", "More than half the days"),
    3: Loinc("LA6571-9", "Nearly every day"),
}
_DIFFICULTY = {
    0: Loinc("LA6572-7", "Not difficult at all"),
    1: Loinc("LA6573-5", "Somewhat difficult"),
    2: Loinc("LA6575-0", "Very difficult"),
    3: Loinc("LA6574-3", "Extremely difficult"),
}

_PHQ9_ITEMS = (
    *("44250-9", "44255-8", "44259-0", "44254-1", "44251-7"),
    *("44258-2", "44252-5", "44253-3", "44260-8"),
)
_GAD7_ITEMS = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")

LOINC_CODES: dict[str, MeasureCodes] = {
    "phq9": MeasureCodes(
        panel=Loinc("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]"),
        total=Loinc("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
        items={
            **{f"q{n}": Loinc(code, "") for n, code in enumerate(_PHQ9_ITEMS, start=1)},
            "difficulty": Loinc("69722-7", ""),
        },
        answers={
            **{f"q{n}": _FREQUENCY for n in range(1, 10)},
            "difficulty": _DIFFICULTY,
        },
    ),
    "gad7": MeasureCodes(
        panel=Loinc("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        total=Loinc("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
        items={f"q{n}": Loinc(code, "") for n, code in enumerate(_GAD7_ITEMS, start=1)},
        answers={**{f"q{n}": _FREQUENCY for n in range(1, 8)}, "difficulty": _DIFFICULTY},
    ),
}
