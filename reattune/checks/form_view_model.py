"""What the client's check form shows: each measure's items with the field name, the answer
given so far (kept when the form comes back with a problem) and any error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from reattune.measures.definitions import Item, MeasureDefinition


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class FormItem:
    item: Item
    name: str
    value: str
    error: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class FormMeasure:
    definition: MeasureDefinition
    items: tuple[FormItem, ...]

    @property
    def html(self) -> SafeString:
        from reattune.checks.form_render import measure_fields_html

        return measure_fields_html(self)


def form_measures(
    definitions: Sequence[MeasureDefinition], answers: Mapping[str, Any], errors: Mapping[str, str]
) -> list[FormMeasure]:
    return [
        FormMeasure(
            definition=d,
            items=tuple(_form_item(d, item, answers, errors) for item in d.items),
        )
        for d in definitions
    ]


def _form_item(
    definition: MeasureDefinition, item: Item, answers: Mapping[str, Any], errors: Mapping[str, str]
) -> FormItem:
    name = f"{definition.id}-{item.id}"
    value = str(answers.get(name, ""))[: item.max_length + 1000]
    if item.type == "choice":
        pairs = [(str(o.value), o.label) for o in item.options]
    elif item.type == "scale":
        pairs = [(str(v), str(v)) for v in item.values]
    elif item.type == "yes_no":
        pairs = [("yes", "Yes"), ("no", "No")]
    else:
        pairs = []
    return FormItem(
        item=item,
        name=name,
        value=value,
        error=errors.get(name, ""),
        choices=tuple(Choice(v, label, v == value) for v, label in pairs),
    )
