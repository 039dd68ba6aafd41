"""One measure's questions as HTML, for the client's check form.

A blank measure (nothing answered yet, no error) comes out the same for every client, so it is
rendered once per definition in each server process and reused: rendering the questions was
most of the form's time (about a thousand template lookups for the three shipped measures;
benchmarks/load.py). A form that comes back with answers or errors is rendered afresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from reattune.checks.form_view_model import FormMeasure
    from reattune.measures.definitions import MeasureDefinition

TEMPLATE = "checks/_measure_fields.html"
# Keyed by the definition object's id, holding the object so the id cannot be reused while the
# entry lives. Definitions are loaded once per process, so this stays as small as the registry;
# the cap only guards against a registry that is reloaded again and again.
_BLANK: dict[int, tuple[MeasureDefinition, SafeString]] = {}
MAX_BLANK = 256


def measure_fields_html(measure: FormMeasure) -> SafeString:
    if any(f.value or f.error for f in measure.items):
        return _render(measure)
    definition = measure.definition
    hit = _BLANK.get(id(definition))
    if hit is None or hit[0] is not definition:
        if len(_BLANK) >= MAX_BLANK:
            _BLANK.clear()
        hit = _BLANK[id(definition)] = (definition, _render(measure))
    return hit[1]


def _render(measure: FormMeasure) -> SafeString:
    # render_to_string escapes every value itself; the result is markup.
    return mark_safe(render_to_string(TEMPLATE, {"m": measure}))
