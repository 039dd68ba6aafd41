"""The clinic admin's schedule form: which measures run, how often, and in what order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction

from reattune.clinics.models import Clinic
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.models import MeasureSchedule

MAX_EVERY_N = 52
EVERY_N_ERROR = f"Every N sessions must be a whole number from 1 to {MAX_EVERY_N}."
MAX_ORDER = 99
ORDER_ERROR = f"Order must be a whole number from 1 to {MAX_ORDER}."


def schedule_of(clinic: Clinic) -> dict[str, MeasureSchedule]:
    """The clinic's schedule rows by measure id: the one place schedule rows are looked up, so
    a page can only ever show or change the viewer's own clinic's rows."""
    return {s.measure_id: s for s in MeasureSchedule.objects.filter(clinic=clinic)}


def _whole_number(label: str, maximum: int, message: str, **kwargs: Any) -> forms.IntegerField:
    errors = {key: message for key in ("required", "invalid", "min_value", "max_value")}
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=maximum,
        error_messages=errors,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


@dataclass(frozen=True)
class ScheduleRow:
    """One measure's three fields, for the template."""

    definition: MeasureDefinition
    runs: forms.BoundField
    every: forms.BoundField
    order: forms.BoundField


class ScheduleForm(forms.Form):
    """One set of fields per loaded measure. Fields are named after the measure ids the
    installation has loaded, so nothing in the posted data can name another measure or clinic."""

    def __init__(
        self, data: Any = None, *, clinic: Clinic, definitions: Iterable[MeasureDefinition]
    ) -> None:
        super().__init__(data)
        self.clinic = clinic
        self.schedule = schedule_of(clinic)
        self.definitions = sorted(definitions, key=self._shown_order)
        for n, definition in enumerate(self.definitions, start=1):
            row = self.schedule.get(definition.id)
            self.fields[f"{definition.id}-runs"] = forms.BooleanField(
                label="Runs at this clinic", required=False, initial=bool(row and row.active)
            )
            self.fields[f"{definition.id}-every"] = _whole_number(
                "Every N sessions",
                MAX_EVERY_N,
                EVERY_N_ERROR,
                initial=row.every_n_sessions if row else 1,
                help_text="1 means after every session; 4 means sessions 1, 5, 9 and so on.",
            )
            self.fields[f"{definition.id}-order"] = _whole_number(
                "Order", MAX_ORDER, ORDER_ERROR, initial=n, help_text="1 is asked first."
            )

    def _shown_order(self, definition: MeasureDefinition) -> tuple[bool, int, str]:
        """Running measures first in the clinic's order, then the rest by title."""
        row = self.schedule.get(definition.id)
        running = bool(row and row.active)
        return (not running, row.position if row else 0, definition.title.lower())

    def rows(self) -> list[ScheduleRow]:
        return [
            ScheduleRow(d, self[f"{d.id}-runs"], self[f"{d.id}-every"], self[f"{d.id}-order"])
            for d in self.definitions
        ]

    @transaction.atomic
    def save(self) -> list[MeasureSchedule]:
        """Store every measure's row for this form's clinic, positions renumbered from 0 in the
        chosen order (ties keep the order shown on the page)."""
        data = self.cleaned_data
        ordered = sorted(self.definitions, key=lambda d: data[f"{d.id}-order"])
        saved = []
        for position, definition in enumerate(ordered):
            row = self.schedule.get(definition.id) or MeasureSchedule(
                clinic=self.clinic, measure_id=definition.id
            )
            row.active = data[f"{definition.id}-runs"]
            row.every_n_sessions = data[f"{definition.id}-every"]
            row.position = position
            row.full_clean()
            row.save()
            saved.append(row)
        return saved
