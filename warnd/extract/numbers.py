"""Numbers as news writes them: "1,018", "1 018", "1.2 million", "twenty-five", "a dozen", "between 30 and 40".

`find_numbers` returns every number mention in a token range with its hedge ("at least", "some",
"up to") already read, so the casualty patterns only decide what the number counts.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from warnd.extract.tokens import Token, adjacent
from warnd.types import Qualifier

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SHORT_SCALES = {"m": 1_000_000, "mn": 1_000_000, "k": 1_000, "bn": 1_000_000_000}

# Hedges, longest first; each is a tuple of folded words that must end right before the number.
_HEDGES: tuple[tuple[tuple[str, ...], Qualifier], ...] = (
    (("at", "least"), Qualifier.AT_LEAST),
    (("no", "fewer", "than"), Qualifier.AT_LEAST),
    (("not", "less", "than"), Qualifier.AT_LEAST),
    (("a", "minimum", "of"), Qualifier.AT_LEAST),
    (("more", "than"), Qualifier.MORE_THAN),
    (("upwards", "of"), Qualifier.MORE_THAN),
    (("in", "excess", "of"), Qualifier.MORE_THAN),
    (("well", "over"), Qualifier.MORE_THAN),
    (("over",), Qualifier.MORE_THAN),
    (("above",), Qualifier.MORE_THAN),
    (("up", "to"), Qualifier.UP_TO),
    (("as", "many", "as"), Qualifier.UP_TO),
    (("as", "high", "as"), Qualifier.UP_TO),   # "the toll could be as high as 400"
    (("as", "much", "as"), Qualifier.UP_TO),
    (("at", "most"), Qualifier.UP_TO),
    (("an", "estimated"), Qualifier.ABOUT),
    (("estimated",), Qualifier.ABOUT),
    (("about",), Qualifier.ABOUT),
    (("around",), Qualifier.ABOUT),
    (("some",), Qualifier.ABOUT),
    (("nearly",), Qualifier.ABOUT),
    (("almost",), Qualifier.ABOUT),
    (("roughly",), Qualifier.ABOUT),
    (("approximately",), Qualifier.ABOUT),
    (("close", "to"), Qualifier.ABOUT),
    (("circa",), Qualifier.ABOUT),
    (("nearly",), Qualifier.ABOUT),
    (("an", "approximate"), Qualifier.ABOUT),
)


class NumberMention(NamedTuple):
    """One number in the text: tokens [start, end), the hedge before it at [hedge_start, start).

    A NamedTuple, like Token: created for every number of every item, where a frozen dataclass's
    per-field __setattr__ shows in the profile.
    """

    value: int
    start: int
    end: int
    hedge_start: int
    qualifier: Qualifier
    written: str                 # "digits" | "words"
    decimal: bool = False        # "5.3", "1.2" without a scale word after it


_MAX_DIGITS = 13          # more is not a casualty count, and float("9" * 400) is inf


def _digits(tok: Token) -> tuple[float, bool] | None:
    text = tok.text
    if len(text) > _MAX_DIGITS + 4:
        return None
    if "," in text or "\u00a0" in text or "\u202f" in text or " " in text:
        return float(text.replace(",", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")), False
    if "." in text:
        whole, frac = text.split(".", 1)
        if len(frac) == 3 and whole != "0":
            return float(whole + frac), False   # "1.018": a thousands separator, as in European usage
        return float(text), True
    return float(text), False


_MAX_NUMBER_WORDS = 8     # "hundred hundred hundred ..." must not grow a huge integer


class NumberWords(NamedTuple):
    """A language's number words (folded), read by `word_number`: units and tens add ("twenty-five",
    "soixante-dix"), a scale multiplies what is before it ("two hundred", "trois mille")."""

    units: Mapping[str, int]
    tens: Mapping[str, int]
    scales: Mapping[str, int]
    multipliers: Mapping[str, int] = {}      # "two dozen"
    joiners: frozenset[str] = frozenset()    # "vingt et un": a joiner before a unit or a `ones` word
    ones: frozenset[str] = frozenset()       # "un": 1 only after a joiner (else it is an article)
    after_scale: frozenset[str] = frozenset()  # "two hundred and five": a joiner only after a scale
    scale_alone: bool = False                # "cent personnes", "mille morts": a scale is a number alone
    tens_multiply: bool = False              # "quatre-vingts": a tens word right after a unit multiplies it
    limit: int = _MAX_NUMBER_WORDS           # words read at most ("hundred hundred ..." must stay small)


ENGLISH_WORDS = NumberWords(_UNITS, _TENS, _SCALES, {"dozen": 12}, after_scale=frozenset({"and"}))


def word_number(tokens: Sequence[Token], i: int, stop: int, words: NumberWords) -> tuple[int, int] | None:
    """The value of the number words at tokens[i:] and the index after them, or None."""
    total = 0
    current = 0
    j = i
    seen = False
    last_unit = False
    joined = False
    while j < stop and j - i < words.limit:
        w = tokens[j].low
        if joined and w in words.ones:
            current += 1
            last_unit = True
        elif w in words.units:
            current += words.units[w]
            last_unit = True
        elif w in words.tens:
            if words.tens_multiply and last_unit and 2 <= current <= 9:
                current *= words.tens[w]
            else:
                current += words.tens[w]
            last_unit = False
        elif w in words.multipliers and seen:
            current *= words.multipliers[w]
        elif w in words.scales and (seen or words.scale_alone):
            scale = words.scales[w]
            base = current if current or not words.scale_alone else 1
            if scale == 100:
                current = base * 100
            else:
                total += base * scale
                current = 0
            last_unit = False
        elif w == "-" and seen and j + 1 < stop and adjacent(tokens[j - 1], tokens[j]) \
                and adjacent(tokens[j], tokens[j + 1]) \
                and (tokens[j + 1].low in words.units or (words.tens_multiply and tokens[j + 1].low in words.tens)):
            j += 1
            continue
        elif w in words.after_scale and seen and j + 1 < stop \
                and (tokens[j + 1].low in words.units or tokens[j + 1].low in words.tens) \
                and j > 0 and tokens[j - 1].low in words.scales:
            j += 1
            continue
        elif w in words.joiners and seen and j + 1 < stop \
                and (tokens[j + 1].low in words.units or tokens[j + 1].low in words.ones):
            joined = True
            j += 1
            continue
        else:
            break
        seen = True
        j += 1
    if not seen:
        return None
    return total + current, j


def _word_number(tokens: list[Token], i: int, stop: int) -> tuple[int, int] | None:
    """Parse number words starting at token i: "twenty-five", "two hundred", "a dozen", "two dozen"."""
    low = tokens[i].low
    if low in {"a", "one"} and i + 1 < stop and tokens[i + 1].low == "dozen":
        return 12, i + 2
    if low == "a" and i + 1 < stop and tokens[i + 1].low in {"million", "thousand", "hundred"}:
        return _SCALES[tokens[i + 1].low], i + 2   # "a million", "half a million" (halved by the caller)
    if low == "a":
        return None
    return word_number(tokens, i, stop, ENGLISH_WORDS)


# Hedges by their last word, so most numbers are settled by one dict lookup.
_HEDGES_BY_LAST: dict[str, list[tuple[tuple[str, ...], Qualifier]]] = {}
for _words, _qualifier in _HEDGES:
    _HEDGES_BY_LAST.setdefault(_words[-1], []).append((_words, _qualifier))


def _hedge(tokens: list[Token], i: int, lo: int) -> tuple[Qualifier, int]:
    if i - 1 < lo:
        return Qualifier.EXACT, i
    for words, qualifier in _HEDGES_BY_LAST.get(tokens[i - 1].low, ()):
        k = len(words)
        if i - k >= lo and all(tokens[i - k + n].low == words[n] for n in range(k)):
            return qualifier, i - k
    return Qualifier.EXACT, i


_STARTS = frozenset(_UNITS) | frozenset(_TENS) | {"a", "one"}


def number_starts(tokens: list[Token]) -> list[int]:
    """Indexes of the tokens a number can start at (digits, number words): the only ones worth a look."""
    return [i for i, t in enumerate(tokens) if t.kind == "num" or t.low in _STARTS]


def find_numbers(tokens: list[Token], lo: int, hi: int, starts: list[int] | None = None) -> list[NumberMention]:
    """Every number mention in tokens[lo:hi], left to right; ranges become one mention (qualifier range).

    `starts` (from `number_starts`) spares scanning every token of every sentence.
    """
    found: list[NumberMention] = []
    candidates = starts[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)] if starts is not None \
        else range(lo, hi)
    i = lo
    for c in candidates:
        if c < i:
            continue  # inside the previous number ("two hundred")
        i = c
        tok = tokens[i]
        parsed: tuple[float, int, str, bool] | None = None
        if tok.kind == "num":
            number = _digits(tok)
            if number is not None:
                value, decimal = number
                end = i + 1
                if end < hi and (tokens[end].low in _SCALES and tokens[end].low != "hundred"):
                    value *= _SCALES[tokens[end].low]
                    end += 1
                    decimal = False
                elif end < hi and tokens[end].low in _SHORT_SCALES and adjacent(tok, tokens[end]):
                    value *= _SHORT_SCALES[tokens[end].low]
                    end += 1
                    decimal = False
                parsed = (value, end, "digits", decimal)
        elif tok.kind == "word" and (tok.low in _UNITS or tok.low in _TENS or tok.low in {"a", "one"}):
            words = _word_number(tokens, i, hi)
            if words is not None:
                value = float(words[0])
                if tok.low == "a" and i > lo and tokens[i - 1].low == "half":
                    value, i = value / 2, i - 1  # "half a dozen", "half a million"
                parsed = (value, words[1], "words", False)
        if parsed is None:
            continue
        value, end, written, decimal = parsed
        qualifier, hedge_start = _hedge(tokens, i, lo)
        mention = NumberMention(int(value), i, end, hedge_start, qualifier, written, decimal)
        # "between 30 and 40", "30 to 40", "30-40": one figure, its lower bound, qualifier range
        if found and _joins_range(tokens, found[-1], mention):
            first = found.pop()
            start_hedge = first.hedge_start
            if start_hedge > lo and tokens[start_hedge - 1].low == "between":
                start_hedge -= 1
            mention = NumberMention(min(first.value, mention.value), first.start, end, start_hedge,
                                    Qualifier.RANGE, first.written)
        found.append(mention)
        i = end
    return found


def _joins_range(tokens: list[Token], first: NumberMention, second: NumberMention) -> bool:
    gap = tokens[first.end:second.hedge_start]
    if second.hedge_start != second.start or not 0 < len(gap) <= 1 or first.decimal or second.decimal:
        return False
    word = gap[0].low
    if word == "and":
        return first.hedge_start > 0 and tokens[first.hedge_start - 1].low == "between"
    if word in {"to", "-", "–", "or"}:
        # "rose from 745 to 1,018" is a change between two figures, not a range
        after_from = first.hedge_start > 0 and tokens[first.hedge_start - 1].low in {"from", "by"}
        return first.value < second.value and first.written == second.written and not after_from
    return False
