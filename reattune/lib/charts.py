"""Server-rendered SVG line charts of scores over sessions.

The page's Content-Security-Policy forbids inline `style=` and scripts, so everything is drawn with
presentation attributes (fill, stroke, font-size, …). Classes (`chart-series`, `chart-point`,
`chart-reference`, `chart-marker`, `chart-legend`) are hooks for the stylesheet and the tests.
The chart is built as an ElementTree so that the serialiser escapes every label a person typed,
rather than each call site remembering to. The page should offer the same numbers as a table.
"""

from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

EMPTY_MESSAGE = "No scores yet"
Y_RANGE_ERROR = "y_min must be below y_max and both must be finite"

# Okabe & Ito (2008), "Color Universal Design", keeping the colours with at least 3:1 contrast
# on white (WCAG 1.4.11); the dash patterns keep series apart without colour at all.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 4")

TEXT = "#333333"
AXIS = "#555555"
GRID = "#e6e6e6"
REFERENCE = "#6b6b6b"
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"

MAX_X_LABELS = 12
MAX_Y_TICKS = 9
LEGEND_ROW = 18
LEGEND_LABEL_CHARS = 32
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_BOTTOM = 52, 16, 40
MIN_PLOT_HEIGHT = 100

# What XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE, U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[int, float]]  # (session number, score)
    colour: str | None = None  # None: the palette colour for the series' position


@dataclass(frozen=True)
class ReferenceLine:
    value: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: int
    label: str


@dataclass(frozen=True)
class _Frame:
    """The plotting area in pixels and the data range it shows."""

    left: float
    top: float
    right: float
    bottom: float
    x_lo: float
    x_hi: float
    y_min: float
    y_max: float

    def x(self, session: float) -> float:
        share = (session - self.x_lo) / (self.x_hi - self.x_lo)
        return self.left + share * (self.right - self.left)

    def y(self, value: float) -> float:
        value = min(max(value, self.y_min), self.y_max)
        share = (value - self.y_min) / (self.y_max - self.y_min)
        return self.bottom - share * (self.bottom - self.top)


@dataclass(frozen=True)
class _LegendItem:
    label: str
    colour: str
    dash: str | None  # None: an event marker rather than a line
    x: float = 0
    y: float = 0


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    y_min: float,
    y_max: float,
    x_label: str = "Session",
    y_label: str = "Score",
    reference_lines: Sequence[ReferenceLine] = (),
    markers: Sequence[Marker] = (),
    width: int = 640,
    height: int = 260,
) -> str:
    """Scores per session as an accessible SVG string, or `empty_chart` when there are none.

    A session with no score breaks the line rather than joining its neighbours (non-finite
    values count as no score); values outside y_min..y_max are drawn on the nearer edge.
    """
    if not (math.isfinite(y_min) and math.isfinite(y_max) and y_min < y_max):
        raise ValueError(Y_RANGE_ERROR)
    plotted = [_plottable(s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series)]
    sessions = [x for s in plotted for x, _ in s.points]
    if not sessions:
        return empty_chart(title=title, width=width)

    legend, legend_height = _legend_layout(plotted, markers, width)
    top = legend_height + 10
    height = max(height, top + MIN_PLOT_HEIGHT + MARGIN_BOTTOM)
    all_x = sessions + [m.x for m in markers]
    frame = _Frame(
        left=MARGIN_LEFT,
        top=top,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
        x_lo=min(all_x) - 0.5,
        x_hi=max(all_x) + 0.5,
        y_min=y_min,
        y_max=y_max,
    )
    svg = _root(title, _describe(plotted, reference_lines, markers, x_label, y_label, frame))
    _set(svg, viewBox=f"0 0 {width} {height}", width=width, height=height)
    _draw_axes(svg, frame, x_label, y_label)
    for line in reference_lines:
        _draw_reference(svg, frame, line)
    for marker in markers:
        _draw_marker(svg, frame, marker, x_label)
    for index, one in enumerate(plotted):
        _draw_series(svg, frame, one, DASHES[index % len(DASHES)], x_label)
    _draw_legend(svg, legend)
    return ET.tostring(svg, encoding="unicode")


def empty_chart(*, title: str, message: str = EMPTY_MESSAGE, width: int = 640) -> str:
    """A short SVG saying there is nothing to plot, with the same accessible name as the chart."""
    height = 60
    svg = _root(title, message)
    _set(svg, viewBox=f"0 0 {width} {height}", width=width, height=height)
    text = _sub(svg, "text", message, x=width / 2, y=height / 2, text_anchor="middle")
    _set(text, dominant_baseline="middle", font_size=14, fill=TEXT)
    return ET.tostring(svg, encoding="unicode")


def _plottable(series: Series, default_colour: str) -> Series:
    points = sorted((int(x), float(v)) for x, v in series.points if math.isfinite(v))
    return Series(series.label, points, series.colour or default_colour)


def _segments(points: Sequence[tuple[int, float]]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive sessions; a missing session starts a new run."""
    runs: list[list[tuple[int, float]]] = []
    for point in points:
        if runs and point[0] - runs[-1][-1][0] <= 1:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _describe(
    series: Sequence[Series],
    reference_lines: Sequence[ReferenceLine],
    markers: Sequence[Marker],
    x_label: str,
    y_label: str,
    frame: _Frame,
) -> str:
    """The chart in words, e.g. "PHQ-9 from 18 at session 1 to 9 at session 8 (8 scores)."."""
    unit = x_label.lower()
    sessions = [x for s in series for x, _ in s.points]
    sentences = [
        f"{x_label} {min(sessions)} to {max(sessions)}.",
        f"{y_label} scale {_fmt(frame.y_min)} to {_fmt(frame.y_max)}.",
    ]
    for one in series:
        if not one.points:
            sentences.append(f"{one.label}: {EMPTY_MESSAGE.lower()}.")
            continue
        (x0, v0), (x1, v1), count = one.points[0], one.points[-1], len(one.points)
        if count == 1:
            sentences.append(f"{one.label}: {_fmt(v0)} at {unit} {x0} (1 score).")
        else:
            sentences.append(
                f"{one.label} from {_fmt(v0)} at {unit} {x0} to {_fmt(v1)} at {unit} {x1} "
                f"({count} scores)."
            )
    sentences += [f"{r.label}: dashed line at {_fmt(r.value)}." for r in reference_lines]
    sentences += [f"{m.label} at {unit} {m.x}." for m in markers]
    return " ".join(sentences)


def _root(title: str, desc: str) -> ET.Element:
    # Ids derive from the content so several charts on one page keep their own names.
    ident = "chart-" + hashlib.blake2s(f"{title}\0{desc}".encode(), digest_size=5).hexdigest()
    svg = ET.Element("svg")
    _set(svg, xmlns="http://www.w3.org/2000/svg", class_="chart-svg", role="img")
    _set(svg, aria_labelledby=f"{ident}-title {ident}-desc", font_family=FONT)
    _sub(svg, "title", title, id=f"{ident}-title")
    _sub(svg, "desc", desc, id=f"{ident}-desc")
    return svg


def _draw_axes(svg: ET.Element, frame: _Frame, x_label: str, y_label: str) -> None:
    axes = _sub(svg, "g", None, class_="chart-axes", font_size=11, fill=TEXT)
    y_step = _nice_step(frame.y_max - frame.y_min, MAX_Y_TICKS)
    for value in _ticks(frame.y_min, frame.y_max, y_step):
        y = frame.y(value)
        _sub(axes, "line", None, x1=frame.left, x2=frame.right, y1=y, y2=y, stroke=GRID)
        label = _sub(axes, "text", _fmt(value), x=frame.left - 6, y=y, text_anchor="end")
        _set(label, dominant_baseline="middle")

    first, last = math.ceil(frame.x_lo), math.floor(frame.x_hi)
    x_step = max(1, round(_nice_step(last - first, MAX_X_LABELS)))
    for session in _ticks(first, last, x_step):
        x, y = frame.x(session), frame.bottom
        _sub(axes, "line", None, x1=x, x2=x, y1=y, y2=y + 4, stroke=AXIS)
        _sub(axes, "text", str(round(session)), x=x, y=y + 16, text_anchor="middle")

    corner = f"M{_n(frame.left)} {_n(frame.top)}V{_n(frame.bottom)}H{_n(frame.right)}"
    _sub(axes, "path", None, d=corner, fill="none", stroke=AXIS)
    centre_x, centre_y = (frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2
    _sub(axes, "text", x_label, x=centre_x, y=frame.bottom + 34, text_anchor="middle", font_size=12)
    rotated = f"translate(14 {_n(centre_y)}) rotate(-90)"
    _sub(axes, "text", y_label, transform=rotated, text_anchor="middle", font_size=12)


def _draw_reference(svg: ET.Element, frame: _Frame, line: ReferenceLine) -> None:
    y = frame.y(line.value)
    group = _sub(svg, "g", None, class_="chart-reference", data_value=_fmt(line.value))
    _sub(group, "line", None, x1=frame.left, x2=frame.right, y1=y, y2=y, stroke=REFERENCE)
    _set(group[-1], stroke_width=1.5, stroke_dasharray="4 4")
    label_y = y - 4 if y - frame.top > 14 else y + 13  # below the line when it hugs the top
    label = _sub(group, "text", _shorten(line.label, 48), x=frame.right - 4, y=label_y)
    _set(label, text_anchor="end", font_size=11, fill=REFERENCE)


def _draw_marker(svg: ET.Element, frame: _Frame, marker: Marker, x_label: str) -> None:
    x = frame.x(marker.x)
    group = _sub(svg, "g", None, class_="chart-marker", data_x=marker.x)
    _sub(group, "title", f"{marker.label} ({x_label} {marker.x})")
    _sub(group, "line", None, x1=x, x2=x, y1=frame.top, y2=frame.bottom, stroke="#999999")
    _sub(group, "path", None, d=_diamond(x, frame.top + 6), fill=TEXT)


def _draw_series(svg: ET.Element, frame: _Frame, series: Series, dash: str, x_label: str) -> None:
    colour = series.colour or PALETTE[0]
    group = _sub(svg, "g", None, class_="chart-series")
    for run in _segments(series.points):
        if len(run) > 1:
            coords = " ".join(f"{_n(frame.x(x))},{_n(frame.y(v))}" for x, v in run)
            polyline = _sub(group, "polyline", None, points=coords, fill="none", stroke=colour)
            _set(polyline, stroke_width=2, stroke_dasharray=dash or None)
    radius = _point_radius(frame)
    for x, v in series.points:
        circle = _sub(group, "circle", None, class_="chart-point", cx=frame.x(x), cy=frame.y(v))
        _set(circle, r=radius, fill=colour, stroke="#ffffff", stroke_width=1)
        _sub(circle, "title", f"{x_label} {x}: {_fmt(v)} ({series.label})")


def _point_radius(frame: _Frame) -> float:
    """Smaller dots when sessions crowd together, so 200 of them stay apart."""
    spacing = (frame.right - frame.left) / (frame.x_hi - frame.x_lo)
    return min(3.5, max(1.5, spacing / 2.5))


def _legend_layout(
    series: Sequence[Series], markers: Sequence[Marker], width: int
) -> tuple[list[_LegendItem], int]:
    """Legend items flowed left to right, wrapping at the chart's width, and the rows' height."""
    items = [
        _LegendItem(s.label, s.colour or PALETTE[0], DASHES[i % len(DASHES)])
        for i, s in enumerate(series)
    ]
    items += [_LegendItem(label, TEXT, None) for label in dict.fromkeys(m.label for m in markers)]
    placed: list[_LegendItem] = []
    x, row = float(MARGIN_LEFT), 0
    for item in items:
        label = _shorten(item.label, LEGEND_LABEL_CHARS)
        item_width = 34 + 7 * len(label)  # about 0.6em a character at 12px
        if x + item_width > width - MARGIN_RIGHT and x > MARGIN_LEFT:
            x, row = float(MARGIN_LEFT), row + 1
        placed.append(_LegendItem(label, item.colour, item.dash, x, 12 + row * LEGEND_ROW))
        x += item_width + 16
    return placed, (row + 1) * LEGEND_ROW


def _draw_legend(svg: ET.Element, items: Sequence[_LegendItem]) -> None:
    legend = _sub(svg, "g", None, class_="chart-legend", font_size=12, fill=TEXT)
    for item in items:
        if item.dash is None:
            _sub(legend, "path", None, d=_diamond(item.x + 14, item.y), fill=item.colour)
        else:
            sample = _sub(legend, "line", None, x1=item.x, x2=item.x + 28, y1=item.y, y2=item.y)
            _set(sample, stroke=item.colour, stroke_width=2, stroke_dasharray=item.dash or None)
        text = _sub(legend, "text", item.label, x=item.x + 34, y=item.y)
        _set(text, dominant_baseline="middle")


def _nice_step(span: float, max_count: int) -> float:
    """The smallest of 1, 2 or 5 times a power of ten giving at most max_count ticks over span."""
    if span <= 0:
        return 1
    raw = span / (max_count - 1)
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [k * step for k in range(first, last + 1)]


def _diamond(x: float, y: float, size: float = 5) -> str:
    top, right, bottom, left = _n(y - size), _n(x + size), _n(y + size), _n(x - size)
    return f"M{_n(x)} {top}L{right} {_n(y)}L{_n(x)} {bottom}L{left} {_n(y)}Z"


def _sub(parent: ET.Element, tag: str, text: str | None, **attrs: str | float | None) -> ET.Element:
    """Append a child element; `text` is cleaned here and escaped by the serialiser."""
    element = ET.SubElement(parent, tag)
    _set(element, **attrs)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _set(element: ET.Element, **attrs: str | float | None) -> None:
    """Set attributes: `stroke_width` is written stroke-width, `class_` class; None is left out."""
    for name, value in attrs.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else _n(value)
        element.set(name.rstrip("_").replace("_", "-"), _NOT_XML.sub("", text))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _n(value: float) -> str:
    """A coordinate: one decimal is finer than a pixel."""
    return f"{value:.1f}".removesuffix(".0")


def _fmt(value: float) -> str:
    """A score as people write it: 14, 14.5, 3.33."""
    return f"{round(value, 2) + 0.0:g}"
