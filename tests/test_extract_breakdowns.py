"""Breakdowns found by punctuation and list shape alone: which number mentions are members of a figure's list."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warnd.extract.breakdowns import aside_end, find_breakdown, is_dash
from warnd.extract.numbers import find_numbers
from warnd.extract.tokens import tokenize

CASES = [
    pytest.param("killed 9 people – 4 men and 5 women – on Monday", "–", [4, 5], id="dash"),
    pytest.param("some 9 people (4 men, 5 women) died", "(", [4, 5], id="parenthesis"),
    pytest.param("9 people died: 4 in the north and 5 in the south.", ":", [4, 5], id="colon"),
    pytest.param("killed 9 people, 4 men and 5 women, and wounded 3", ",", [4, 5], id="comma-sums"),
    pytest.param("killed 9 people, 4 men and 2 women, and wounded 3", ",", None, id="comma-must-sum"),
    pytest.param("killed 9 people – 40 men and 5 women – on Monday", "–", None, id="parts-exceed-total"),
    pytest.param("killed 9 people - 4 men - on Monday", "-", [4], id="spaced-hyphen"),
]


@pytest.mark.parametrize("text, opener, members", CASES)
def test_find_breakdown(text: str, opener: str, members: list[int] | None) -> None:
    tokens = tokenize(text)
    mentions = find_numbers(tokens, 0, len(tokens))
    at = next(k for k, t in enumerate(tokens) if t.text == opener and k > mentions[0].end)
    found = find_breakdown(tokens, mentions[0].value, at, len(tokens), mentions, 1)
    assert (None if found is None else [mentions[n].value for n in found.members]) == members


def test_a_hyphen_inside_a_word_is_no_dash() -> None:
    tokens = tokenize("a well-known 12-member team")
    assert not any(is_dash(tokens, k) for k in range(len(tokens)))


def test_aside_end_skips_a_closed_aside_only() -> None:
    tokens = tokenize("9 people (4 men) were killed")
    assert tokens[aside_end(tokens, 2, len(tokens)) or 0].low == "were"
    unclosed = tokenize("9 people (4 men were killed.")
    assert aside_end(unclosed, 2, len(unclosed)) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["12", "(", ")", "–", ":", ",", "and", "men", "in", "X", "-", ";", "."]),
                max_size=60))
def test_never_raises(words: list[str]) -> None:
    tokens = tokenize(" ".join(words))
    mentions = find_numbers(tokens, 0, len(tokens))
    for k in range(len(tokens)):
        find_breakdown(tokens, 100, k, len(tokens), mentions, 0)
        aside_end(tokens, k, len(tokens))
