"""The CapabilityStatement at api/v1/fhir/metadata: what a record system may ask of this server."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from reattune.fhir import codes


def _software_version() -> str:
    try:
        return version("reattune")
    except PackageNotFoundError:
        return "unknown"


def capability_statement(request: HttpRequest) -> dict[str, Any]:
    base = request.build_absolute_uri(request.path).rsplit("/metadata", 1)[0]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Reattune",
        "kind": "instance",
        "software": {"name": "Reattune", "version": _software_version()},
        "implementation": {
            "description": "Reattune: measures as Questionnaires, answers as "
            "QuestionnaireResponses, totals as Observations.",
            "url": base,
        },
        "fhirVersion": codes.FHIR_VERSION,
        "format": [codes.FHIR_MIME, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Send 'Authorization: Bearer <token>' with a clinic's API "
                    "token: the read scope to read, the write scope to submit."
                },
                "resource": [
                    {
                        "type": "Questionnaire",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [{"name": "url", "type": "uri"}],
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "interaction": [{"code": "read"}, {"code": "create"}],
                    },
                    {"type": "Observation", "interaction": [{"code": "read"}]},
                ],
            }
        ],
    }
