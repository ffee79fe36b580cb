"""Breakdowns: the lists that split a figure into parts without a verb of their own.

    "killed 23 residents – 11 men, seven women and five children –"     a dash aside
    "Some 31 villagers (19 men and 12 women) were killed"                a parenthesis
    "40 people died across the region: 22 in Kassala, 18 in Gedaref"     a colon
    "killed eleven people, seven men and four women, and detained 30"    a trailing comma list

A breakdown is found by punctuation and list shape only (an opener, then number phrases joined by
commas and "and"); the casualty pass decides what its members inherit. Its members must not add up
to more than the figure they break down, and a comma list — the weakest cue, since commas also
separate clauses — only counts when its members add up to the figure exactly.

The second half of the module gives the members found so to their total, over one sentence's drafts
(`attach_breakdowns`), and reads the per-place lists in brackets ("Kano (21), Jigawa (18)",
`attach_bracketed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from warnd.extract import casualty_words as W
from warnd.extract.figure_phrase import CLAUSE_BREAKS
from warnd.extract.numbers import NumberMention
from warnd.extract.tokens import Token, adjacent
from warnd.types import CasualtyKind

if TYPE_CHECKING:  # the casualty pass's working state; attachment.py imports this module
    from warnd.extract.attachment import Draft

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


# --- attaching the members to their total (run by casualties.py over one sentence's drafts) ---

LIST_MARKS = frozenset({"(", ":", ",", "–", "—", "-"})   # what precedes a breakdown's first member
# clause words that open a phrase, not a clause, before a breakdown: "nine shot dead during protests
# on Thursday — six in Wamena and three in Jayapura —"
_PHRASE_PREPOSITIONS = frozenset({"during", "amid", "despite"})
_BREAKDOWN_GAP = 16   # tokens of a prepositional phrase between a figure (or its verb) and its list


def attach_breakdowns(tokens: list[Token], hi: int, drafts: list[Draft]) -> None:
    """Give the members of each figure's breakdown (breakdowns.py) the figure's kind, toll flag and,
    when they name no victims, its victims; a member with a kind of its own keeps it."""
    mentions = [d.mention for d in drafts]
    i = 0
    while i < len(drafts):
        d = drafts[i]
        if d.kind is None or i + 1 >= len(drafts) \
                or tokens[drafts[i + 1].mention.hedge_start - 1].text not in LIST_MARKS:
            i += 1
            continue
        end = d.np_end if d.head is not None else d.mention.end
        if d.anchor >= end and d.anchor - end < _BREAKDOWN_GAP \
                and all(tokens[k].kind == "word" for k in range(end, d.anchor)):
            # "Eleven workers died in a strike on Monday, eight men and three boys": the phrase after the
            # verb (not "31 villagers (19 men, ...) were killed", where the list sits before it)
            end = d.anchor + 1
        # "arrested 58 people in raids at the weekend – 31 in ...": step over a phrase, not a clause
        opener = next((k for k in range(end, min(hi, end + _BREAKDOWN_GAP))
                       if tokens[k].kind != "word" or (tokens[k].low in CLAUSE_BREAKS
                                                       and tokens[k].low not in _PHRASE_PREPOSITIONS)), hi)
        if opener < hi and tokens[opener].text == ",":
            opener = _past_attribution(tokens, opener, hi)  # "..., officials said: six in ..."
        found = find_breakdown(tokens, d.mention.value, opener, hi, mentions, i + 1) if opener < hi else None
        if found is None:
            i += 1
            continue
        for n in found.members:
            e = drafts[n]
            if e.mention.written == "article":
                continue  # "five men, three women and a child": a singular in a breakdown is no entry
            if e.kind is not None and e.kind != d.kind and e.how not in {"coordinated", "toll"}:
                continue
            e.kind, e.how, e.anchor, e.parent = d.kind, "breakdown", d.anchor, i
            e.cumulative = d.cumulative
            e.of_parent_victims = True
        i = found.members[-1] + 1


def attach_elliptical(tokens: list[Token], hi: int, drafts: list[Draft]) -> None:
    """ "31 died in El Obeid, 17 in Bara and 10 in Um Rawaba", "46 deaths in Mozambique and 21 in Malawi":
    the verb or kind noun is left out of the later items, which take the figure's before them."""
    for n in range(1, len(drafts)):
        e, p = drafts[n], drafts[n - 1]
        if e.kind is None and e.head is None and p.kind is not None and _elliptical(tokens, e.mention, hi):
            # "31 died in El Obeid, 17 in Bara and 10 in Um Rawaba": the verb is left out of the later items
            e.kind, e.how, e.anchor, e.parent = p.kind, "elliptical", p.anchor, p.parent
            e.cumulative = p.cumulative
            e.of_parent_victims = p.parent is not None
            if p.parent is None and p.head is not None:
                e.head = p.head


def _bracketed(tokens: list[Token], d: Draft, hi: int) -> bool:
    """"Kano (21)", "Basra (19 dead)": the number alone in brackets right after a capitalised name."""
    s = d.mention.hedge_start
    close = d.np_end if d.head is not None else d.mention.end
    while close < hi and close < d.mention.end + 3 and tokens[close].text != ")":
        close += 1  # "(19 dead)", "(12 killed)"
    return s >= 2 and tokens[s - 1].text == "(" and close < hi and tokens[close].text == ")" \
        and tokens[s - 2].is_cap and tokens[s - 2].kind == "word"


def _state_subject(tokens: list[Token], lo: int) -> tuple[CasualtyKind, int] | None:
    """A sentence whose subject is a state noun: "The injured were taken ...", "The dead were buried ..."."""
    if lo + 1 < len(tokens) and tokens[lo].low == "the" and tokens[lo + 1].low in _STATE_NOUNS:
        return W.STATE_WORDS[tokens[lo + 1].low], lo + 1
    return None


_STATE_NOUNS = frozenset({"injured", "wounded", "dead", "missing", "displaced"})


def bare_in_brackets(tokens: list[Token], m: NumberMention, lo: int, hi: int) -> bool:
    """"Kano (21)": refused as an age unless `attach_bracketed` finds a list of places after a figure."""
    return m.hedge_start == m.start and m.start - 2 >= lo and m.end < hi and tokens[m.start - 1].text == "(" \
        and tokens[m.end].text == ")" and tokens[m.start - 2].is_cap and m.written == "digits"


def attach_bracketed(tokens: list[Token], lo: int, hi: int, drafts: list[Draft]) -> None:
    """A per-place list in brackets (class C2): "46 died, with Basra (19 dead) ahead of Dhi Qar (15) and
    Maysan (12)", "90 were detained in Mombasa (40), Kisumu (30) and Nakuru (20)". The bare members take
    the kind, flag and victims of the figure before them; they break down the sentence's total when one
    precedes them and their sum does not exceed it. A name in brackets with no figure before it
    ("Ahmed (25)", an age) gives nothing."""
    total: int | None = None
    chain: list[int] = []
    for i, d in enumerate(drafts):
        if d.blocked and not d.bracketed:
            continue
        if not _bracketed(tokens, d, hi):
            if d.kind is not None and not chain:
                total = i
            continue
        if d.kind is None and not chain and total is None and _state_subject(tokens, lo) is None:
            continue
        chain.append(i)
    if not chain or (len(chain) == 1 and drafts[chain[0]].kind is None):
        return  # "killed 40 people, among them Ahmed (25)": one bare number in brackets is an age
    source = drafts[chain[0]] if drafts[chain[0]].kind is not None else drafts[total] if total is not None else None
    if source is None:
        # "The injured were taken to hospitals in Balasore (212), Bhadrak (96) and Cuttack (40)"
        subject = _state_subject(tokens, lo)
        if subject is None:
            return
        for i in chain:
            m = drafts[i]
            m.blocked = False
            m.kind, m.anchor, m.how = subject[0], subject[1], "listed"
        return
    members = [drafts[i] for i in chain if drafts[i].kind in (None, source.kind)]
    if total is not None and sum(m.mention.value for m in members) > drafts[total].mention.value:
        return  # "killed three people: Ahmed (25), Musa (30)": ages, not a breakdown
    parent = total if total is not None and drafts[total].kind == source.kind and total < chain[0] else None
    for m in members:
        m.blocked = False
        if m.kind is None:
            m.kind, m.anchor, m.how, m.cumulative = source.kind, source.anchor, "listed", source.cumulative
        if parent is not None and m.parent is None:
            m.parent, m.of_parent_victims = parent, True


_ATTRIBUTION = frozenset({"said", "says", "told", "reported", "added", "stated", "announced"})


_ATTRIBUTION_REACH = 18   # tokens: ", in the Tillaberi region, the defence ministry said," before the list


def _past_attribution(tokens: list[Token], comma: int, hi: int) -> int:
    """The mark after ", the ministry said" that follows a figure, else the comma itself. Phrases without
    a number may come first (", in the Tillaberi region, the ministry said, 18 civilians and three
    soldiers"; "the Palestinian Prisoners' Society said: 19 in Nablus, ..."): the list after the
    attribution must still add up to the figure (`find_breakdown`)."""
    for k in range(comma + 1, min(hi - 1, comma + _ATTRIBUTION_REACH)):
        if tokens[k].low in _ATTRIBUTION:
            return k + 1 if tokens[k + 1].text in {",", ":"} else comma
        if tokens[k].kind == "num" or tokens[k].text in {";", ".", "(", ")"} or tokens[k].low in CLAUSE_BREAKS:
            return comma
    return comma


def _elliptical(tokens: list[Token], m: NumberMention, hi: int) -> bool:
    """ ", 17 in Bara" / "and 10 in Um Rawaba": a bare number, then a place, after a list mark."""
    before = tokens[m.hedge_start - 1].low if m.hedge_start > 0 else ""
    return before in {",", "and", ";"} and m.end + 1 < hi and tokens[m.end].low in {"in", "at", "from"} \
        and tokens[m.end + 1].text[:1].isupper() and tokens[m.end + 1].low not in W.MONTHS
