"""Breakdowns: the lists that split a figure into parts without a verb of their own.

    "killed 23 residents – 11 men, seven women and five children –"     a dash aside
    "Some 31 villagers (19 men and 12 women) were killed"                a parenthesis
    "40 people died across the region: 22 in Kassala, 18 in Gedaref"     a colon
    "killed eleven people, seven men and four women, and detained 30"    a trailing comma list

A breakdown is found by punctuation and list shape only (an opener, then number phrases joined by
commas and "and"); the casualty pass decides what its members inherit. Its members must not add up
to more than the figure they break down, and a comma list — the weakest cue, since commas also
separate clauses — only counts when its members add up to the figure exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from warnd.extract.numbers import NumberMention
from warnd.extract.tokens import Token, adjacent

_DASHES = frozenset({"–", "—"})
_REACH = 40          # tokens: an aside longer than this is not a breakdown of the figure before it
_MEMBER_JOINS = frozenset({",", "and", ";"})


class Breakdown(NamedTuple):
    """The members of a breakdown that opens at token `opener` and ends before token `close`."""

    opener: int
    close: int
    members: tuple[int, ...]       # indexes into the sentence's mentions
    exact_sum: bool                # the members must add up to the total (a comma list)


def is_dash(tokens: Sequence[Token], k: int) -> bool:
    """An en/em dash, or a hyphen with space on both sides (" - ")."""
    t = tokens[k]
    if t.text in _DASHES:
        return True
    return t.text == "-" and 0 < k < len(tokens) - 1 and not adjacent(tokens[k - 1], t) \
        and not adjacent(t, tokens[k + 1])


def aside_end(tokens: Sequence[Token], k: int, hi: int) -> int | None:
    """Past the close of a parenthesis or dash pair opening at k, when it closes within reach."""
    t = tokens[k]
    dash = is_dash(tokens, k)
    if t.text != "(" and not dash:
        return None
    for j in range(k + 1, min(hi, k + _REACH)):
        if t.text == "(" and tokens[j].text == ")":
            return j + 1
        if dash and is_dash(tokens, j):
            return j + 1
        if tokens[j].text in {";", "."}:
            return None
    return None


def _close(tokens: Sequence[Token], k: int, hi: int) -> int:
    """Where the breakdown opening at k ends: its closing mark, or the end of the clause."""
    t = tokens[k]
    dash = is_dash(tokens, k)
    for j in range(k + 1, min(hi, k + _REACH)):
        x = tokens[j].text
        if (t.text == "(" and x == ")") or (dash and is_dash(tokens, j)) or x in {";", "."}:
            return j
    return min(hi, k + _REACH)


def find_breakdown(tokens: Sequence[Token], total: int, at: int, hi: int, mentions: Sequence[NumberMention],
                   first: int) -> Breakdown | None:
    """The breakdown of the figure whose value is `total`, opening at token `at`, whose first candidate
    member is mentions[first]."""
    if at >= hi or first >= len(mentions):
        return None
    text = tokens[at].text
    if text not in {"(", ":", ","} and not is_dash(tokens, at):
        return None
    close = _close(tokens, at, hi)
    members: list[int] = []
    expect = at                    # the token that must come right before the next member's hedge
    for n in range(first, len(mentions)):
        m = mentions[n]
        if m.hedge_start >= close:
            break
        before = m.hedge_start - 1
        if before != expect and not (before > expect and tokens[before].low in _MEMBER_JOINS
                                     and _list_gap(tokens, expect, before)):
            break
        members.append(n)
        expect = m.end
        while expect < close and tokens[expect].low not in _MEMBER_JOINS and expect - m.end < 8:
            expect += 1            # the member's own noun phrase: "seven women", "22 in Kassala"
        expect = _last_join(tokens, expect, close)
    if len(members) < (2 if text == "," else 1):
        return None
    values = sum(mentions[n].value for n in members)
    if values > total or (text == "," and values != total):
        return None
    return Breakdown(at, close, tuple(members), text == ",")


def _last_join(tokens: Sequence[Token], k: int, close: int) -> int:
    """Step over ", and" to the last joining word before the next member."""
    while k + 1 < close and tokens[k].low in _MEMBER_JOINS and tokens[k + 1].low in _MEMBER_JOINS:
        k += 1
    return k


def _list_gap(tokens: Sequence[Token], expect: int, before: int) -> bool:
    """Only joining words between the end of one member and the next ("," "and")."""
    return all(tokens[j].low in _MEMBER_JOINS for j in range(expect, before + 1))
