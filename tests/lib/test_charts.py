from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reattune.lib.charts import (
    EMPTY_MESSAGE,
    Y_RANGE_ERROR,
    Marker,
    ReferenceLine,
    Series,
    line_chart,
)

NS = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"
PHQ9 = Series("PHQ-9", [(1, 18), (2, 16), (3, 14), (4, 13), (5, 12), (6, 11), (7, 10), (8, 9)])


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def find(root: ET.Element, tag: str, css_class: str | None = None) -> list[ET.Element]:
    found = root.iter(NS + tag)
    return [e for e in found if css_class is None or e.get("class") == css_class]


def text_of(root: ET.Element, tag: str) -> str:
    element = root.find(NS + tag)
    assert element is not None
    return element.text or ""


def chart(**kwargs) -> ET.Element:
    kwargs = {"title": "Scores", "y_min": 0, "y_max": 27, **kwargs}
    return parse(line_chart(**kwargs))


# Text a person might type into a label; XML cannot carry control characters or noncharacters
# at all, and a separate test covers their removal.
labels = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=40)


@st.composite
def chart_arguments(draw: st.DrawFn) -> dict[str, Any]:
    y_min = draw(st.floats(-1000, 1000))
    y_max = y_min + draw(st.floats(0.5, 1000))
    scores = st.floats(y_min, y_max)
    series = [
        Series(draw(labels), draw(st.lists(st.tuples(st.integers(0, 300), scores), max_size=40)))
        for _ in range(draw(st.integers(0, 6)))
    ]
    reference_lines = draw(st.lists(st.builds(ReferenceLine, scores, labels), max_size=2))
    markers = draw(st.lists(st.builds(Marker, st.integers(0, 300), labels), max_size=3))
    return {
        "title": draw(labels),
        "series": series,
        "y_min": y_min,
        "y_max": y_max,
        "x_label": draw(labels),
        "y_label": draw(labels),
        "reference_lines": reference_lines,
        "markers": markers,
    }


@given(chart_arguments())
def test_it_draws_any_scores_as_well_formed_svg_without_styles_or_scripts(arguments):
    svg = line_chart(**arguments)
    root = parse(svg)

    assert "<script" not in svg.lower()
    for element in root.iter():
        assert element.tag != NS + "script"
        assert "style" not in element.attrib
        assert not any(name.lower().startswith("on") for name in element.attrib)


@given(chart_arguments())
def test_it_draws_one_circle_per_score_inside_the_view_box(arguments):
    root = parse(line_chart(**arguments))
    scores = sum(len(s.points) for s in arguments["series"])
    left, top, width, height = map(float, root.get("viewBox", "").split())

    circles = find(root, "circle")
    assert len(circles) == scores
    for circle in circles:
        x, y, r = (float(circle.get(name, "nan")) for name in ("cx", "cy", "r"))
        assert left <= x - r and x + r <= left + width
        assert top <= y - r and y + r <= top + height


@given(chart_arguments())
def test_it_names_itself_and_describes_every_series(arguments):
    root = parse(line_chart(**arguments))
    desc = text_of(root, "desc")

    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert [e.tag for e in root.iter() if e.get("id") in (title_id, desc_id)] == [
        NS + "title",
        NS + "desc",
    ]
    assert text_of(root, "title") == arguments["title"]
    if any(s.points for s in arguments["series"]):
        for series in arguments["series"]:
            assert series.label in desc
    else:
        assert desc == EMPTY_MESSAGE


def test_it_describes_a_series_in_words():
    desc = text_of(chart(series=[PHQ9]), "desc")

    assert "PHQ-9 from 18 at session 1 to 9 at session 8 (8 scores)." in desc


def test_it_gives_each_point_a_tooltip():
    circles = find(chart(series=[PHQ9]), "circle")

    assert text_of(circles[2], "title") == "Session 3: 14 (PHQ-9)"


def test_it_breaks_the_line_at_a_missing_session():
    root = chart(series=[Series("PHQ-9", [(1, 18), (2, 16), (4, 13), (5, 12)])])

    assert len(find(root, "polyline")) == 2
    assert len(find(root, "circle")) == 4


def test_it_draws_an_isolated_score_as_a_point_without_a_line():
    root = chart(series=[Series("PHQ-9", [(1, 18), (3, 14), (5, 12)])])

    assert find(root, "polyline") == []
    assert len(find(root, "circle")) == 3


def test_it_treats_a_missing_value_as_a_gap():
    root = chart(series=[Series("PHQ-9", [(1, 18), (2, math.nan), (3, 14), (4, 12)])])

    assert len(find(root, "polyline")) == 1
    assert len(find(root, "circle")) == 3


def test_it_escapes_a_script_in_any_label():
    svg = line_chart(
        title=SCRIPT,
        series=[Series(SCRIPT, [(1, 3), (2, 4)])],
        y_min=0,
        y_max=27,
        x_label=SCRIPT,
        y_label=SCRIPT,
        reference_lines=[ReferenceLine(10, SCRIPT)],
        markers=[Marker(2, SCRIPT)],
    )

    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert SCRIPT in text_of(parse(svg), "desc")


def test_it_drops_characters_xml_cannot_carry():
    root = chart(title="a\x00b", series=[Series("PHQ\x1b-9\ufffe", [(1, 3)])])

    assert text_of(root, "title") == "ab"
    assert "PHQ-9" in text_of(root, "desc")


def test_it_draws_the_reference_line_at_its_value():
    root = chart(
        series=[Series("PHQ-9", [(1, 0), (2, 27), (3, 10)])],
        reference_lines=[ReferenceLine(10, "Clinical cut-off 10")],
    )
    at_0, at_27, at_10 = (float(c.get("cy", "nan")) for c in find(root, "circle"))
    (group,) = find(root, "g", "chart-reference")
    (line,) = find(group, "line")

    assert float(line.get("y1", "nan")) == float(line.get("y2", "nan")) == at_10
    assert at_10 == pytest.approx(at_0 + (at_27 - at_0) * 10 / 27, abs=0.1)
    assert text_of(group, "text") == "Clinical cut-off 10"


def test_it_keeps_scores_outside_the_range_on_the_edges():
    root = chart(series=[Series("PHQ-9", [(1, 0), (2, 27), (3, -5), (4, 50)])])
    circles = find(root, "circle")
    at_0, at_27, below, above = (float(c.get("cy", "nan")) for c in circles)

    assert (below, above) == (at_0, at_27)
    assert text_of(circles[2], "title") == "Session 3: -5 (PHQ-9)"


def test_it_marks_an_alert_at_its_session():
    root = chart(series=[PHQ9], markers=[Marker(4, "Alert raised")])
    (group,) = find(root, "g", "chart-marker")
    (line,) = find(group, "line")
    fourth = find(root, "circle")[3]

    assert text_of(group, "title") == "Alert raised (Session 4)"
    assert line.get("x1") == fourth.get("cx")
    assert find(group, "path")  # a diamond, distinct from the round score points
    assert "Alert raised" in [t.text for t in find(root, "text")]


def test_it_tells_series_apart_without_colour():
    gad7 = Series("GAD-7", [(1, 12), (2, 10)])
    root = chart(series=[PHQ9, gad7])
    phq9_line, gad7_line = find(root, "polyline")

    assert phq9_line.get("stroke") != gad7_line.get("stroke")
    assert phq9_line.get("stroke-dasharray") != gad7_line.get("stroke-dasharray")
    assert [t.text for t in find(root, "text")][-2:] == ["PHQ-9", "GAD-7"]


def test_it_draws_a_single_score():
    root = chart(series=[Series("CORE-10", [(3, 22)])], y_max=40)

    assert len(find(root, "circle")) == 1
    assert "CORE-10: 22 at session 3 (1 score)." in text_of(root, "desc")


def test_it_labels_at_most_twelve_of_two_hundred_sessions():
    alliance = Series("Alliance", [(n, n % 41) for n in range(1, 201)])
    root = chart(series=[alliance], y_max=40)
    (axes,) = find(root, "g", "chart-axes")
    session_labels = [
        t.text
        for t in find(axes, "text")
        if t.get("text-anchor") == "middle" and t.text not in ("Session", "Score")
    ]

    assert len(find(root, "circle")) == 200
    assert 2 <= len(session_labels) <= 12
    assert all(label and label.isdigit() for label in session_labels)


@pytest.mark.parametrize("series", [[], [Series("PHQ-9", [])]])
def test_it_says_no_scores_yet_when_there_are_none(series):
    root = chart(series=series)

    assert [t.text for t in find(root, "text")] == [EMPTY_MESSAGE]
    assert root.get("viewBox")


def test_it_gives_two_charts_on_one_page_different_ids():
    phq9 = chart(title="PHQ-9", series=[PHQ9])
    gad7 = chart(title="GAD-7", series=[Series("GAD-7", [(1, 12)])])

    assert phq9.get("aria-labelledby") != gad7.get("aria-labelledby")


@pytest.mark.parametrize(("y_min", "y_max"), [(0, 0), (10, 0), (0, math.inf)])
def test_it_refuses_an_empty_or_endless_score_range(y_min, y_max):
    with pytest.raises(ValueError, match=Y_RANGE_ERROR):
        line_chart(title="Scores", series=[PHQ9], y_min=y_min, y_max=y_max)
