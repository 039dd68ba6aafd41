"""The codes and laws shipped with Reattune: all load, and each applies where it should.

Plain Python: no database, no Django.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reattune.ethics.definitions import SHIPPED_DIR, EthicsCode, ObligationRule, load_codes
from reattune.ethics.rules import obligations_for
from reattune.ethics.vocabulary import HARMED, HARMS, KINDS

SHIPPED = load_codes()
CODES = sorted(SHIPPED.values(), key=lambda c: c.id)
NOT_HARMED = ("unsafe_condition", "near_miss", "no_harm")


def keys(rules: list[ObligationRule], code_id: str | None = None) -> list[str]:
    return [r.key for r in rules if code_id is None or r.code_id == code_id]


def test_every_promised_code_and_law_ships() -> None:
    assert sorted(SHIPPED) == [
        "aamft",
        "aca",
        "apa",
        "bacp",
        "hipaa_breach",
        "nasw",
        "uk_duty_of_candour",
    ]
    assert all(code.shipped for code in CODES)
    assert {c.id for c in CODES if c.is_law} == {"hipaa_breach", "uk_duty_of_candour"}


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.id)
def test_each_file_is_named_after_its_id_and_links_its_full_text(code: EthicsCode) -> None:
    assert code.file == f"{code.id}.toml"
    assert code.source.startswith("https://")
    assert code.version
    if code.is_law:
        assert code.jurisdiction


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.id)
def test_each_obligation_cites_its_code_and_is_a_short_paraphrase(code: EthicsCode) -> None:
    assert code.obligations
    prefix = {
        "uk_duty_of_candour": "Reg 20(",
        "hipaa_breach": "45 CFR 164.",
    }.get(code.id, code.short_title + " ")
    for rule in code.obligations:
        assert rule.standard.startswith(prefix), rule.standard
        assert rule.code_id == code.id
        # One to three sentences, in plain words: no pasted passages.
        assert 1 <= len(re.findall(r"[.!?](\s|$)", rule.what)) <= 3, rule.what
        assert len(rule.what) <= 300, rule.key


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.id)
def test_each_file_says_in_a_comment_that_it_is_a_paraphrase(code: EthicsCode) -> None:
    text = (SHIPPED_DIR / code.file).read_text(encoding="utf-8")
    assert "Reattune's own paraphrase" in text


def test_a_harmful_confidentiality_breach_under_bacp_and_hipaa_lists_both() -> None:
    rules = obligations_for(
        [SHIPPED["hipaa_breach"], SHIPPED["bacp"]], "confidentiality", "harm_moderate"
    )
    assert {r.code_id for r in rules} == {"bacp", "hipaa_breach"}
    # By code id, then in file order.
    assert [r.code_id for r in rules] == sorted(r.code_id for r in rules)
    assert keys(rules, "bacp") == [
        "tell_client",
        "limit_harm",
        "repair_harm",
        "apologise",
        "tell_supervisor",
        "prevent_repeat",
        "supervision",
        "concerns_and_complaints",
        "confidentiality",
        "records",
    ]
    assert keys(rules, "hipaa_breach") == [
        "mitigate",
        "risk_assessment",
        "notify_individual",
        "notify_hhs",
        "notify_media",
        "document",
    ]


def test_hipaa_asks_for_a_written_notice_to_the_person_within_60_days() -> None:
    rules = obligations_for([SHIPPED["hipaa_breach"]], "confidentiality", "no_harm")
    notice = next(r for r in rules if r.key == "notify_individual")
    assert (notice.standard, notice.due_days, notice.written) == ("45 CFR 164.404", 60, True)
    assert notice.who == "admin"
    hhs = next(r for r in rules if r.key == "notify_hhs")
    assert hhs.standard == "45 CFR 164.408"
    assert "500 or more" in hhs.what
    assert next(r for r in rules if r.key == "risk_assessment").standard == "45 CFR 164.402"


@pytest.mark.parametrize("harm", ["unsafe_condition", "near_miss"])
def test_hipaa_does_not_apply_when_the_information_never_went_anywhere(harm: str) -> None:
    assert obligations_for([SHIPPED["hipaa_breach"]], "confidentiality", harm) == []


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "confidentiality"])
def test_hipaa_applies_only_to_confidentiality_mistakes(kind: str) -> None:
    for harm in HARMS:
        assert obligations_for([SHIPPED["hipaa_breach"]], kind, harm) == []


@pytest.mark.parametrize("harm", [*NOT_HARMED, "harm_mild"])
def test_uk_duty_of_candour_does_not_apply_below_moderate_harm(harm: str) -> None:
    for kind in KINDS:
        assert obligations_for([SHIPPED["uk_duty_of_candour"]], kind, harm) == []


@pytest.mark.parametrize("harm", ["harm_moderate", "harm_severe"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_uk_duty_of_candour_applies_to_moderate_and_severe_harm_of_any_kind(
    kind: str, harm: str
) -> None:
    rules = obligations_for([SHIPPED["uk_duty_of_candour"]], kind, harm)
    assert keys(rules) == [
        "notify_in_person",
        "true_account",
        "further_enquiries",
        "apologise",
        "offer_support",
        "record_notification",
        "written_follow_up",
        "record_attempts",
        "keep_correspondence",
    ]


def test_uk_duty_of_candour_follows_up_in_writing_within_14_days() -> None:
    rules = obligations_for([SHIPPED["uk_duty_of_candour"]], "clinical_error", "harm_severe")
    by_key = {r.key: r for r in rules}
    follow_up = by_key["written_follow_up"]
    assert (follow_up.standard, follow_up.due_days, follow_up.written) == ("Reg 20(4)", 14, True)
    assert [r.key for r in rules if r.written] == ["written_follow_up"]
    assert by_key["notify_in_person"].standard == "Reg 20(2)(a), 20(3)(a)"
    assert by_key["apologise"].standard == "Reg 20(3)(d)"
    # Every in-person step comes before the written one.
    assert max(r.due_days for r in rules if r.standard.startswith("Reg 20(3)")) < 14


def test_the_uk_candour_file_says_the_thresholds_are_the_regulations_own() -> None:
    text = (SHIPPED_DIR / "uk_duty_of_candour.toml").read_text(encoding="utf-8")
    assert '"Moderate harm" and "severe harm" are the regulation\'s own thresholds' in text


def test_bacp_candour_covers_near_misses_but_not_unsafe_conditions() -> None:
    bacp = [SHIPPED["bacp"]]
    assert "tell_client" in keys(obligations_for(bacp, "clinical_error", "near_miss"))
    assert "tell_client" not in keys(obligations_for(bacp, "clinical_error", "unsafe_condition"))
    assert "prevent_repeat" in keys(obligations_for(bacp, "clinical_error", "unsafe_condition"))
    assert "repair_harm" not in keys(obligations_for(bacp, "clinical_error", "no_harm"))


@pytest.mark.parametrize("code_id", ["apa", "aca", "nasw", "aamft"])
def test_each_american_code_covers_confidentiality_and_boundaries(code_id: str) -> None:
    code = [SHIPPED[code_id]]
    assert obligations_for(code, "confidentiality", "no_harm")
    assert obligations_for(code, "boundary", "harm_mild")


@pytest.mark.parametrize("code", [c for c in CODES if not c.is_law], ids=lambda c: c.id)
def test_every_code_asks_something_when_a_client_is_harmed(code: EthicsCode) -> None:
    for kind in KINDS:
        for harm in HARMED:
            assert obligations_for([code], kind, harm), (kind, harm)


def test_the_shipped_folder_holds_nothing_but_the_codes() -> None:
    assert sorted(p.name for p in Path(SHIPPED_DIR).iterdir()) == sorted(
        f"{c}.toml" for c in SHIPPED
    )
