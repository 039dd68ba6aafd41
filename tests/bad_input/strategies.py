"""Junk as people and machines really send it, for the property-based tests of requirement 22:
text of every script and none (control characters, NUL, huge), numbers out of any range,
malformed dates, wrong types written as text, and now and then a plausible value so the
checks behind the first ones run too."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

MALFORMED_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "31/12/2026",
    "2026-1-1T25:61",
    "-2026-01-01",
    "20260101",
    "2026-01-01\x00",
    "١٩٩٠-٠١-٠١",
]
WRONG_TYPES = ["[]", "{}", "null", "None", "true", "NaN", "-inf", "1e400", "0x1f", "1_000", "²"]

huge = st.builds(
    lambda count, piece: piece * count,
    st.integers(min_value=1_000, max_value=20_000),  # past every field's limit (10,000)
    st.sampled_from(["x", "é", "😀", "\x00", "\u202e", " ", "\n", "ab\x00"]),
)
control = st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=10)
unicode_text = st.text(max_size=60)  # any code point but lone surrogates
numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from([str(2**63), str(-(2**63) - 1), "0", "-1", "1", "99999999999999999999"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def junk(plausible: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """One posted value; `plausible` adds values the field would accept on their own."""
    options = [
        unicode_text,
        control,
        st.just("\x00"),
        huge,
        numbers,
        st.sampled_from(MALFORMED_DATES),
        st.sampled_from(WRONG_TYPES),
        st.dates().map(str),
        st.uuids().map(str),
        st.just(""),
    ]
    if plausible:
        listed = st.sampled_from(list(plausible))
        options += [listed, st.tuples(listed, control).map("".join)]
    return st.one_of(options)


def posted(plausible: Sequence[str] = ()) -> st.SearchStrategy[list[str]]:
    """What a form field receives: usually one value, sometimes none or several."""
    return st.lists(junk(plausible), min_size=0, max_size=3)
