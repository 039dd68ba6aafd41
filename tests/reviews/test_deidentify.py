"""The identifier check on its own (plain Python). All names, codes and dates are invented."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from reattune.reviews.deidentify import (
    ClientFacts,
    describe,
    find,
    identifiers_of,
    redact,
)

CLIENT = ClientFacts(
    code="DEMO-007",
    name="Hazel Moss",
    date_of_birth=dt.date(1990, 3, 14),
    email="hmoss.private@clients.example",
)
IDS = identifiers_of([CLIENT], ["Dr Tomás Reyes"])
SECTION = "What happened"

# Words a review is made of, none of which is (or contains as a whole word) an identifier.
PLAIN_WORDS = [
    "the", "client", "clinician", "said", "felt", "rushed", "and", "she", "he", "it",
    "was", "in", "on", "at", "to", "of", "we", "our", "session", "week", "later", "asked",
    "pushed", "apologised", "agenda", "pace", "review", "moment", "room", "email",
    "address", "letter", "mother", "washing", "hazelnut", "mossy", "demolition", "007x",
    "reyesian",
]  # fmt: skip
WORDS = st.sampled_from(PLAIN_WORDS)
FILLER = st.lists(WORDS, max_size=12).map(" ".join)

# Each identifier as people really retype it: case, accents and separators changed.
VARIANTS = [
    "DEMO-007", "demo 007", "DEMO007", "Demo_007", "demo-7", "demo . 007",
    "Hazel Moss", "HAZEL", "moss", "hazel  moss",
    "1990-03-14", "14/03/1990", "14/3/1990", "03/14/1990", "14 Mar 1990", "14 March 1990",
    "March 14, 1990", "14th March 1990", "14-03-1990", "14.03.1990",
    "hmoss.private@clients.example", "hmoss.private", "HMOSS PRIVATE",
    "Tomás Reyes", "tomas", "REYES",
]  # fmt: skip


def _case(text: str, flips: list[bool]) -> str:
    return "".join(
        c.upper() if f else c.lower() for c, f in zip(text, flips * len(text), strict=False)
    )


@given(
    before=FILLER,
    after=FILLER,
    variant=st.sampled_from(VARIANTS),
    flips=st.lists(st.booleans(), min_size=1, max_size=8),
    newlines=st.integers(min_value=0, max_value=3),
)
def test_an_identifier_anywhere_in_any_case_is_found_where_it_is(
    before: str, after: str, variant: str, flips: list[bool], newlines: int
) -> None:
    written = _case(variant, flips)
    head = "Intro line.\n" * newlines + (before + " " if before else "")
    text = head + written + (" " + after if after else "")
    hits = find({SECTION: text}, IDS)
    assert len(hits) == 1, (text, hits)
    hit = hits[0]
    assert (hit.start, hit.end) == (len(head), len(head) + len(written))
    assert hit.found == written
    assert hit.line == newlines + 1
    assert hit.column == len(head) - len("Intro line.\n") * newlines + 1
    assert f"[{written}]" in hit.excerpt
    assert hit.where().startswith(f"{SECTION}, line {newlines + 1}: '")


@given(text=FILLER)
def test_text_without_identifiers_gives_no_hits(text: str) -> None:
    assert find({SECTION: text}, IDS) == []


@given(text=st.text(alphabet="abcdefghijklmnopqrstuvwxyz .,\n", max_size=200))
def test_short_name_parts_never_flag_ordinary_words(text: str) -> None:
    """A client called "Al Bo" (parts under three letters) is looked for only as the whole
    name; the words "al", "bo", "a", "I" and the like never raise an alarm on their own."""
    ids = identifiers_of([ClientFacts(code="Q-9Z1", name="Al Bo")])
    hits = find({SECTION: text}, ids)
    assert all(re.fullmatch(r"al[\W_]{0,3}bo", h.found.lower()) for h in hits)


def test_common_words_are_not_mistaken_for_a_name() -> None:
    text = "She was washing up; the hazelnut cake, the mossy path, and demolition 0071."
    assert find({SECTION: text}, IDS) == []


def test_every_hit_is_reported_with_its_section_line_and_column() -> None:
    sections = {
        "Title": "A rupture",
        SECTION: "First line.\nMet with DEMO-007 on 14/03/1990 about\nher email hmoss.private",
    }
    where = describe(find(sections, IDS))
    assert where == [
        f"{SECTION}, line 2: 'Met with [DEMO-007] on 14/03/1990 about'",
        f"{SECTION}, line 2: 'Met with DEMO-007 on [14/03/1990] about'",
        f"{SECTION}, line 3: 'her email [hmoss.private]'",
    ]
    columns = [h.column for h in find(sections, IDS)]
    assert columns == [10, 22, 11]


def test_a_full_name_is_one_hit_not_two() -> None:
    hits = find({SECTION: "We saw Hazel Moss."}, IDS)
    assert [h.found for h in hits] == ["Hazel Moss"]


def test_a_clinicians_name_is_caught_without_their_title() -> None:
    hits = find({SECTION: "Dr Reyes agreed, and so did Tomas."}, IDS)
    assert [(h.found, h.identifier.what) for h in hits] == [
        ("Reyes", "clinician's name"),
        ("Tomas", "clinician's name"),
    ]
    assert "Dr" not in {i.value for i in IDS}


def test_redact_replaces_client_and_clinician_identifiers() -> None:
    sections = {SECTION: "Tomás met demo007 (Hazel Moss, born 14 March 1990)."}
    assert redact(sections, IDS) == {SECTION: "[clinician] met [client] ([client], born [client])."}
    assert find(redact(sections, IDS), IDS) == []


@given(before=FILLER, variant=st.sampled_from(VARIANTS), after=FILLER)
def test_after_redaction_nothing_is_found(before: str, variant: str, after: str) -> None:
    text = f"{before} {variant} {after}"
    assert find(redact({SECTION: text}, IDS), IDS) == []


def test_a_client_without_name_date_or_email_still_has_their_code() -> None:
    ids = identifiers_of([ClientFacts(code="C0042")])
    assert [h.found for h in find({SECTION: "c 42 and C-0042"}, ids)] == ["c 42", "C-0042"]
