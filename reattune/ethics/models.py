"""Which codes of ethics and laws a clinic follows. The codes themselves are files (codes/*.toml
and REATTUNE_ETHICS_DIR); a clinic's row only names them by id."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from reattune.ethics.definitions import EthicsCode
from reattune.ethics.registry import all_codes

NOT_A_LIST = "The chosen codes must be a list of code ids."
NOT_LOADED = "This installation has no code or law with the id {ids}."


class ClinicEthics(models.Model):
    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.CASCADE, related_name="ethics")
    code_ids = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "clinic's codes of ethics and laws"
        verbose_name_plural = "clinics' codes of ethics and laws"

    def __str__(self) -> str:
        return ", ".join(self.code_ids) or "no codes chosen"

    def clean(self) -> None:
        if not isinstance(self.code_ids, list) or not all(
            isinstance(i, str) for i in self.code_ids
        ):
            raise ValidationError({"code_ids": NOT_A_LIST})
        if missing := [i for i in self.code_ids if i not in all_codes()]:
            raise ValidationError({"code_ids": NOT_LOADED.format(ids=", ".join(missing))})


def chosen_ids(clinic_id: int) -> list[str]:
    """The ids the clinic chose, including any whose file this installation no longer loads."""
    row = ClinicEthics.objects.filter(clinic_id=clinic_id).first()
    return list(row.code_ids) if row else []


def clinic_codes(clinic_id: int) -> list[EthicsCode]:
    """The clinic's chosen codes that are loaded, by id. An id whose file is gone is skipped,
    so removing a clinic's own file never breaks recording a mistake."""
    loaded = all_codes()
    return [loaded[i] for i in sorted(set(chosen_ids(clinic_id))) if i in loaded]
