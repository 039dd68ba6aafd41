"""obligations_for: which obligations apply, in what order, and what it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reattune.ethics.definitions import load_codes, parse_code
from reattune.ethics.rules import UNKNOWN_HARM, UNKNOWN_KIND, due_on, obligations_for
from reattune.ethics.vocabulary import HARMS, KINDS
from tests.ethics import GOOD

SHIPPED = load_codes()
INVENTED = parse_code(GOOD, "invented.toml")


def test_it_lists_an_obligation_when_both_kind_and_harm_match() -> None:
    rules = obligations_for([INVENTED], "confidentiality", "harm_mild")
    assert [r.key for r in rules] == ["tell_client", "write_down"]


def test_it_leaves_out_an_obligation_whose_kind_or_harm_does_not_match() -> None:
    assert [r.key for r in obligations_for([INVENTED], "safety", "harm_mild")] == ["tell_client"]
    assert [r.key for r in obligations_for([INVENTED], "boundary", "near_miss")] == []
    assert [r.key for r in obligations_for([INVENTED], "clinical_error", "no_harm")] == [
        "write_down"
    ]


def test_it_lists_nothing_for_no_codes() -> None:
    assert obligations_for([], "safety", "harm_severe") == []


@given(
    chosen=st.lists(st.sampled_from(sorted(SHIPPED)), unique=True),
    kind=st.sampled_from(list(KINDS)),
    harm=st.sampled_from(list(HARMS)),
)
def test_the_order_is_by_code_id_then_file_order_whatever_order_codes_come_in(
    chosen: list[str], kind: str, harm: str
) -> None:
    rules = obligations_for([SHIPPED[c] for c in chosen], kind, harm)
    expected = [
        rule
        for code_id in sorted(chosen)
        for rule in SHIPPED[code_id].obligations
        if rule.applies_to(kind, harm)
    ]
    assert rules == expected
    reversed_ = obligations_for([SHIPPED[c] for c in reversed(chosen)], kind, harm)
    assert reversed_ == rules


def test_a_code_given_twice_counts_once() -> None:
    once = obligations_for([SHIPPED["bacp"]], "boundary", "harm_mild")
    assert obligations_for([SHIPPED["bacp"], SHIPPED["bacp"]], "boundary", "harm_mild") == once


@pytest.mark.parametrize("kind", ["clinical_eror", "", "*", "Confidentiality"])
def test_it_refuses_an_unknown_kind_rather_than_listing_nothing(kind: str) -> None:
    with pytest.raises(ValueError, match="Unknown kind of mistake") as caught:
        obligations_for([INVENTED], kind, "harm_mild")
    assert str(caught.value) == UNKNOWN_KIND.format(kind=kind, known=", ".join(KINDS))


@pytest.mark.parametrize("harm", ["harm", "any", "reached_client", "moderate", ""])
def test_it_refuses_an_unknown_harm_grade_or_a_shorthand(harm: str) -> None:
    with pytest.raises(ValueError, match="Unknown harm grade") as caught:
        obligations_for([INVENTED], "safety", harm)
    assert str(caught.value) == UNKNOWN_HARM.format(harm=harm, known=", ".join(HARMS))


def test_due_on_counts_days_from_discovery() -> None:
    same_day, week = INVENTED.obligations[0], INVENTED.obligations[1]
    assert due_on(same_day, dt.date(2026, 2, 27)) == dt.date(2026, 2, 28)
    assert due_on(week, dt.date(2026, 2, 27)) == dt.date(2026, 3, 6)


def test_the_rule_describes_itself_for_the_page() -> None:
    tell, write = INVENTED.obligations
    assert (tell.due_text, tell.who_text) == ("within 1 day", "The clinician")
    assert tell.kinds_text == "Any kind of mistake"
    assert tell.harms_text == "when the client was harmed"
    assert write.kinds_text == "Clinical error, Confidentiality or privacy"
    assert write.harms_text == "whatever the outcome"
    hipaa = SHIPPED["hipaa_breach"].obligations
    assert hipaa[0].due_text == "the same day"
    assert hipaa[0].harms_text == "when it reached the client"
    assert SHIPPED["bacp"].obligations[0].harms_text == (
        "Near miss (it nearly reached the client), Reached the client, no harm, Harm: mild, "
        "Harm: moderate, Harm: severe"
    )
