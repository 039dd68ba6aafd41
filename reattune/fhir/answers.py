"""A submitted QuestionnaireResponse's answers mapped back to a measure's items and cleaned by
the measure itself, with every problem named at once (one issue per item)."""

from __future__ import annotations

from typing import Any

from reattune.fhir.outcome import FhirProblem, Issue, problem
from reattune.fhir.resources import answer_coding
from reattune.measures.definitions import AnswerError, Item, MeasureDefinition

UNKNOWN_ITEM = "linkId '{link}' is not an item of {measure}; its items are {items}."
REPEATED_ITEM = "linkId '{link}' appears more than once; each item is answered once."
ONE_ANSWER = "Item '{link}' takes one answer; this one has {count}."
WRONG_ANSWER_TYPE = "Item '{link}' is {kind}: answer with {expected}."
UNKNOWN_CODING = (
    "Item '{link}' has no answer option {coding}; the Questionnaire's answerOption lists the "
    "codings it takes."
)
CODING_WITHOUT_CODE = (
    "Item '{link}' is answered with a coding that has no code{display}; send the code (and "
    "system) of one of the Questionnaire's answerOption codings."
)
ITEM_PROBLEM = "Item '{link}': {message}"

EXPECTED_VALUE = {
    "choice": ("a choice item", "valueCoding (one of its answerOption codings) or valueInteger"),
    "scale": ("a number item", "valueInteger"),
    "yes_no": ("a yes/no item", "valueBoolean"),
    "text": ("a text item", "valueString"),
}


def _flatten(items: list[dict[str, Any]], path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every item with its FHIRPath, groups opened (Reattune's own Questionnaires are flat, but
    a record system may wrap the questions in a group)."""
    found = []
    for n, item in enumerate(items):
        where = f"{path}.item[{n}]"
        if item.get("item") and not item.get("answer"):
            found += _flatten(item["item"], where)
        else:
            found.append((where, item))
    return found


def _raw_value(
    definition: MeasureDefinition, item: Item, answer: dict[str, Any], where: str
) -> Any:
    """The answer as the value a form would post, for clean_answers to judge."""
    kind, expected = EXPECTED_VALUE[item.type]
    wrong = problem(
        422,
        "value",
        WRONG_ANSWER_TYPE.format(link=item.id, kind=kind, expected=expected),
        where,
    )
    if item.type == "choice" and "valueCoding" in answer:
        sent = answer["valueCoding"]
        for option in item.options:
            offered = answer_coding(definition, item, option)
            if sent.get("code") == offered["code"] and sent.get("system") in (
                None,
                offered["system"],
            ):
                return option.value
        if sent.get("code") is None:
            shown = (
                f" (only the display '{str(sent['display'])[:100]}')" if sent.get("display") else ""
            )
            message = CODING_WITHOUT_CODE.format(link=item.id, display=shown)
            raise problem(422, "value", message, where)
        coding = f"'{str(sent['code'])[:100]}'"
        if sent.get("system"):
            coding += f" in the system '{str(sent['system'])[:100]}'"
        raise problem(422, "value", UNKNOWN_CODING.format(link=item.id, coding=coding), where)
    if item.type in ("choice", "scale") and "valueInteger" in answer:
        return answer["valueInteger"]
    if item.type == "yes_no" and "valueBoolean" in answer:
        return "yes" if answer["valueBoolean"] else "no"
    if item.type == "text" and "valueString" in answer:
        return answer["valueString"]
    raise wrong


def map_answers(definition: MeasureDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """The answers by item id, cleaned by the measure itself, or FhirProblem naming every item
    that is unknown, repeated, of the wrong type, missing or out of range."""
    raw: dict[str, Any] = {}
    issues: list[Issue] = []
    where_of: dict[str, str] = {}
    for where, entry in _flatten(data.get("item") or [], "QuestionnaireResponse"):
        link = str(entry.get("linkId"))
        try:
            item = definition.item(link)
        except KeyError:
            items = ", ".join(i.id for i in definition.items)
            message = UNKNOWN_ITEM.format(link=link[:64], measure=definition.id, items=items)
            issues.append(Issue("invalid", message, where))
            continue
        if link in where_of:
            issues.append(Issue("invalid", REPEATED_ITEM.format(link=link), where))
            continue
        where_of[link] = where
        answers = entry.get("answer") or []
        if len(answers) > 1:
            message = ONE_ANSWER.format(link=link, count=len(answers))
            issues.append(Issue("invalid", message, where))
            continue
        if answers:
            try:
                raw[link] = _raw_value(definition, item, answers[0], f"{where}.answer[0]")
            except FhirProblem as e:
                issues.extend(e.issues)
    try:
        cleaned = definition.clean_answers(raw)
    except AnswerError as e:
        for link, message in e.errors.items():
            missing = link not in raw
            issues.append(
                Issue(
                    "required" if missing else "value",
                    ITEM_PROBLEM.format(link=link, message=message),
                    where_of.get(link, "QuestionnaireResponse.item"),
                )
            )
        cleaned = {}
    if issues:
        raise FhirProblem(422, *issues)
    return cleaned
