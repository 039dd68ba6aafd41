"""The client page's charts: one per measure, sessions along the bottom, each with a table
holding the same numbers for screen readers and printing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from reattune.alerts.models import Alert
from reattune.checks.models import Response
from reattune.lib.charts import Marker, ReferenceLine, Series, line_chart
from reattune.measures.definitions import MeasureDefinition
from reattune.measures.registry import all_definitions


@dataclass(frozen=True)
class MeasureChart:
    definition: MeasureDefinition
    svg: SafeString
    rows: Sequence[Response]


def client_charts(responses: Sequence[Response], alerts: Iterable[Alert]) -> list[MeasureChart]:
    """Outcome measures first, then the alliance check; one line per case the client is in."""
    definitions = all_definitions()
    by_measure: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        if response.measure_id in definitions:
            by_measure[response.measure_id].append(response)
    alert_sessions: dict[str, set[int]] = defaultdict(set)
    for alert in alerts:
        if alert.response is not None:
            alert_sessions[alert.response.measure_id].add(alert.session.number)
    charts = []
    ordered = sorted(by_measure, key=lambda m: (definitions[m].kind == "alliance", m))
    for measure_id in ordered:
        definition = definitions[measure_id]
        rows = by_measure[measure_id]
        charts.append(
            MeasureChart(
                definition=definition,
                svg=mark_safe(_chart(definition, rows, alert_sessions)),
                rows=rows,
            )
        )
    return charts


def _chart(
    definition: MeasureDefinition, rows: Sequence[Response], alert_sessions: dict[str, set[int]]
) -> str:
    by_case: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for response in rows:
        by_case[response.session.case_id].append((response.session.number, float(response.total)))
    several = len(by_case) > 1
    series = [
        Series(
            label=f"{definition.short_title}, case {case_id}"
            if several
            else definition.short_title,
            points=sorted(points),
        )
        for case_id, points in sorted(by_case.items())
    ]
    cutoff = definition.cutoff
    references = (
        [ReferenceLine(value=cutoff.value, label=f"Clinical cut-off {cutoff.value:g}")]
        if cutoff
        else []
    )
    markers = [Marker(x=n, label="Alert") for n in sorted(alert_sessions.get(definition.id, set()))]
    direction = "higher is better" if definition.higher_is_better else "higher is worse"
    return line_chart(
        title=f"{definition.short_title} over sessions ({direction})",
        series=series,
        y_min=definition.min_total,
        y_max=definition.max_total,
        y_label=definition.short_title,
        reference_lines=references,
        markers=markers,
    )
