"""Estimates: a modal or projection that governs the figure, and none elsewhere in the sentence."""

from __future__ import annotations

import pytest

from warnd.extract import extract_casualties

PROJECTED = ["The death toll could climb well above 400.", "The number of dead is expected to rise to 90.",
             "As many as 60 migrants may have drowned.", "Aid groups fear the count of missing might top 200."]
ASSERTED = ["Before they could escape, gunmen killed 15 villagers.", "The toll rose to 400.",
            "Police said they may question the 12 men arrested on Friday."]


@pytest.mark.parametrize("text", PROJECTED)
def test_a_governing_modal_makes_an_estimate(text: str) -> None:
    (figure,) = extract_casualties(text)
    assert figure.estimate


@pytest.mark.parametrize("text", ASSERTED)
def test_a_modal_elsewhere_does_not(text: str) -> None:
    assert [c.estimate for c in extract_casualties(text)] == [False]
