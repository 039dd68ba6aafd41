"""Property tests for the definition parser and scorer, on the shipped measures.

No database: definitions.py is plain Python, so these run on their own.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reattune.measures.definitions import (
    ITEM_TYPES,
    AnswerError,
    DefinitionError,
    MeasureDefinition,
    load_definitions,
    parse_definition,
)

SHIPPED = load_definitions()
MEASURES = sorted(SHIPPED.values(), key=lambda d: d.id)


def answers_in_range(definition: MeasureDefinition) -> st.SearchStrategy[dict[str, str]]:
    """Raw form values (strings, as a browser sends them) for every item, each in range."""

    def one(item_id: str) -> st.SearchStrategy[str]:
        item = definition.item(item_id)
        if item.type in ("choice", "scale"):
            return st.sampled_from(item.values).map(str)
        if item.type == "yes_no":
            return st.sampled_from(["yes", "no", "Yes", " NO "])
        text = st.text(max_size=item.max_length)
        return text.filter(str.strip) if item.required else text

    return st.fixed_dictionaries({i.id: one(i.id) for i in definition.items})


def _parses_as_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("definition", MEASURES, ids=lambda d: d.id)
@given(data=st.data())
def test_it_scores_any_in_range_answers_between_the_lowest_and_highest_total(
    definition: MeasureDefinition, data: st.DataObject
) -> None:
    raw = data.draw(answers_in_range(definition))
    answers = definition.clean_answers(raw)
    score = definition.score(answers)
    assert definition.min_total <= score.total <= definition.max_total
    assert score.items_answered == len(definition.scored_items)


@given(raw=answers_in_range(SHIPPED["core10"]))
def test_it_scores_core10_q2_and_q3_in_reverse(raw: dict[str, str]) -> None:
    core10 = SHIPPED["core10"]
    answers = core10.clean_answers(raw)
    forward = sum(answers[i.id] for i in core10.scored_items if i.id not in ("q2", "q3"))
    reversed_ = sum(4 + 0 - answers[i] for i in ("q2", "q3"))
    assert core10.score(answers).total == forward + reversed_


@pytest.mark.parametrize("definition", MEASURES, ids=lambda d: d.id)
@given(data=st.data())
def test_it_rejects_an_out_of_range_number_with_a_message_keyed_by_the_item(
    definition: MeasureDefinition, data: st.DataObject
) -> None:
    raw = data.draw(answers_in_range(definition))
    item = data.draw(st.sampled_from([i for i in definition.items if i.values]))
    bad = data.draw(st.integers().filter(lambda n: n not in item.values))
    raw[item.id] = str(bad)
    with pytest.raises(AnswerError) as caught:
        definition.clean_answers(raw)
    assert set(caught.value.errors) == {item.id}
    assert str(min(item.values)) in caught.value.errors[item.id]


@pytest.mark.parametrize("definition", MEASURES, ids=lambda d: d.id)
@given(data=st.data())
def test_it_rejects_a_value_that_is_not_a_whole_number_with_a_message_keyed_by_the_item(
    definition: MeasureDefinition, data: st.DataObject
) -> None:
    raw: dict[str, Any] = data.draw(answers_in_range(definition))
    item = data.draw(st.sampled_from([i for i in definition.items if i.values]))
    bad = data.draw(
        st.one_of(
            st.text(min_size=1).filter(lambda s: s.strip() and not _parses_as_int(s)),
            st.floats().filter(lambda f: not (math.isfinite(f) and f.is_integer())),
            st.booleans(),
            st.lists(st.integers(0, 3), max_size=2),
        )
    )
    raw[item.id] = bad
    with pytest.raises(AnswerError) as caught:
        definition.clean_answers(raw)
    assert set(caught.value.errors) == {item.id}
    assert caught.value.errors[item.id]


@pytest.mark.parametrize("definition", MEASURES, ids=lambda d: d.id)
@given(data=st.data())
def test_it_names_each_missing_required_item(
    definition: MeasureDefinition, data: st.DataObject
) -> None:
    raw = data.draw(answers_in_range(definition))
    required = [i.id for i in definition.items if i.required]
    missing = data.draw(st.sets(st.sampled_from(required), min_size=1))
    blank = data.draw(st.sampled_from(["", "   ", None]))
    for item_id in missing:
        if blank is None:
            del raw[item_id]
        else:
            raw[item_id] = blank
    with pytest.raises(AnswerError) as caught:
        definition.clean_answers(raw)
    assert set(caught.value.errors) == missing
    assert all(m == "Please answer this question." for m in caught.value.errors.values())


@given(extra=st.integers(min_value=1, max_value=500))
def test_it_rejects_over_long_free_text_on_the_alliance_change_item(extra: int) -> None:
    alliance = SHIPPED["alliance"]
    limit = alliance.item("change").max_length
    raw = {"respected": "9", "focus": "9", "approach": "9", "voice": "9", "felt_off": "no"}
    assert alliance.clean_answers({**raw, "change": "x" * limit})["change"] == "x" * limit
    with pytest.raises(AnswerError) as caught:
        alliance.clean_answers({**raw, "change": "x" * (limit + extra)})
    assert set(caught.value.errors) == {"change"}
    assert f"{limit} characters or fewer" in caught.value.errors["change"]


@given(raw=answers_in_range(SHIPPED["phq9"]))
def test_it_raises_a_safety_alert_exactly_when_phq9_q9_is_above_nought(
    raw: dict[str, str],
) -> None:
    phq9 = SHIPPED["phq9"]
    answers = phq9.clean_answers(raw)
    raised = [(item.id, alert.kind) for item, alert in phq9.alerts_raised(answers)]
    assert raised == ([("q9", "safety")] if answers["q9"] > 0 else [])


@given(raw=answers_in_range(SHIPPED["alliance"]))
def test_it_raises_a_rupture_alert_exactly_when_the_alliance_felt_off_answer_is_yes(
    raw: dict[str, str],
) -> None:
    alliance = SHIPPED["alliance"]
    answers = alliance.clean_answers(raw)
    raised = [(item.id, alert.kind) for item, alert in alliance.alerts_raised(answers)]
    assert raised == ([("felt_off", "rupture")] if answers["felt_off"] == "yes" else [])


# --- parse_definition on generated files -------------------------------------------------------
# There is no TOML writer installed, so a tiny one: every value is written inline, which TOML
# allows for any table or array, and every key is quoted.


def _toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    pairs = ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items())
    return "{" + pairs + "}"


def toml_dumps(data: dict[str, Any]) -> str:
    return "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in data.items())


_text = st.text(st.characters(codec="utf-8"), max_size=12)
_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    _text,
)
junk = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)


_words = st.text(
    st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=1, max_size=12
).filter(str.strip)
_option_lists = st.lists(
    st.fixed_dictionaries({"value": st.integers(-3, 12), "label": _words}),
    min_size=2,
    max_size=5,
    unique_by=lambda o: o["value"],
)


@st.composite
def plausible_items(draw: st.DrawFn, item_id: str) -> dict[str, Any]:
    """One item that is valid on its own."""
    kind = draw(st.sampled_from(ITEM_TYPES))
    item: dict[str, Any] = {"id": item_id, "text": draw(_words), "type": kind}
    if kind == "choice":
        item["options"] = draw(st.one_of(st.just("frequency"), _option_lists))
    if kind == "scale":
        item["min"] = draw(st.integers(-3, 5))
        item["max"] = item["min"] + draw(st.integers(1, 10))
    if kind in ("choice", "scale"):
        item["scored"] = draw(st.booleans())
        if draw(st.booleans()):
            item["alert"] = {"kind": "safety", "above": draw(st.integers(0, 3))}
    if kind == "yes_no" and draw(st.booleans()):
        item["alert"] = {"kind": "rupture", "equals": "yes"}
    if kind == "text":
        item["max_length"] = draw(st.integers(1, 2000))
    item["required"] = draw(st.booleans())
    return item


_measure_ids = st.sampled_from(["my_measure", "x1", "licensed_example", "a" * 40])
_odd_ids = st.sampled_from(["café", "x" * 41, "Bad-Id", "_", "9lives", "phq-9"])


@st.composite
def plausible_definitions(
    draw: st.DrawFn, measure_ids: st.SearchStrategy[str] = _measure_ids
) -> dict[str, Any]:
    """A whole file that is valid, or nearly so."""
    item_ids = draw(
        st.lists(
            st.sampled_from(["q1", "q2", "q3", "q4", "felt_off"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    items = [draw(plausible_items(i)) for i in item_ids]
    items[0].update(type="scale", min=0, max=3, scored=True)
    items[0].pop("options", None)
    scored = [i["id"] for i in items if i.get("scored")]
    return {
        "id": draw(measure_ids),
        "title": draw(_words),
        "version": "1",
        "kind": draw(st.sampled_from(["outcome", "alliance"])),
        "direction": draw(st.sampled_from(["higher_is_worse", "higher_is_better"])),
        "licence": draw(_words),
        "attribution": draw(_words),
        "response_sets": {"frequency": draw(_option_lists)},
        "items": items,
        "scoring": {
            "method": "sum",
            "reverse_items": draw(st.lists(st.sampled_from(scored), unique=True)),
            "subscales": [{"id": "all", "title": "All", "items": scored}],
        },
        "clinical_cutoff": {"value": draw(st.integers(0, 20)), "source": draw(_words)},
    }


_field_names = st.sampled_from(
    [
        "id", "title", "type", "options", "min", "max", "scored", "required", "alert", "kind",
        "above", "equals", "value", "label", "items", "reverse_items", "subscales", "method",
        "response_sets", "frequency", "max_length", "clinical_cutoff", "source", "direction",
    ]
)  # fmt: skip


@st.composite
def broken(draw: st.DrawFn, data: Any) -> Any:
    """The same structure with a few fields deleted, replaced by anything, or added."""
    for _ in range(draw(st.integers(0, 3))):
        containers = [data]
        found: list[Any] = []
        while containers:
            node = containers.pop()
            if isinstance(node, dict | list) and node:
                found.append(node)
                containers.extend(node.values() if isinstance(node, dict) else node)
        if not found:
            break
        node = draw(st.sampled_from(found))
        if isinstance(node, list):
            node[draw(st.integers(0, len(node) - 1))] = draw(junk)
            continue
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        key = draw(st.sampled_from(sorted(node)) if action != "add" else _field_names)
        if action == "delete":
            del node[key]
        else:
            node[key] = draw(st.one_of(junk, _field_names, st.integers(-3, 12)))
    return data


definition_dicts = plausible_definitions(st.one_of(_measure_ids, _odd_ids)).flatmap(broken)


@given(data=definition_dicts)
def test_it_never_raises_anything_but_a_definition_error_on_a_generated_file(
    data: dict[str, Any],
) -> None:
    text = toml_dumps(data)
    try:
        definition = parse_definition(text, "generated.toml")
    except DefinitionError as e:
        assert str(e).startswith("generated.toml: ")
        assert e.where
        return
    # Whatever it accepts must be usable: a total range, and ids a URL and the database hold.
    assert definition.min_total <= definition.max_total
    assert definition.id.isascii()
    assert len(definition.id) <= 40
    assert definition.scored_items


@given(text=st.text(max_size=200))
def test_it_never_raises_anything_but_a_definition_error_on_arbitrary_text(text: str) -> None:
    assume(text.strip())
    try:
        parse_definition(text, "typed.toml")
    except DefinitionError as e:
        assert e.source == "typed.toml"


def test_the_toml_writer_round_trips_a_shipped_like_file() -> None:
    import tomllib

    data = {"id": "x", "items": [{"id": "q1", "text": 'say "hi"\n\x7f'}], "n": 1.5, "b": True}
    assert tomllib.loads(toml_dumps(data)) == data


@given(data=st.data())
def test_it_scores_any_accepted_generated_measure_between_its_lowest_and_highest_total(
    data: st.DataObject,
) -> None:
    definition = parse_definition(toml_dumps(data.draw(plausible_definitions())), "g.toml")
    answers = definition.clean_answers(data.draw(answers_in_range(definition)))
    score = definition.score(answers)
    assert definition.min_total <= score.total <= definition.max_total
    for item in definition.scored_items:
        alone = definition.score({item.id: answers[item.id]}).total
        if item.id in definition.reverse_items:
            assert alone == max(item.values) + min(item.values) - answers[item.id]
        else:
            assert alone == answers[item.id]
