"""Tokens and sentences: the one pass over an item's text that every extractor shares.

One compiled regex with no nested quantifiers tokenises the text, so the cost is linear in its length
whatever the input (issue 5: no catastrophic backtracking on 1 MB of hostile text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Digit groups separated by ",", "." or a (narrow/no-break) space are one number ("1,018", "1.018",
# "1 018"); a lone decimal ("5.3", "1.2") is kept whole so "1.2 million" reads as 1,200,000.
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?)"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?)"
    r"|(?P<punct>[^\w\s])"
)
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "maj", "capt", "sgt", "no",
                            "vs", "jan", "feb", "aug", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m",
                            "brig", "rev", "prof", "sen", "rep", "gov", "inc", "co", "corp", "jr", "sr"})


@dataclass(frozen=True, slots=True)
class Token:
    """A word, number or punctuation mark, with its offsets in the text."""

    text: str
    low: str        # lower-cased, accents stripped: what lexicons are matched against
    start: int
    end: int
    kind: str       # "num" | "word" | "punct"

    @property
    def is_cap(self) -> bool:
        return self.kind == "word" and self.text[:1].isupper()


def fold(text: str) -> str:
    """Lower-case and strip accents ("Pont-Sondé" -> "pont-sonde"), the key every lexicon uses."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


def tokenize(text: str) -> list[Token]:
    """Split text into tokens; numbers keep their separators, words their apostrophes."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        value = m.group()
        out.append(Token(value, fold(value), m.start(), m.end(), kind))
    return out


def sentences(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Sentence spans as (first token, end token) index pairs; a line break also ends a sentence."""
    spans: list[tuple[int, int]] = []
    begin = 0
    n = len(tokens)
    for i, tok in enumerate(tokens):
        end_here = False
        if tok.text in {".", "!", "?"}:
            prev = tokens[i - 1].low if i > 0 else ""
            nxt = tokens[i + 1] if i + 1 < n else None
            if nxt is None:
                end_here = True
            elif prev in _ABBREVIATIONS or (len(prev) == 1 and prev.isalpha()):
                end_here = False  # "a.m.", "U.S.", "Gen." do not end a sentence
            elif nxt.text[:1].isupper() or nxt.kind == "num" or nxt.text in {'"', "“", "‘", "'"}:
                end_here = True
        elif i + 1 < n and "\n" in text[tok.end:tokens[i + 1].start]:
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
