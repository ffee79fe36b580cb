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
                 may_look_back: bool = True, numbers: Sequence[int] | None = None,
                 retrospective: bool = False) -> tuple[int, int]:
    """The tokens [a, b) of this sentence that talk about a past event: "the 1982 massacre, in which ...",
    "In 1994, ... were killed" (that clause only, up to a semicolon). (hi, hi) when there are none.
    `may_look_back=False` (the item has none of LOOKBACK_WORDS) skips the anniversary scan; `numbers`
    (indexes of the sentence's number tokens) spares a pass over its words. `retrospective` (an earlier
    sentence of the item looked back) makes an event named by its year ("the 2014 assault") a past one."""
    if may_look_back and (looks_back(tokens, lo, hi) or looks_back_at(tokens, lo, hi)):
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
        named_event = _names_event(tokens, i, hi)
        # "the 2020-2022 war": an event whose end year is given is over
        ended = i - 2 >= lo and tokens[i - 1].text in {"-", "–"} and is_year(tokens[i - 2]) and named_event
        if named_event or past:
            for j in range(i + 1, min(hi - 1, i + 40)):
                if (tokens[j].low == "in" and tokens[j + 1].low == "which") or tokens[j].low == "when" \
                        or (tokens[j].low == "during" and tokens[j + 1].low == "which") \
                        or (tokens[j].low == "which" and tokens[j - 1].text == ","):
                    return j, _clause_end(tokens, j, hi)
            if named_event and (past or ended or retrospective) and _past_verb_follows(tokens, i, hi):
                # "The 2014 assault on the district killed 5,000": the year's event is the subject
                return _segment_start(tokens, lo, i), _clause_end(tokens, i, hi)
            if past and (before == "in" or (before == "the" and named_event and i - 2 >= lo
                                            and tokens[i - 2].low in {"in", "during"})):
                # "In 1982, forces killed ..." / "... killed 10,000 people in 1982" / "... in the 1983
                # riots": the year's clause is history
                a = _segment_start(tokens, lo, i)
                return a, _clause_end(tokens, i, hi)
    return hi, hi


_EVENTS = W.HISTORY_EVENT_NOUNS | {"assault", "raid", "raids", "blast", "explosion", "fire", "cyclone", "typhoon",
                                   "hurricane", "storm", "flood", "shipwreck", "deportation", "purge", "rampage"}
_PAST_VERBS = frozenset({"killed", "left", "claimed", "displaced", "uprooted", "wounded", "injured", "forced",
                         "drove", "abducted", "kidnapped", "took", "cost"})


def _names_event(tokens: list[Token], i: int, hi: int) -> bool:
    """A year before an event noun, maybe with one word between: "2014 massacre", "2011 arson attack";
    or after it: "the massacre of 1994", "the floods of 1998"."""
    if i >= 2 and tokens[i - 1].low == "of" and tokens[i - 2].low in _EVENTS:
        return True
    return any(tokens[k].low in _EVENTS for k in range(i + 1, min(hi, i + 3)))


def _past_verb_follows(tokens: list[Token], i: int, hi: int) -> bool:
    """A past-tense harm verb in the year's clause, not a present perfect: "the 2015 earthquake killed"."""
    for k in range(i + 1, min(hi, i + 10)):
        low = tokens[k].low
        if low in _PAST_VERBS:
            return tokens[k - 1].low not in {"has", "have"}
        if tokens[k].text in _BREAKS:
            return False
    return False


COMMEMORATING = frozenset({"marked", "mark", "marks", "marking", "remember", "remembering", "recalled",
                            "recalling", "mourned", "mourn"})


def looks_back_at(tokens: list[Token], lo: int, hi: int) -> bool:
    """ "a decade later", "years later", or "marked ten years since": the sentence tells past events."""
    commemorating = False
    for i in range(lo, hi):
        low = tokens[i].low
        commemorating = commemorating or low in COMMEMORATING
        if low in _SPANS_BACK and i + 1 < hi and i > lo \
                and (tokens[i - 1].kind == "num" or tokens[i - 1].low in _COUNTS_BACK):
            nxt = tokens[i + 1].low
            if nxt == "later" or (nxt == "since" and (commemorating or any(
                    tokens[k].low in COMMEMORATING for k in range(i + 2, min(hi, i + 8))))):
                return True
    return False


def _clause_end(tokens: list[Token], at: int, hi: int) -> int:
    """The end of the clause holding token `at`: the next semicolon, or the end of the sentence."""
    for k in range(at, min(hi, at + 80)):
        if tokens[k].text == ";":
            return k
    return hi


_SPANS_BACK = frozenset({"years", "decades", "decade", "year"})
_COUNTS_BACK = frozenset({"ten", "twenty", "thirty", "forty", "fifty", "two", "three", "four", "five", "many",
                          "several", "few", "a", "one", "six", "seven", "eight", "nine", "eleven", "twelve",
                          "fifteen", "sixty", "seventy", "eighty", "hundred"})


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


