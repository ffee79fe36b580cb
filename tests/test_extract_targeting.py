"""Clause-level evidence on one unit: the head noun after a name, and the two sides of "between X and Y"."""

from __future__ import annotations

import pytest

from warnd.extract.lexicon import Lexicon, load_lexicon
from warnd.extract.targeting import Unit, between_sides, head_after
from warnd.extract.tokens import tokenize


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


HEADS = [
    pytest.param("Kurdish farming villages", "villages", id="adjective-skipped"),
    pytest.param("Druze community leaders", "leaders", id="last-noun-of-compound"),
    pytest.param("Alawite-majority neighbourhoods", "neighbourhoods", id="majority-compound"),
    pytest.param("Hazara said", None, id="no-noun"),
]


@pytest.mark.parametrize("text, head", HEADS)
def test_head_after(lexicon: Lexicon, text: str, head: str | None) -> None:
    tokens = tokenize(text)
    assert head_after(tokens, 1, len(tokens), lexicon)[0] == head


SIDES = [
    pytest.param("clashes between Pokot and Turkana herders", [Unit(2, 3, ["Pokot"]), Unit(4, 5, ["Turkana"])],
                 {0, 1}, id="two-communities"),
    pytest.param("fighting between Hawiye militias and Darod fighters",
                 [Unit(2, 3, ["Hawiye"]), Unit(5, 6, ["Darod"])], set(), id="armed-sides"),
    pytest.param("clashes with Pokot and Turkana herders", [Unit(2, 5, ["Pokot", "Turkana"])], set(),
                 id="no-between"),
]


@pytest.mark.parametrize("text, units, sides", SIDES)
def test_between_sides(lexicon: Lexicon, text: str, units: list[Unit], sides: set[int]) -> None:
    assert between_sides(tokenize(text), units, 0, lexicon) == sides
