"""Removing the demo clinic and everything in it, for `reattune demo --reset`.

Most of Reattune's foreign keys are PROTECT (records are never lost by accident), so the rows
have to go in an order where nothing still points at them: alerts before answers, answers before
links, links before sessions and cases, cases before clients and people. Rather than keep that
order by hand while apps are added, every model with a foreign key to the clinic is tried in
turn, each in its own savepoint, until all are empty; whatever hangs off those rows by CASCADE
goes with them. Only rows of the demo clinic are touched.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from reattune.clinics.models import Clinic

CANNOT_DELETE = (
    "Could not delete the demo clinic's {models}: other rows still point at them. "
    "Start afresh with an empty data folder instead (REATTUNE_DATA_DIR=…)."
)


def _clinic_scoped() -> list[tuple[type[models.Model], str]]:
    """Each model with a foreign key to Clinic, and that key's name."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.many_to_one and f.related_model is Clinic:
                found.append((model, f.name))
                break
    return found


@transaction.atomic
def clinic_delete_everything(clinic: Clinic) -> None:
    """Delete every row that belongs to this clinic, then the clinic itself."""
    pending = _clinic_scoped()
    while pending:
        blocked = []
        for model, key in pending:
            try:
                with transaction.atomic():
                    model._base_manager.filter(**{key: clinic}).delete()
            except (ProtectedError, RestrictedError):
                blocked.append((model, key))
        if len(blocked) == len(pending):
            names = ", ".join(str(m._meta.verbose_name_plural) for m, _ in blocked)
            raise ProtectedError(CANNOT_DELETE.format(models=names), set())
        pending = blocked
    clinic.delete()
