"""Tokens and sentences: the one pass over an item's text that every extractor shares.

One compiled regex with no nested quantifiers tokenises the text, so the cost is linear in its length
whatever the input (issue 5: no catastrophic backtracking on 1 MB of hostile text).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from typing import NamedTuple

# Digit groups separated by ",", "." or a (narrow/no-break) space are one number ("1,018", "1.018",
# "1 018"); a lone decimal ("5.3", "1.2") is kept whole so "1.2 million" reads as 1,200,000.
_TOKEN = re.compile(
    r"[^\W\d_]+(?:['’][^\W\d_]+)?"                                   # a word
    r"|\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?"  # a number
    r"|[^\w\s]"                                                       # a mark ("_" is dropped)
)
# The same pattern for ASCII-only text (most feed items): the ASCII classes match the same tokens there
# and are a quarter faster than the Unicode ones.
_TOKEN_ASCII = re.compile(_TOKEN.pattern, re.ASCII)
_NEWLINE = re.compile(r"\n")
_STOPS = frozenset({".", "!", "?"})
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "maj", "capt", "sgt", "no",
                            "vs", "jan", "feb", "aug", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m",
                            "brig", "rev", "prof", "sen", "rep", "gov", "inc", "co", "corp", "jr", "sr"})


class Token(NamedTuple):
    """A word, number or punctuation mark, with its offsets in the text.

    A NamedTuple rather than a frozen dataclass: an item has hundreds of tokens, and a frozen
    dataclass's __init__ (object.__setattr__ per field) made tokenising half the extraction time.
    """

    text: str
    low: str        # lower-cased, accents stripped: what lexicons are matched against
    start: int
    end: int
    kind: str       # "num" | "word" | "punct"
    is_cap: bool = False  # a word starting with a capital letter


def fold(text: str) -> str:
    """Lower-case and strip accents ("Pont-Sondé" -> "pont-sonde"), the key every lexicon uses."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


@functools.lru_cache(maxsize=65_536)
def _describe(value: str) -> tuple[str, str, bool]:
    """(folded form, kind, capitalised) of a token's text; memoised, as news reuses a small vocabulary."""
    first = value[0]
    if first.isdecimal():
        return value, "num", False
    if first.isalpha():
        return (value.lower() if value.isascii() else fold(value)), "word", first.isupper()
    return value, "punct", False


def tokenize(text: str) -> list[Token]:
    """Split text into tokens; numbers keep their separators, words their apostrophes."""
    out: list[Token] = []
    append = out.append
    make = tuple.__new__  # skips NamedTuple.__new__'s keyword handling: tokenising is the hot loop
    describe = _describe
    find = text.find
    end = 0
    # findall + str.find is twice as fast as finditer's match objects; tokens are consecutive
    # matches, so each value's first occurrence from the previous end is where it matched
    for value in (_TOKEN_ASCII if text.isascii() else _TOKEN).findall(text):
        start = find(value, end)
        end = start + len(value)
        low, kind, cap = describe(value)
        append(make(Token, (value, low, start, end, kind, cap)))
    return out


def sentences(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Sentence spans as (first token, end token) index pairs; a line break also ends a sentence."""
    spans: list[tuple[int, int]] = []
    breaks: set[int] = set()  # token indexes that start a new line
    if "\n" in text:
        starts = [t.start for t in tokens]
        for m in _NEWLINE.finditer(text):
            k = bisect.bisect_left(starts, m.start())
            if 0 < k < len(tokens):
                breaks.add(k)
    begin = 0
    n = len(tokens)
    stops = {i for i, t in enumerate(tokens) if t.text in _STOPS}  # a set: "i in stops" below is per mark
    for i in sorted(stops | {k - 1 for k in breaks}):
        end_here = i + 1 in breaks
        if i in stops:
            prev = tokens[i - 1].low if i > 0 else ""
            nxt = tokens[i + 1] if i + 1 < n else None
            if nxt is None:
                end_here = True
            elif prev in _ABBREVIATIONS or (len(prev) == 1 and prev.isalpha()):
                pass  # "a.m.", "U.S.", "Gen." do not end a sentence
            elif nxt.text[:1].isupper() or nxt.kind == "num" or nxt.text in {'"', "“", "‘", "'"}:
                end_here = True
        if end_here:
            spans.append((begin, i + 1))
            begin = i + 1
    if begin < n:
        spans.append((begin, n))
    return spans


def adjacent(a: Token, b: Token) -> bool:
    """True when nothing (not even a space) separates the two tokens: "Kurdish-led", "twenty-five"."""
    return a.end == b.start
