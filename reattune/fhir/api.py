"""The FHIR endpoints under the JSON API (api/v1/fhir/); mounted by reattune/api/urls.py."""

from ninja import Router

router = Router(tags=["FHIR"])
