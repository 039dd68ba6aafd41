"""FHIR's error shape, the OperationOutcome, and the exception that carries one.

The FHIR endpoints answer every problem they find themselves with an OperationOutcome (not
the JSON API's error shape): a record system that speaks FHIR knows how to read and log it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class Issue:
    """One problem. `code` is FHIR's issue type (invalid, structure, not-found, not-supported,
    duplicate, business-rule, required, value); `expression` points into the submitted resource
    (FHIRPath, e.g. QuestionnaireResponse.item[2].answer[0])."""

    code: str
    diagnostics: str
    expression: str = ""
    severity: str = "error"


class FhirProblem(Exception):
    """Raise under the FHIR endpoints to answer with an OperationOutcome and this status."""

    def __init__(self, status: int, *issues: Issue) -> None:
        assert issues, "an OperationOutcome needs at least one issue"
        self.status = status
        self.issues = issues
        super().__init__("; ".join(issue.diagnostics for issue in issues))


def problem(status: int, code: str, diagnostics: str, expression: str = "") -> FhirProblem:
    return FhirProblem(status, Issue(code=code, diagnostics=diagnostics, expression=expression))


def operation_outcome(issues: tuple[Issue, ...] | list[Issue]) -> JSON:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": issue.severity,
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
