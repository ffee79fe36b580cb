"""From figures to an item's casualty list: repeats merged per statement, parts pointing at their total."""

from __future__ import annotations

from warnd.extract.casualties import find_figures
from warnd.extract.casualty_list import casualty_list
from warnd.extract.tokens import sentences, tokenize


def _list(text: str) -> list[tuple[str, int, int | None]]:
    tokens = tokenize(text)
    return [(c.kind.value, c.count, c.part_of) for c in casualty_list(find_figures(tokens, sentences(tokens, text)), {})]


def test_the_same_figure_in_title_and_summary_is_one() -> None:
    assert _list("12 killed in attack\nGunmen killed 12 people on Friday.") == [("killed", 12, None)]


def test_two_equal_figures_in_one_sentence_are_two() -> None:
    assert _list("Gunmen killed 4 farmers and 4 traders.") == [("killed", 4, None), ("killed", 4, None)]


def test_part_of_points_at_the_merged_total() -> None:
    text = "30 killed in raid\nThe raid killed 30 people. Among the dead were 9 children."
    assert _list(text) == [("killed", 30, None), ("killed", 9, 0)]


def test_a_repeat_with_other_victims_is_another_figure() -> None:
    assert _list("Militants killed 5 soldiers. Elsewhere, 5 civilians were killed.") == \
        [("killed", 5, None), ("killed", 5, None)]
