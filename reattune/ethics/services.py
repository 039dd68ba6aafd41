"""Changing a clinic's choice of codes: one function, used by the settings page and by anything
that sets a clinic up (the demo, a management command)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from reattune.clinics.models import Clinic, User
from reattune.ethics.models import ClinicEthics


@transaction.atomic
def clinic_ethics_set(*, clinic: Clinic, code_ids: Iterable[str], by: User | None) -> ClinicEthics:
    """Store the codes `clinic` follows (ids of loaded codes, kept sorted and once each)."""
    row, _ = ClinicEthics.objects.select_for_update().get_or_create(clinic=clinic)
    row.code_ids = sorted(set(code_ids))
    row.updated_by = by
    row.full_clean()
    row.save()
    return row
