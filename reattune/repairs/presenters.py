"""What the repair pages show, gathered in one place so the templates stay simple."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from reattune.alerts.models import Alert
from reattune.detection.repair import RULE
from reattune.lib.charts import Marker, ReferenceLine, Series, line_chart
from reattune.measures.registry import all_definitions
from reattune.repairs.models import (
    Disclosure,
    Obligation,
    Repair,
    RepairConversation,
    RepairEvent,
    RepairPlan,
    RepairStatus,
    RepairVersion,
)
from reattune.repairs.steps import BY_KEY, MARKER_HINTS
from reattune.repairs.verification import verdicts_for

ALLIANCE_SIGNALS = {"alliance_rupture", "split_alliance", "repair_not_held", "disengagement"}
NOT_LEGAL_ADVICE = (
    "Reattune guides and records; it is not legal advice. The obligations come from the codes "
    "and law your clinic admin chose; check the current text and ask your professional body or "
    "a lawyer when in doubt."
)


def kind_for_signal(signal: str) -> str:
    """The kind of mistake an alert most likely points to; the clinician can change it."""
    if signal in ALLIANCE_SIGNALS:
        return "alliance_rupture"
    if signal == "safety":
        return "safety"
    return "clinical_error"


def alert_facts(alert: Alert) -> str:
    """The alert's facts, as a first draft of 'what happened' for the clinician to rewrite."""
    return (
        f"{alert.title} after session {alert.session.number} "
        f"({alert.session.date:%d %b %Y}). {alert.explanation}"
    )


@dataclass
class DisclosureThread:
    current: Disclosure
    earlier: list[Disclosure]


@dataclass
class RepairPage:
    repair: Repair
    version: RepairVersion
    versions: list[RepairVersion]
    plan: RepairPlan | None
    plans: list[RepairPlan]
    conversation: RepairConversation | None
    conversations: list[RepairConversation]
    disclosures: list[DisclosureThread]
    obligations: list[Obligation]
    events: list[RepairEvent]
    chart: str
    chart_rows: list[tuple[int, float]]
    today: dt.date
    marker_hint: str = ""
    rule: str = RULE
    not_legal_advice: str = NOT_LEGAL_ADVICE
    steps_taken: list[str] = field(default_factory=list)

    @property
    def outstanding(self) -> list[Obligation]:
        return [o for o in self.obligations if not o.is_done]

    @property
    def overdue(self) -> list[Obligation]:
        return [o for o in self.obligations if o.is_overdue(self.today)]

    @property
    def waiting_until(self) -> int:
        from reattune.detection.frame import Parameters

        return self.repair.verify_after + Parameters().repair_window

    @classmethod
    def build(cls, repair: Repair) -> RepairPage:
        versions = list(repair.versions.select_related("session", "recorded_by"))
        plans = list(repair.plans.select_related("recorded_by"))
        conversations = list(repair.conversations.select_related("session", "recorded_by"))
        by_thread: dict[int, list[Disclosure]] = {}
        for d in repair.disclosures.select_related("told_by", "recorded_by"):
            by_thread.setdefault(d.thread, []).append(d)
        threads = [
            DisclosureThread(current=rows[-1], earlier=rows[:-1]) for rows in by_thread.values()
        ]
        conversation = conversations[-1] if conversations else None
        chart, rows = _chart(repair, versions[-1], conversation)
        return cls(
            repair=repair,
            version=versions[-1],
            versions=versions,
            plan=plans[-1] if plans else None,
            plans=plans,
            conversation=conversation,
            conversations=conversations,
            disclosures=threads,
            obligations=list(repair.obligations.select_related("assignee", "done_by")),
            events=list(repair.events.select_related("by")),
            chart=chart,
            chart_rows=rows,
            today=timezone.localdate(),
            marker_hint=MARKER_HINTS.get(versions[-1].marker, ""),
            steps_taken=[
                BY_KEY[k].title
                for k in (conversation.steps_taken if conversation else [])
                if k in BY_KEY
            ],
        )


def _chart(
    repair: Repair, version: RepairVersion, conversation: RepairConversation | None
) -> tuple[str, list[tuple[int, float]]]:
    """The participant's alliance totals with the mistake, the repair and the deciding check
    marked: before and after on one small chart."""
    verdict = next(iter(verdicts_for(repair.case, [repair])), None)
    points = list(verdict[1].points) if verdict else []
    if not points:
        return "", []
    definition = all_definitions().get("alliance")
    markers = [Marker(version.session.number, "The mistake")]
    if conversation is not None and conversation.session.number != version.session.number:
        markers.append(Marker(conversation.session.number, "The repair"))
    lines = []
    if repair.baseline is not None:
        lines.append(ReferenceLine(repair.baseline, "Their usual level"))
    verdict_words = {
        RepairStatus.HELD: "held",
        RepairStatus.NOT_HELD: "did not hold",
    }.get(repair.status, "")  # type: ignore[call-overload]
    title = f"Alliance check, {repair.client.code}" + (
        f": the repair {verdict_words}" if verdict_words else ""
    )
    svg = line_chart(
        title=title,
        series=[Series(label="Alliance check total", points=points)],
        y_min=float(definition.min_total) if definition else 0.0,
        y_max=float(definition.max_total) if definition else 40.0,
        y_label="Alliance (higher is better)",
        reference_lines=lines,
        markers=markers,
        width=520,
        height=220,
    )
    return svg, points
