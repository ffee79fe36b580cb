"""Is a sentence about the past? History gives no new casualties and no targeting now.

"Survivors marked the anniversary of the 2014 massacre, in which militants killed 5,000 men",
"Ten years after the kidnapping ...", "In 1994, 800,000 people were killed": the figures belong to
history. Without a publication date, the latest year the text names stands for "now", and a year
before 2010 is history whatever the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from warnd.extract import casualty_words as W
from warnd.extract.tokens import Token

_YEAR_MIN, _YEAR_MAX = 1800, 2100
_HISTORY_BEFORE = 2010
_BREAKS = frozenset({",", ";", ":", "(", ")", "—", "–", "[", "]"})


def reference_year(tokens: list[Token], number_starts: list[int], published_year: int | None) -> int:
    """The year that counts as "now": the publication year, else the latest year the text names (>= 2010)."""
    if published_year is not None:
        return published_year
    years = [int(tokens[i].text) for i in number_starts if is_year(tokens[i])]
    return max([*years, _HISTORY_BEFORE])


def _segment_start(tokens: list[Token], lo: int, at: int) -> int:
    """Where the comma-delimited stretch holding token `at` begins (at most 60 tokens back)."""
    a = at
    while a > lo and a > at - 60 and tokens[a - 1].text not in _BREAKS:
        a -= 1
    return a


def history_span(tokens: list[Token], lo: int, hi: int, published_year: int | None, *,
                 may_look_back: bool = True, numbers: Sequence[int] | None = None) -> tuple[int, int]:
    """The tokens [a, b) of this sentence that talk about a past event: "the 1982 massacre, in which ...",
    "In 1994, ... were killed" (that clause only, up to a semicolon). (hi, hi) when there are none.
    `may_look_back=False` (the item has none of LOOKBACK_WORDS) skips the anniversary scan; `numbers`
    (indexes of the sentence's number tokens) spares a pass over its words."""
    if may_look_back and looks_back(tokens, lo, hi):
        return lo, hi
    for i in (numbers if numbers is not None else range(lo, hi)):
        t = tokens[i]
        if t.kind != "num" or not is_year(t):
            continue
        year = int(t.text)
        before = tokens[i - 1].low if i > lo else ""
        if before in {"since", "from"}:
            continue
        past = published_year is not None and year < published_year
        if (i + 1 < hi and tokens[i + 1].low in W.HISTORY_EVENT_NOUNS) or past:
            for j in range(i + 1, min(hi - 1, i + 40)):
                if (tokens[j].low == "in" and tokens[j + 1].low == "which") or tokens[j].low == "when" \
                        or (tokens[j].low == "during" and tokens[j + 1].low == "which"):
                    return j, _clause_end(tokens, j, hi)
            if past and before == "in":
                # "In 1982, forces killed ..." / "... killed 10,000 people in 1982": the year's clause is history
                a = _segment_start(tokens, lo, i)
                return a, _clause_end(tokens, i, hi)
    return hi, hi


def _clause_end(tokens: list[Token], at: int, hi: int) -> int:
    """The end of the clause holding token `at`: the next semicolon, or the end of the sentence."""
    for k in range(at, min(hi, at + 80)):
        if tokens[k].text == ";":
            return k
    return hi


_SPANS_BACK = frozenset({"years", "decades", "decade", "year"})
_COUNTS_BACK = frozenset({"ten", "twenty", "thirty", "forty", "fifty", "two", "three", "four", "five", "many",
                          "several", "few", "a", "one"})


LOOKBACK_WORDS = W.HISTORY_WORDS | {"after", "ago"}  # an item with none of these never looks back


def looks_back(tokens: list[Token], lo: int, hi: int) -> bool:
    """True for a sentence about the past: an anniversary, "ten years after", "a decade after", "years ago"."""
    for i in range(lo, hi):
        low = tokens[i].low
        if low in W.HISTORY_WORDS:
            return True
        if low in _SPANS_BACK and i + 1 < hi and tokens[i + 1].low in {"after", "ago"} and i > lo \
                and (tokens[i - 1].kind == "num" or tokens[i - 1].low in _COUNTS_BACK):
            return True
    return False


def is_year(t: Token) -> bool:
    return t.text.isdigit() and len(t.text) == 4 and _YEAR_MIN <= int(t.text) <= _YEAR_MAX


