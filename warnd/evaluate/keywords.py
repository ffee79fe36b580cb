"""Keyword matching on an item's title and summary: case-insensitive phrases on word boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class PhraseMatcher:
    """Compiled `phrases` / `exclude` lists of a keyword rule."""

    include: re.Pattern[str]
    exclude: re.Pattern[str] | None

    def matches(self, text: str) -> tuple[str, ...]:
        """The phrases found in `text` (lower-cased, first occurrence order); () when excluded or none."""
        if self.exclude is not None and self.exclude.search(text):
            return ()
        return tuple(dict.fromkeys(_norm(m.group(0)) for m in self.include.finditer(text)))


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _alternative(phrase: str) -> str:
    body = r"(?u:\s+)".join(re.escape(w) for w in phrase.split())
    # An ASCII phrase folds ASCII case only ("massacre" does not match "MASSACRE" spelt with a Turkish
    # dotted İ or a Kelvin sign), so the database's LIKE pre-filter (ASCII case-folding in SQLite) is
    # always a superset of what matches here; other phrases fold Unicode case.
    return f"(?ai:{body})" if phrase.isascii() else f"(?i:{body})"


def _pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    # Whitespace inside a phrase matches any run of whitespace ("mass  grave", "mass\ngrave", a
    # no-break space); the lookarounds make the phrase a whole-word match, also next to punctuation
    # or at the text's ends, where a bare \b would fail for phrases that start or end with a non-word
    # character.
    alts = sorted((_alternative(p) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")


@lru_cache(maxsize=512)
def phrase_matcher(phrases: tuple[str, ...], exclude: tuple[str, ...] = ()) -> PhraseMatcher:
    """Compile (and cache) the matcher for a rule's phrase lists."""
    return PhraseMatcher(_pattern(phrases), _pattern(exclude) if exclude else None)
