"""Discourse state: event scope and the toll frame carried across an item's sentences."""

from __future__ import annotations

import pytest

from warnd.extract import extract_casualties
from warnd.extract.discourse import event_scope
from warnd.extract.tokens import tokenize

SCOPE = {  # id: (text, scoped)
    "war-has-killed": ("The civil war has killed 9,000 people.", True),
    "fighting-has-now": ("The fighting in the hills has now displaced 20,000.", True),
    "incident-subject": ("The explosion has killed 9 people.", False),
    "past-simple": ("The war killed 9,000 people.", False),
    "floods-own-clause": ("After the war, officials said floods have killed 9 people.", True),
    "subject-across-a-comma": ("The war ended, and a mine has killed 9 people.", False),
}


@pytest.mark.parametrize("text, scoped", list(SCOPE.values()), ids=list(SCOPE))
def test_event_scope(text: str, scoped: bool) -> None:
    tokens = tokenize(text)
    anchor = next(k for k, t in enumerate(tokens) if t.low in {"killed", "displaced"})
    assert event_scope(tokens, 0, anchor) is scoped


CARRY = [
    pytest.param("Since January, 500 people have been killed. Another 90 are missing.", [True, True],
                 id="another-and-present"),
    pytest.param("Since January, 500 people have been killed. 90 people remain missing.", [True, True],
                 id="remain"),
    pytest.param("Since January, 500 people have been killed. On Sunday 9 people were killed.", [True, False],
                 id="a-day-is-an-incident"),
    pytest.param("Since January, 500 people have been killed, including 80 over the past day.", [True, False],
                 id="part-pinned-to-its-own-span"),
    pytest.param("The toll could rise to 500. About 90 others are still missing.", [True, False],
                 id="a-projection-opens-no-frame"),
    # event scope read from the verb before the number when the state word after it is the anchor, and
    # through a relative pronoun (class K1); sentences invented for the test
    pytest.param("A decade of war has left an estimated 400,000 people dead.", [True], id="has-left-n-dead"),
    pytest.param("The insurgency, which has killed 9,000 people, entered its tenth year.", [True],
                 id="relative-clause-on-the-event"),
    pytest.param("The raid has left 12 people dead.", [False], id="an-incident-is-no-event-scope"),
    pytest.param("The number of deaths linked to the floods across Tete, Sofala and the rest of the centre had "
                 "climbed past 90 by Friday.", [True], id="growth-verb-far-from-its-toll-noun"),
    pytest.param("Survivors who reached Adre, Tine and Kariari said 35 people had died.", [False],
                 id="reached-without-a-toll"),
]


@pytest.mark.parametrize("text, cumulative", CARRY)
def test_toll_frame(text: str, cumulative: list[bool]) -> None:
    assert [c.cumulative for c in extract_casualties(text)] == cumulative
