"""A figure over a list of places belongs to the list's first place (EXTRACT_FORMAT.md: the most
specific named place; "in Latakia and Tartus provinces" → Latakia), however long the list."""

from __future__ import annotations

import pytest

from warnd.extract import load_extractor

EXTRACTOR = load_extractor()

CASES = [
    pytest.param("The monitor raised its count of people killed in Latakia, Tartus and Homs provinces since "
                 "Thursday to 1,018, including 125 members of the security forces.",
                 [(1018, "Latakia"), (125, "Latakia")], id="three-place-list-toll"),
    pytest.param("At least 745 civilians were killed in Latakia and Tartus provinces since Thursday.",
                 [(745, "Latakia")], id="two-place-list"),
    pytest.param("Shelling killed 12 people in Idlib, while 4 died in Aleppo, Hama and Homs.",
                 [(12, "Idlib"), (4, "Aleppo")], id="two-clauses-each-its-own-place"),
    pytest.param("Gunmen killed 5 people in Jableh on Friday, officials in Damascus said.",
                 [(5, "Jableh")], id="source-place-is-not-the-scene"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_figures_over_a_list_of_places(text: str, expected: list[tuple[int, str]]) -> None:
    got = [(c.count, c.location) for c in EXTRACTOR.extract_text(text).casualties]
    assert got == expected
