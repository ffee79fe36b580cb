"""Targeted communities: ethnic and religious groups reported as victims or targets, not as parties.

A community word counts only in a sentence about harm, and only when its context makes its members
the victims: a victim noun after it ("Alawite villages", "Druze civilians"), a targeting word before it
("mostly Alawites", "attacks on Christian villages", "singled out ethnic Amharas"), a figure before it
("killed three Christians", "45,000 Rohingya"), or an attacked place of worship ("a church ... during
Mass"). A party noun after it ("Alawite-led insurgents", "Fulani herders", "a Yazidi armed group"), an
exclusion or protection word before it ("excluded Alawites, Druze and Kurds"), or a place name around it
("Hazara Town", "Amhara region") means it is not targeted.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from warnd.extract.history import looks_back
from warnd.extract.lexicon import Lexicon
from warnd.extract.tokens import Token, adjacent

_COMPOUND_PARTY = frozenset({"led", "backed", "run", "allied", "linked", "aligned", "affiliated", "controlled",
                             "held", "armed"})
# "Alawite-majority neighbourhoods": the compound describes a place; the noun after it decides
_COMPOUND_PLACE = frozenset({"majority", "dominated", "populated", "inhabited"})
_LIST_JOINERS = frozenset({",", "and", "or", "&"})
_CLAUSE_STOPS = frozenset({"said", "says", "after", "before", "when", "while", "as", "but", "and"})
_MUTUAL = frozenset({"clashed", "clash", "fought", "battled", "feuding", "traded"})
_ATTACKERS = frozenset({"gunmen", "attackers", "assailants", "raiders", "men", "youths", "members", "bandits"})


def find_targeted(tokens: list[Token], spans: Sequence[tuple[int, int]], lexicon: Lexicon,
                  place_tokens: frozenset[int] = frozenset()) -> tuple[str, ...]:
    """Community names reported as targeted, in order of first mention, without repeats."""
    found: list[str] = []
    words, worship = lexicon.first_words, lexicon.worship
    mentions = [k for k, t in enumerate(tokens) if t.low in words or t.low in worship]
    if not mentions:
        return ()  # most items name no community: one pass and done
    lows = [t.low for t in tokens]
    for lo, hi in spans:
        if bisect.bisect_left(mentions, lo) == bisect.bisect_left(mentions, hi):
            continue
        if lexicon.harm_words.isdisjoint(lows[lo:hi]) or looks_back(tokens, lo, hi):
            continue
        for name in _sentence_targets(tokens, lo, hi, lexicon, place_tokens):
            if name not in found:
                found.append(name)
    return tuple(found)


def _sentence_targets(tokens: list[Token], lo: int, hi: int, lexicon: Lexicon,
                      place_tokens: frozenset[int]) -> list[str]:
    out: list[str] = []
    k = lo
    while k < hi:
        match = _form_at(tokens, k, hi, lexicon)
        if match is None:
            worship = lexicon.worship.get(tokens[k].low)
            if worship is not None and _worship_attacked(tokens, k, lo, hi, lexicon):
                out.append(worship)
            k += 1
            continue
        end, name = match
        if not any(j in place_tokens for j in range(k, end)) and _targeted(tokens, k, end, lo, hi, lexicon):
            out.append(name)
        k = end
    return out


def _form_at(tokens: list[Token], k: int, hi: int, lexicon: Lexicon) -> tuple[int, str] | None:
    if not tokens[k].is_cap or tokens[k].low not in lexicon.first_words:
        return None
    for size in range(min(lexicon.max_form_words, hi - k), 0, -1):
        key = tuple(t.low for t in tokens[k:k + size])
        name = lexicon.forms.get(key)
        if name is not None:
            return k + size, name
    return None


def _targeted(tokens: list[Token], start: int, end: int, lo: int, hi: int, lexicon: Lexicon) -> bool:
    nxt = tokens[end] if end < hi else None
    # "Alawite-led insurgents", "Druze-run council": the community is a party
    if nxt is not None and nxt.text == "-" and adjacent(tokens[end - 1], nxt) and end + 1 < hi \
            and tokens[end + 1].low in _COMPOUND_PARTY:
        return False
    if _excluded(tokens, start, lo, lexicon):
        return False
    # "Gunmen from the Fulani community attacked ...": members of a party, named by their community
    for j in range(start - 1, max(lo - 1, start - 4), -1):
        if tokens[j].low in {"from", "of"} and j > lo and tokens[j - 1].low in lexicon.party_nouns | _ATTACKERS \
                and all(tokens[k].low in {"the", "a", "an", "local"} for k in range(j + 1, start)):
            return False
    noun_from = end
    if nxt is not None and nxt.text == "-" and end + 1 < hi and tokens[end + 1].low in _COMPOUND_PLACE:
        noun_from = end + 2
    after = _noun_after(tokens, noun_from, hi, lexicon)
    if after in lexicon.party_nouns:
        return False
    # "Muslim and Christian youths clashed": both sides of a fight are parties, not targets
    if any(tokens[j].low in _MUTUAL for j in range(end, min(hi, end + 4))):
        return False
    if after in lexicon.victim_nouns:
        return True
    before = [tokens[j].low for j in range(max(lo, start - 3), start)]
    if any(w in lexicon.target_before for w in before):
        return True
    if before[-2:] == ["of", "them"] or before[-2:] == ["of", "whom"]:
        return True  # "most of them Alawites", "many of whom were Hazaras"
    if len(before) >= 2 and before[-1] in {"were", "included", "include", "are"} \
            and before[-2] in {"victims", "dead", "killed", "injured", "wounded", "abducted", "detained"}:
        return True  # "most of the victims were Christians"
    # "killed three Christians", "forced some 45,000 Rohingya to flee", "most of them Hazaras"
    prev = start - 1
    while prev >= lo and tokens[prev].low in {"ethnic", "other", "more", "of", "them", "most", "some", "the",
                                              "many", "all", "mostly", "mainly"}:
        prev -= 1
    if prev >= lo and tokens[prev].kind == "num" and (after is None or after not in lexicon.party_nouns):
        return True
    if prev >= lo and tokens[prev].low in {"three", "two", "four", "five", "six", "seven", "eight", "nine",
                                           "ten", "dozen", "dozens", "hundreds", "thousands", "scores"}:
        return True
    return False


def _noun_after(tokens: list[Token], end: int, hi: int, lexicon: Lexicon) -> str | None:
    """The first noun-like word after the community word, skipping adjectives ("Druze armed group")."""
    j = end
    skipped = 0
    while j < hi and skipped < 3:
        t = tokens[j]
        if t.kind != "word":
            if t.text == "-" and j + 1 < hi:
                j += 1
                continue
            return None
        if t.low in lexicon.victim_nouns or t.low in lexicon.party_nouns:
            return t.low
        if t.low in {"muslims", "muslim", "christians", "christian", "local", "young", "elderly", "farming",
                     "fishing", "neighbouring", "neighboring", "nearby", "remote", "rural", "poor", "displaced",
                     "unarmed", "minority", "religious", "holy", "ethnic", "self"}:
            j += 1
            skipped += 1
            continue
        return None
    return None


def _excluded(tokens: list[Token], start: int, lo: int, lexicon: Lexicon) -> bool:
    """"excluded Alawites, Druze and Kurds": a verb of exclusion or protection before a list of communities."""
    j = start - 1
    steps = 0
    while j >= lo and steps < 8:
        low = tokens[j].low
        if low in lexicon.not_target_before:
            return True
        if low in _LIST_JOINERS or low in {"the", "ethnic"} or tokens[j].is_cap:
            j -= 1
            steps += 1
            continue
        return False
    return False


def _worship_attacked(tokens: list[Token], k: int, lo: int, hi: int, lexicon: Lexicon) -> bool:
    """A place of worship that is the target: a harm word shortly before it in the same clause ("gunmen
    stormed a church", "a bomber blew himself up inside a church"), or a passive one right after it ("the
    church was torched"). Not "mourners gathered at a church" nor "church leaders met after the attack"."""
    for j in range(k - 1, max(lo - 1, k - 7), -1):
        low = tokens[j].low
        if low in _CLAUSE_STOPS or tokens[j].text in {",", ";"}:
            break
        if low in lexicon.harm_words or low in {"blew", "inside"}:
            return True
    for j in range(k + 1, min(hi, k + 5)):
        low = tokens[j].low
        if tokens[j].text in {",", ";", "."}:
            break
        if low in lexicon.harm_words and tokens[j - 1].low in {"was", "were", "been", "is", "being"}:
            return True
    return False
