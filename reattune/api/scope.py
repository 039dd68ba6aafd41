"""The one place the API decides what a token may reach: everything of its own clinic, as a
clinic admin sees it, and nothing of another clinic. An id of another clinic is a 404, the same
answer as an id that does not exist, so a token learns nothing about other clinics."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from reattune.alerts.models import Alert
from reattune.api.errors import not_found
from reattune.api.models import ApiToken
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.checks.models import Response
from reattune.repairs.models import Repair

M = TypeVar("M", bound=Model)

# The path from each model to its clinic.
CLINIC_PATH: dict[type[Model], str] = {
    Client: "clinic_id",
    Case: "clinic_id",
    Participant: "case__clinic_id",
    TherapySession: "case__clinic_id",
    Response: "clinic_id",
    Alert: "clinic_id",
    Repair: "clinic_id",
}


def for_token(model: type[M], token: ApiToken) -> QuerySet[M]:
    """Every row of `model` this token may reach."""
    return model._default_manager.filter(**{CLINIC_PATH[model]: token.clinic_id})


def get_for_token(queryset: QuerySet[M], pk: int, thing: str, token: ApiToken) -> M:
    """One row of the token's clinic, or the API's 404."""
    found = queryset.filter(pk=pk, **{CLINIC_PATH[queryset.model]: token.clinic_id}).first()
    if found is None:
        raise not_found(thing)
    return found
