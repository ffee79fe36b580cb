"""Estimates: a modal or projection that governs the figure, and none elsewhere in the sentence."""

from __future__ import annotations

import pytest

from warnd.extract import extract_casualties

CASES = [
    pytest.param("The death toll could climb well above 400.", True, id="could-climb-above"),
    pytest.param("The number of dead is expected to rise to 90.", True, id="expected-to-rise-to"),
    pytest.param("As many as 60 migrants may have drowned.", True, id="may-have-drowned"),
    pytest.param("Before they could escape, gunmen killed 15 villagers.", False, id="modal-in-another-clause"),
    pytest.param("The toll rose to 400.", False, id="asserted"),
]


@pytest.mark.parametrize("text, estimate", CASES)
def test_estimate_flag(text: str, estimate: bool) -> None:
    (figure,) = extract_casualties(text)
    assert figure.estimate is estimate
