"""The clinic admin's choice of codes of ethics and laws: one checkbox per loaded code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms.boundfield import BoundWidget

from reattune.clinics.models import Clinic, User
from reattune.ethics.definitions import EthicsCode
from reattune.ethics.models import ClinicEthics, chosen_ids
from reattune.ethics.services import clinic_ethics_set

UNKNOWN_CODE = (
    "Reattune has no code of ethics or law with the id “%(value)s”. "
    "Reload the page and choose from the list."
)
NOT_A_LIST = "Please choose codes and laws with the checkboxes on this page."
GROUPS = (("code", "codes", "Codes of ethics"), ("law", "laws", "Laws where you work"))


@dataclass(frozen=True)
class CodeRow:
    code: EthicsCode
    box: BoundWidget  # this code's checkbox in the code_ids field


@dataclass(frozen=True)
class CodeGroup:
    slug: str
    heading: str
    rows: list[CodeRow]


class ClinicEthicsForm(forms.Form):
    """Choices are the ids this installation has loaded, so a posted id can only name a code
    that exists; the clinic comes from the view, never from the posted data."""

    code_ids = forms.MultipleChoiceField(
        label="Codes and laws your clinic follows",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": UNKNOWN_CODE, "invalid_list": NOT_A_LIST},
    )

    def __init__(self, data: Any = None, *, clinic: Clinic, codes: Iterable[EthicsCode]) -> None:
        self.clinic = clinic
        self.codes = sorted(codes, key=lambda c: (c.type != "code", c.title.lower()))
        loaded = {c.id for c in self.codes}
        chosen = chosen_ids(clinic.pk)
        # Ids whose file is gone: the page says so, and saving drops them.
        self.missing = [i for i in chosen if i not in loaded]
        super().__init__(data, initial={"code_ids": [i for i in chosen if i in loaded]})
        field = self.fields["code_ids"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(c.id, c.title) for c in self.codes]

    def groups(self) -> list[CodeGroup]:
        """Codes of ethics, then laws, each code beside its own checkbox."""
        boxes = {box.data["value"]: box for box in self["code_ids"]}
        return [
            CodeGroup(slug, heading, [CodeRow(c, boxes[c.id]) for c in self.codes if c.type == t])
            for t, slug, heading in GROUPS
        ]

    def save(self, *, by: User) -> ClinicEthics:
        return clinic_ethics_set(clinic=self.clinic, code_ids=self.cleaned_data["code_ids"], by=by)
