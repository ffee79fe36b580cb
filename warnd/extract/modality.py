"""Is a figure asserted, or only projected? "the toll could exceed 500", "as many as 300 may have been
killed", "expected to rise to 11": such figures are kept with `estimate: true` and never counted.

A modal counts only where it governs the figure: right before the number through a chain of
threshold words ("could climb above"), or between the figure and its state word ("300 ... may have
been killed"). A modal elsewhere in the sentence ("before they could flee, gunmen killed 12") does not.
"""

from __future__ import annotations

from warnd.extract.tokens import Token

MODALS = frozenset({"could", "may", "might", "would"})
# "expected to rise to", "feared to reach", "projected to hit", "likely to top"
PROJECTIONS = frozenset({"expected", "feared", "projected", "forecast", "predicted", "likely", "set", "poised",
                         "estimated"})
MODAL_WORDS = MODALS | PROJECTIONS   # a sentence with none of these has no estimate
# Words that may link a modal to the number it governs ("could climb well above 3,000").
_THRESHOLD_CHAIN = frozenset({
    "be", "have", "been", "exceed", "surpass", "top", "reach", "hit", "pass", "climb", "rise", "rising",
    "go", "grow", "increase", "double", "cross", "near", "to", "above", "beyond", "over", "past", "well",
    "far", "as", "high", "much", "more", "than", "at", "least", "still", "further", "eventually", "soon",
    "ultimately", "number", "reaching", "even", "the", "up",
})
_REACH_BEFORE = 7
_REACH_AFTER = 6


def is_estimate(tokens: list[Token], lo: int, hedge_start: int, np_end: int, anchor: int) -> bool:
    """Whether the figure whose hedge starts at `hedge_start` is a projection or a modal figure."""
    k = hedge_start - 1
    steps = 0
    while k >= lo and steps < _REACH_BEFORE:
        low = tokens[k].low
        if low in MODALS:
            return True
        if low in PROJECTIONS and k + 1 < hedge_start and tokens[k + 1].low == "to" and steps > 0:
            return True
        if low not in _THRESHOLD_CHAIN:
            break
        k -= 1
        steps += 1
    if anchor >= np_end:
        # "As many as 300 civilians may have been killed": a modal between the figure and its state word
        for j in range(np_end, min(anchor, np_end + _REACH_AFTER)):
            if tokens[j].low in MODALS:
                return True
            if tokens[j].kind == "punct":
                break
    return False
