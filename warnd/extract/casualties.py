"""Casualty figures: which numbers in a sentence count people harmed, how, and whether the count is a
running toll.

A number becomes a figure when a casualty word ties it to harm, in one of the ways news writes it:
- the object of a verb:        "gunmen killed three", "killing at least 31 villagers", "detained 13 more"
- the subject of a state word: "three were killed", "1 018 dead", "74 people are still missing"
- a toll:                      "the death toll rose to 3,085", "put the dead at 300", "bringing to 87 the number killed"
- a sub-count of a figure:     "1,018 killed, including 125 security personnel", "two of them children"
Numbers that count something else (ages, years, times, money, tents, votes, phone numbers) are refused
before any pattern is tried, and sentences that look back at history (anniversaries, "the 2014
massacre, in which ...") give no figure.

This module orders the work over a sentence (refusals, then each number's attachment, breakdowns,
cumulative flags); `warnd.extract.figure_phrase` reads a figure's noun phrase and
`warnd.extract.attachment` ties a number to its harm word; `warnd.extract.breakdowns` finds the
lists that break a figure down and gives their members to it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from warnd.extract import casualty_words as W
from warnd.extract.attachment import (
    GUNNED,
    JOINS,
    RELEASE_VERBS,
    TO_DEATH,
    TOLL_REACH,
    Draft,
    disjunction,
    flee_after,
    injuries_after,
    state_after,
    toll_before,
    toll_victims,
    verb_before,
)
from warnd.extract.breakdowns import (
    LIST_MARKS,
    attach_bracketed,
    attach_breakdowns,
    attach_elliptical,
    bare_in_brackets,
)
from warnd.extract.discourse import carry_tolls
from warnd.extract.figure_phrase import CLAUSE_BREAKS, SEGMENT_BREAKS, noun_phrase
from warnd.extract.history import (
    COMMEMORATING,
    LOOKBACK_WORDS,
    history_span,
    is_year,
    looks_back,
    looks_back_at,
    reference_year,
)
from warnd.extract.modality import MODAL_WORDS, is_estimate
from warnd.extract.numbers import NumberMention, find_numbers, number_starts
from warnd.extract.tokens import Token, adjacent, sentences, tokenize
from warnd.types import Casualty, CasualtyKind, Qualifier

_CONTINUATION = frozenset({"estimated", "estimate", "estimates", "counted", "recorded", "reported"})
_SUBCOUNT_BEFORE_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _words in W.SUBCOUNT_BEFORE:
    _SUBCOUNT_BEFORE_BY_LAST.setdefault(_words[-1], []).append(_words)


@dataclass(slots=True)
class Figure:
    """A casualty figure found in the text, with the token positions that place-resolution needs."""

    kind: CasualtyKind
    count: int
    qualifier: Qualifier
    victims: str
    cumulative: bool
    sentence: int                 # index into the sentence spans
    start: int                    # first token of the number (after its hedge)
    end: int                      # one past the last token of its noun phrase
    anchor: int                   # the casualty word (verb or state word) that made it a figure
    parent: int | None = None     # index of the figure it is a sub-count of (same sentence)
    segment: tuple[int, int] = (0, 0)
    location: str | None = None
    notes: list[str] = field(default_factory=list)
    historical: bool = False      # background history: emitted, flagged, never counted
    estimate: bool = False        # a projection or a modal ("could exceed 500", "may have been killed")

    def casualty(self, part_of: int | None = None) -> Casualty:
        return Casualty(self.kind, self.count, self.qualifier, self.victims, self.cumulative, self.location,
                        part_of, self.historical, self.estimate)


def extract_casualties(text: str, *, published_year: int | None = None) -> tuple[Casualty, ...]:
    """Every casualty figure stated in `text`, without place resolution (location is None)."""
    tokens = tokenize(text)
    figures = find_figures(tokens, sentences(tokens, text), published_year=published_year)
    return tuple(f.casualty(part_of=f.parent) for f in figures)  # unmerged: a parent's index is its position


def find_figures(tokens: list[Token], spans: list[tuple[int, int]], *,
                 published_year: int | None = None) -> list[Figure]:
    """Casualty figures, sentence by sentence, in text order."""
    figures: list[Figure] = []
    lows = [t.low for t in tokens]
    words = set(lows)
    history = not W.HISTORY_WORDS.isdisjoint(words)
    # which look-back scans can succeed in this item at all: most items need neither
    lookback = not LOOKBACK_WORDS.isdisjoint(words)
    retro = "later" in words or ("since" in words and not COMMEMORATING.isdisjoint(words))
    populated = not _POPULATION_WORDS.isdisjoint(words)
    # cue words decided per item: a sentence of an item without them needs no cumulative or modal scan
    cues = not (W.CUMULATIVE_WORDS.isdisjoint(words) and _PAIR_FIRSTS.isdisjoint(words))
    modal = not MODAL_WORDS.isdisjoint(words)
    after_verb, after_and = singular_positions(lows) if not _SINGULAR_DETERMINERS.isdisjoint(words) else ([], [])
    shapes: dict[int, tuple[str, int, int]] = {}
    if not (_SUBJECT_GATE.isdisjoint(words) and _BARE_CUES.isdisjoint(words)):
        shapes = singular_subjects(lows)  # "A teacher was shot dead", "Another was wounded", "Gunmen kill teacher"
        if shapes:
            after_verb = sorted({*after_verb, *shapes})
    starts = number_starts(tokens)
    published_year = reference_year(tokens, starts, published_year)
    retrospective = False          # an earlier sentence of the item looked back at past events
    prior: tuple[int, Figure] | None = None   # the item's last total: what a later breakdown breaks down
    for s_index, (lo, hi) in enumerate(spans):
        looked_back = (lookback and looks_back(tokens, lo, hi)) or (retro and looks_back_at(tokens, lo, hi))
        sentence_words = lows[lo:hi]
        if (W.CASUALTY_VOCABULARY.isdisjoint(sentence_words)
                and (prior is None or (_OF_TOTAL_WORDS.isdisjoint(sentence_words)
                                       and not _refers_back(sentence_words)))) or (
                bisect.bisect_left(starts, lo) == bisect.bisect_left(starts, hi)
                and not (after_verb and _in_span(after_verb, lo, hi))):
            retrospective = retrospective or looked_back
            continue  # no word of harm (tents, votes, money), or no number and no "killed a teenager"
        single_at = sorted({*_in_span(after_verb, lo, hi), *_in_span(after_and, lo, hi)}) \
            if after_verb or after_and else []
        found = _sentence_figures(tokens, lo, hi, s_index, published_year, len(figures), starts, populated,
                                  retrospective, prior, single_at, "all" in words, cues, modal, shapes)
        retrospective = retrospective or looked_back
        if looked_back or (history and not W.HISTORY_WORDS.isdisjoint(sentence_words)):
            for f in found:
                f.historical = True  # an anniversary sentence: every figure in it is background
        for f in found:
            if f.parent is None and not f.historical and not f.estimate:
                prior = (len(figures), f)
            figures.append(f)
    carry_tolls(tokens, spans, figures, words)
    return figures


def _sentence_figures(tokens: list[Token], lo: int, hi: int, s_index: int, published_year: int | None,
                      offset: int, starts: list[int], populated: bool,
                      retrospective: bool = False, prior: tuple[int, Figure] | None = None,
                      single_at: Sequence[int] = (), appositions: bool = False, cues: bool = True,
                      modal: bool = True, shapes: dict[int, tuple[str, int, int]] | None = None) -> list[Figure]:
    in_sentence = starts[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]
    history_a, history_b = history_span(tokens, lo, hi, published_year, may_look_back=False,
                                        numbers=in_sentence, retrospective=retrospective)
    drafts: list[Draft] = []
    mentions = find_numbers(tokens, lo, hi, starts)
    if single_at:
        taken = {m.start for m in mentions}
        # a bare noun is its own phrase ("kill teacher": the mention is empty, the noun starts at k)
        singles = [NumberMention(1, k, k if shapes and shapes.get(k, ("", -1, -1))[0] == "bare" else k + 1, k,
                                 Qualifier.EXACT, "article") for k in single_at if k not in taken]
        mentions = sorted([*mentions, *singles], key=lambda m: m.start)
    for mention in mentions:
        if mention.written != "article" and _refused(tokens, mention, lo, hi, populated):
            if bare_in_brackets(tokens, mention, lo, hi):
                drafts.append(Draft(mention, None, None, mention.end, blocked=True, bracketed=True))
            continue
        head, head_index, np_end = noun_phrase(tokens, mention.end, hi)
        shape, person, copula = shapes.get(mention.start, ("", -1, -1)) if shapes else ("", -1, -1)
        alone = shape == "alone"  # "Another was wounded"
        if head is None and person >= 0 and mention.written == "article":
            head, head_index, np_end = "people", person, person + 1  # "a schoolteacher was shot dead"
        if head is not None and np_end < copula:
            np_end = copula  # "a police officer guarding them was killed": the state follows its copula
        if head == "not-people" or (mention.written == "article" and not alone and (
                head is None or W.is_plural_person(tokens[head_index].low if head_index is not None else ""))):
            continue  # "killed a bill", "wounded his pride", "killed his children": one person noun only
        drafts.append(Draft(mention, head, head_index, np_end))
    for i in range(len(drafts)):
        _classify(tokens, lo, hi, drafts, i, prior, cues)
    for i, d in enumerate(drafts):  # "14 civilians and 22 soldiers were killed": the later verb serves both
        if d.kind is None and d.coord_next and i + 1 < len(drafts) and drafts[i + 1].kind is not None:
            d.kind, d.anchor, d.how = drafts[i + 1].kind, drafts[i + 1].anchor, "coordinated"
    for i, d in enumerate(drafts):
        if d.kind is None and d.forward_parent is not None:
            target_index = next((j for j in range(i + 1, min(len(drafts), i + 4))
                                 if drafts[j].mention.hedge_start <= d.forward_parent <= drafts[j].mention.start),
                                None)
            target = drafts[target_index] if target_index is not None else None
            if target is not None and target.kind is not None:
                d.kind, d.anchor, d.how = target.kind, target.anchor, "among"
                d.cumulative = d.cumulative or target.cumulative
    if any(tokens[d.mention.hedge_start - 1].text in LIST_MARKS for d in drafts[1:]):
        attach_breakdowns(tokens, hi, drafts)
        attach_bracketed(tokens, lo, hi, drafts)
    if len(drafts) > 1:
        attach_elliptical(tokens, hi, drafts)
    for d in drafts if appositions else ():
        if d.kind is not None and d.head in (None, "people"):
            d.head = _apposition_class(tokens, d.np_end if d.head is not None else d.mention.end, hi) or d.head
    out: list[Figure] = []
    index_of: dict[int, int] = {}
    for i, d in enumerate(drafts):
        if d.kind is None or d.blocked:
            continue
        if d.head is None and d.mention.written == "words" and d.mention.value == 1 and d.how != "active":
            continue  # a bare "one" needs a verb before it ("killed one"), not "one was wounded in ..."
        if d.mention.written == "article" and (d.parent is not None or d.outer_parent is not None):
            continue  # "among them seven men and an Afghan national": a singular in a breakdown is no entry
        if d.mention.value == 1 and d.head_index is not None and tokens[d.head_index].low in {"family", "household"}:
            continue  # "10 members of one family": a unit, not a count
        parent = index_of.get(d.parent) if d.parent is not None else d.outer_parent
        victims = d.head or "people"
        if d.head is None and d.of_parent_victims and d.parent is not None:
            victims = drafts[d.parent].head or "people"
        index_of[i] = offset + len(out)
        seg = d.segment or _segment(tokens, lo, hi, d.mention.start)
        anchor = d.anchor if d.anchor >= 0 else d.mention.start
        out.append(Figure(d.kind, d.mention.value, d.mention.qualifier, victims, d.cumulative, s_index,
                          d.mention.start, d.np_end, anchor, parent, seg,
                          historical=history_a <= d.mention.start < history_b,
                          estimate=modal and is_estimate(tokens, lo, d.mention.hedge_start, d.np_end, anchor)))
    return out


_OF_TOTAL_WORDS = frozenset({"them", "those", "whom"})   # "Twelve of them were women" breaks down a total before
_PAIR_FIRSTS = frozenset(pair[0] for pair in W.CUMULATIVE_PAIRS)
_SINGULAR_DETERMINERS = frozenset({"a", "an", "his", "her", "their"})
_OPENER_WORDS = frozenset({"of", "those", "them", "these", "the", "dead", "victims", "casualties", "among",
                           "include", "includes", "included", "including", "were", "are", ",", "killed", "injured",
                           "wounded", "fatalities", "deaths", "toll"})
_OPENER_LINKS = frozenset({"of", "among", "include", "includes", "included", "including"})


_BACK_LINKS = frozenset({("of", "them"), ("of", "those"), ("among", "them"), ("among", "those"), ("of", "whom")})


def _refers_back(words: Sequence[str]) -> bool:
    """A sentence without a harm word that breaks down the toll before it: "Among them were 1,400
    children", "About 600,000 of them are children" (the link within its first words)."""
    return any((words[k], words[k + 1]) in _BACK_LINKS for k in range(min(len(words) - 1, 8)))


def _opens_breakdown(tokens: list[Token], lo: int, at: int, *, clause: bool = False) -> bool:
    """The sentence opens on a breakdown link before its first number: "Of those,", "Among the dead
    were", "Casualties include", "The dead included". With `clause`, the clause after a semicolon or
    colon ("...; casualties include 37 ...") instead, and only then."""
    if clause:
        start = next((k + 1 for k in range(at - 1, max(lo, at - 7) - 1, -1) if tokens[k].text in {";", ":"}),
                     None)
        if start is None:
            return False
        lo = start
    if not 0 < at - lo <= 6:
        return False
    words = [tokens[k].low for k in range(lo, at)]
    return all(w in _OPENER_WORDS for w in words) and not _OPENER_LINKS.isdisjoint(words)


def _apposition_class(tokens: list[Token], at: int, hi: int) -> str | None:
    """ "25 people, all of them schoolgirls", "14 passengers, all women": an apposition names the class."""
    k = at
    while k < hi and k - at < 6 and tokens[k].kind == "word" and tokens[k].low not in CLAUSE_BREAKS:
        k += 1  # "14 people in captivity, all of them children"
    if not (k + 2 < hi and tokens[k].text == "," and tokens[k + 1].low == "all"):
        return None
    k += 2
    if k + 1 < hi and tokens[k].low == "of" and tokens[k + 1].low in {"them", "whom"}:
        k += 2
    head, _, _ = noun_phrase(tokens, k, hi)
    return head if head not in (None, "not-people", "people") else None


def _predicate_class(tokens: list[Token], at: int, hi: int) -> str | None:
    """ "683 were children", "10 of them were women": the victim class named after a copula."""
    if at + 1 < hi and tokens[at].low in {"were", "are", "was", "is"}:
        head, _, _ = noun_phrase(tokens, at + 1, hi)
        if head not in (None, "not-people"):
            return head
    return None


def singular_positions(lows: list[str]) -> tuple[list[int], list[int]]:
    """Where one victim is named without a numeral, as a harm verb's object: "killed a teenager",
    "wounding his mother", "shot dead a goldsmith" (first list), or "and a general" after a counted
    object (second list, a figure only beside another). Count 1, exact (the corpus convention, C4).
    One pass over the item's words, so each sentence only bisects."""
    after_verb: list[int] = []
    after_and: list[int] = []
    for k in [k for k in range(1, len(lows) - 1) if lows[k] in _SINGULAR_DETERMINERS]:
        before = lows[k - 1]
        participle = before in _NOMINALS and before.endswith("ing") and k >= 2 \
            and lows[k - 2] not in {"the", "a", "an", "this", "that", "his", "her", "their"}
        nominal = before == "of" and k >= 3 and lows[k - 2] in _NOMINALS and lows[k - 3] == "the"
        if before in _SINGLE_TRIGGERS or participle or nominal or (before == "dead" and lows[k - 2] == "shot"):
            # ", killing a taxi driver" (a participle, not "the killing a"), and a nominal's object
            # after "of": "the killing of a Tamil journalist", "the abduction of a priest"
            after_verb.append(k)
        elif before in {"and", "including"} or (before == "with" and lows[k - 2] in {"along", "together"}):
            # "and a general", "seven farmers together with a village official"; "including a nurse and
            # four children" (a singular part is no entry, but the part coordinated with it is one)
            after_and.append(k)
    return after_verb, after_and


_SUBJECT_OPENERS = frozenset({"was", "is", "has", "had", "died"})
_SUBJECT_COPULAS = frozenset({"was", "is", "has", "had"})
# a determiner after these is inside another phrase ("the son of a farmer", "in an attack")
_NOT_SUBJECT_AFTER = frozenset({"of", "in", "on", "at", "by", "for", "from", "with", "to", "into", "as", "like",
                                "than", "near", "against", "about", "over", "under", "through", "toward",
                                "towards", "across", "behind", "inside", "outside"})
_SUBJECT_REACH = 9   # tokens from "a" to its copula: "a 12 year old boy was", "an off-duty police officer was"
_STATE_REACH = 4     # tokens from the copula to the state word: "was later shot dead"
_HEADLINE_BREAKS = frozenset({".", ":", "|", "—", "–", "!", "?"})
# Singular person nouns, for "Gunmen kill teacher" and "Soldier killed in ambush": a headline drops the article
SINGULAR_PERSONS = frozenset(w for w in W.VICTIM_CLASS if not W.is_plural_person(w) and not w.endswith("s")
                             and w not in {"police", "army", "military", "security", "personnel", "staff",
                                           "crew", "aid", "dozen", "family", "household", "faction", "militia",
                                           "gang", "druze", "fulani", "masalit", "dogon", "rohingya", "asylum",
                                           "auxiliary", "people", "others", "victim"})
_BARE_CUES = SINGULAR_PERSONS
_SUBJECT_STARTS = SINGULAR_PERSONS | {"a", "an", "another"}
_DIGITS = frozenset("0123456789")


def singular_subjects(lows: list[str]) -> dict[int, tuple[str, int, int]]:
    """One victim as the subject of a state, or a headline's bare noun, by position: "A teacher was shot
    dead" and "an aid worker has been abducted" ("article": the determiner), "A mother and her son were
    killed" (a coordinated subject), "Another was wounded" ("alone"), "Gunmen kill teacher" / "Soldier
    killed in ambush" ("bare": the noun). With each shape, the index of a head noun the lists lack but
    whose form names a person ("a schoolteacher was shot dead", "a district commissioner was killed"),
    else -1. Count 1, exact (class C4); the attachment still has to find the state word in the clause."""
    shapes: dict[int, tuple[str, int, int]] = {}
    n = len(lows)
    for k in [k for k, w in enumerate(lows) if w in _SUBJECT_STARTS]:  # a comprehension: most words are none
        w = lows[k]
        if w in {"a", "an"}:
            if k > 0 and lows[k - 1] in _NOT_SUBJECT_AFTER:
                continue
            coordinated = False
            for j in range(k + 2, min(n - 1, k + _SUBJECT_REACH)):
                low = lows[j]
                if low in _SUBJECT_COPULAS or (coordinated and low in {"were", "have"}):
                    after = lows[j + 1:j + _STATE_REACH]
                    if any(x in W.STATE_WORDS or x in {"gunned", "among"} for x in after):
                        head = j - 1 if not coordinated and _person_form(lows[j - 1]) \
                            and not _PERSON_STATES.isdisjoint(after) else -1
                        shapes[k] = ("article", head, j)
                    break
                if low in _INTRANSITIVE_DEATHS:
                    shapes[k] = ("article", -1, -1)  # "A soldier died", "A mother and her three children drowned"
                    break
                if low == "and" and not coordinated:
                    coordinated = True
                    continue
                if low in {",", ";", "said", "says", "and", "or", "who", "which", "that", "."} or (
                        low[:1] in _DIGITS and lows[j + 1] not in {"-", "year", "years"}):
                    break  # another clause, or a number (not an age: "a 12-year-old boy")
        elif w == "another":
            if k + 1 < n and lows[k + 1] in _SUBJECT_OPENERS:
                shapes[k] = ("alone", -1, -1)
        elif w in SINGULAR_PERSONS and k < n - 1:
            before = lows[k - 1] if k > 0 else "."
            if (before in _SINGLE_TRIGGERS and (k < 2 or lows[k - 2] not in _SINGULAR_DETERMINERS | {"the"})) or (
                    before in _HEADLINE_BREAKS and lows[k + 1] in _BARE_STATES):
                shapes[k] = ("bare", -1, -1)
    return shapes


_INTRANSITIVE_DEATHS = frozenset({"died", "drowned", "perished", "dies"})
_SUBJECT_GATE = _SUBJECT_OPENERS | _INTRANSITIVE_DEATHS | {"were", "have"}
# states only a person is in: a head noun the lists lack may stand for one victim before them
_PERSON_STATES = frozenset({"killed", "shot", "murdered", "abducted", "kidnapped", "arrested", "detained",
                            "wounded", "injured", "beheaded", "lynched", "executed", "assassinated", "slain",
                            "gunned", "hacked", "stabbed"})
_PERSON_ENDINGS = ("er", "or", "ist", "ian", "man", "ant", "ent", "ee", "ess")


def _person_form(word: str) -> bool:
    """A singular noun shaped like a person's role: schoolteacher, commissioner, physician, headman."""
    return len(word) > 4 and word.isalpha() and word.endswith(_PERSON_ENDINGS) and word not in W.NOT_PEOPLE \
        and not word.endswith(("ers", "ors", "ists", "ians", "ants", "ents", "ees"))


_BARE_STATES = frozenset(W.STATE_WORDS) | {"shot", "gunned", "hacked", "beaten", "stabbed", "burned", "burnt"}


def _in_span(positions: list[int], lo: int, hi: int) -> list[int]:
    return positions[bisect.bisect_left(positions, lo):bisect.bisect_left(positions, hi - 1)]


_NOMINALS = frozenset({"execution", "executions", "murder", "murders", "massacre", "slaughter", "abduction",
                       "kidnapping", "killing", "death", "deaths", "disappearance", "disappearances", "evacuation",
                       "displacement"})
# "beat a trader to death": a verb that kills only with "to death" after its object (the attachment
# then needs that phrase, so "beat a trader" alone gives nothing)
_SINGLE_TRIGGERS = (frozenset(W.ACTIVE_VERBS) - _NOMINALS) | (TO_DEATH - {"worked", "frozen", "bled"})


def _refused(tokens: list[Token], m: NumberMention, lo: int, hi: int, populated: bool = True) -> bool:
    """True for numbers that count something other than people: ages, years, times, money, units."""
    first = tokens[m.start]
    nxt = tokens[m.end] if m.end < hi else None
    nxt2 = tokens[m.end + 1] if m.end + 1 < hi else None
    before = tokens[m.hedge_start - 1] if m.hedge_start > lo else None
    if m.decimal:
        return True
    if m.start > lo and tokens[m.start - 1].kind == "word" and adjacent(tokens[m.start - 1], first):
        return True  # "M23", "COVID19": part of a name
    if nxt is not None and nxt.kind == "word" and adjacent(tokens[m.end - 1], nxt) and m.written == "digits":
        return True  # "23rd", "5km", "10am"
    if m.written == "digits" and first.text[0] == "0" and len(first.text) > 1:
        return True  # "0 800 300 529": a phone number or code
    if nxt is not None:
        if nxt.text == "%" or (nxt.low in W.UNITS_AFTER and not (nxt2 is not None and nxt2.low in W.VICTIM_CLASS)):
            return True  # "40 trucks", not "four truck drivers" (a unit word modifying a person noun)
        if nxt.text in {"-", "–", "/", ":", "."} and adjacent(tokens[m.end - 1], nxt) and nxt2 is not None \
                and adjacent(nxt, nxt2):
            return True  # "14-year-old", "7.7-magnitude", "3-1", "2:14", "12/03"
        if nxt.text[:1].isupper() and nxt.low in W.MONTHS:
            return True  # "6 March"
        if nxt.low in {"a", "p"} and nxt2 is not None and nxt2.text == ".":
            return True  # "9 a.m."
        if nxt.text == ")" and before is not None and before.text == "(":
            return True  # "Ahmed (45)"
        if m.written == "words" and m.value == 1 and nxt.low in {"of", "another", "day", "point", "side",
                                                                   "time", "way", "hand"}:
            return True
    if before is not None:
        if before.low in W.UNITS_BEFORE and before.low not in W.YEAR_ONLY_BEFORE:
            return True
        if (populated or before.low in {"of", "to"}) and _population(tokens, m.hedge_start, lo, populated):
            return True
        if before.text in {"-", "–", "/", ":"} and adjacent(before, first) and m.hedge_start - 2 >= lo \
                and tokens[m.hedge_start - 2].kind == "num":
            return True  # the second half of "3-1" or "12/03"
        if before.text[:1].isupper() and before.low in W.MONTHS:
            return True  # "March 6"
        if m.written == "words" and m.value == 1 and before.low in {"no", "any", "every", "each", "only"}:
            return True
    if m.written == "digits" and is_year(first) and m.end == m.start + 1:
        noun = nxt.low if nxt is not None else ""
        return noun not in W.VICTIM_CLASS and noun not in W.STATE_WORDS
    return False


_POPULATION_WORDS = frozenset({"population", "populations", "inhabited"})


def _population(tokens: list[Token], at: int, lo: int, populated: bool) -> bool:
    """ "a state of 1.6 million people", "population of 4 million", "home to 300,000", "the county's
    population is about 320,000": the number counts who live somewhere, not who was harmed."""
    b1 = tokens[at - 1].low if at - 1 >= lo else ""
    b2 = tokens[at - 2].low if at - 2 >= lo else ""
    if b1 == "of" and (b2 in W.TERRITORY_NOUNS or b2 in {"population", "populations"}):
        return True
    if b1 == "to" and b2 == "home":
        return True
    return populated and any(tokens[k].low in _POPULATION_WORDS for k in range(max(lo, at - 4), at))


def _classify(tokens: list[Token], lo: int, hi: int, drafts: list[Draft], i: int,
              prior: tuple[int, Figure] | None = None, cues: bool = True) -> None:
    d = drafts[i]
    m = d.mention
    prev = drafts[i - 1] if i > 0 else None
    # sub-count and tally links first: they decide the parent whatever the kind turns out to be
    for words in _SUBCOUNT_BEFORE_BY_LAST.get(tokens[m.hedge_start - 1].low if m.hedge_start > lo else "", ()):
        k = len(words)
        if m.hedge_start - k >= lo and all(tokens[m.hedge_start - k + n].low == words[n] for n in range(k)):
            if prev is not None:
                d.parent = i - 1 if words != ("with",) else None
                d.cumulative = prev.cumulative
                if d.parent is not None and drafts[i - 1].parent is not None and words[0] != "of":
                    d.parent = drafts[i - 1].parent if words[0] == "with" else i - 1
            break
    of_total = False   # "N of them / of the dead" with no figure before it in the sentence
    for words in (W.SUBCOUNT_AFTER if m.end < hi and tokens[m.end].low == "of" else ()):
        k = len(words)
        if m.end + k <= hi and all(tokens[m.end + n].low == words[n] for n in range(k)):
            if prev is None:
                if d.head is None:  # "Eleven of the dead were children": a part of a total stated before
                    d.head = _predicate_class(tokens, m.end + k, hi)
                of_total = True
                break
            d.parent = i - 1
            d.cumulative = prev.cumulative
            d.of_parent_victims = True
            head, head_index, np_end = noun_phrase(tokens, m.end + k, hi)
            if head is None:
                head = _predicate_class(tokens, m.end + k, hi)  # "10 of them were women"
            if head not in (None, "not-people"):
                d.head, d.head_index = head, head_index
            d.np_end = max(d.np_end, np_end)
            break

    verb_index = verb_before(tokens, m, lo)
    if verb_index is not None and tokens[verb_index].low in {"treated", "treating"} \
            and injuries_after(tokens, d.np_end, hi):
        # "the Red Crescent treated 11 people, including three with gunshot wounds": treated for harm
        d.kind, d.how, d.anchor = CasualtyKind.INJURED, "active", verb_index
    elif verb_index is not None and tokens[verb_index].low in RELEASE_VERBS:
        d.blocked = True
        return  # "kidnappers freed 137 pupils abducted in ...": freed, exchanged or rescued people are not harmed now
    if d.parent is not None and drafts[d.parent].blocked:
        d.blocked = True
        return  # "freed 27 hostages, including 11 children held by ...": the parts of a release are released
    if verb_index is not None and (tokens[verb_index - 1].low == "or" or (
            verb_index + 1 < hi and tokens[verb_index + 1].low in JOINS)) and disjunction(tokens, verb_index, hi):
        d.blocked = True
        return
    if verb_index is not None:
        verb = tokens[verb_index].low
        lives = d.head_index is not None and tokens[d.head_index].low == "lives" \
            or any(tokens[k].low == "lives" for k in range(verb_index + 1, m.hedge_start))
        if verb in W.ACTIVE_VERBS and (verb not in W.NEEDS_PERSON or d.head not in (None, "not-people") or lives):
            kind = W.ACTIVE_VERBS[verb]
            if verb in {"claimed", "claiming", "cost", "costing"} and not lives:
                kind = None  # type: ignore[assignment]  # "claimed responsibility", not "claimed 30 lives"
            if kind is not None:
                d.kind, d.how, d.anchor = kind, "active", verb_index
        elif verb in {"captured", "capturing", "capture"} and d.head not in (None, "not-people"):
            # troops capture suspects (arrested); gunmen capture villagers (kidnapped)
            authority = any(tokens[k].low in W.SECURITY for k in range(max(lo, verb_index - 6), verb_index))
            d.kind = CasualtyKind.ARRESTED if authority else CasualtyKind.KIDNAPPED
            d.how, d.anchor = "active", verb_index
        elif verb in {"bodies", "corpses", "remains"} and tokens[verb_index + 1].low == "of" and verb_index > lo \
                and tokens[verb_index - 1].low in {"the", "their", "his", "her", "its"}:
            # "the bodies of two missing climbers were recovered": the dead, whatever the phrase says
            d.kind, d.how, d.anchor = CasualtyKind.KILLED, "active", verb_index
        elif verb == "for" and verb_index > lo and tokens[verb_index - 1].low in {"searching", "search", "looking",
                                                                                  "searched", "hunting"}:
            d.kind, d.how, d.anchor = CasualtyKind.MISSING, "active", verb_index  # "still searching for 14 others"
        elif verb in W.ACTIVE_NEEDS_PERSON and d.head not in (None, "not-people"):
            d.kind, d.how, d.anchor = W.ACTIVE_NEEDS_PERSON[verb], "active", verb_index
            if d.head == "people" and any(tokens[k].low in {"army", "military", "police", "forces"}
                                          for k in range(max(lo, verb_index - 6), verb_index)):
                d.head = "security forces"  # "the army said it had lost 15 men"
        elif verb in {"forced", "forcing", "forces", "force", "drove", "driving", "drive", "driven", "chased",
                      "chasing", "pushed", "pushing"}:
            if flee_after(tokens, d.np_end, hi):
                d.kind, d.how, d.anchor = CasualtyKind.DISPLACED, "active", verb_index
        elif verb == "up" and verb_index > lo and tokens[verb_index - 1].low in {"rounded", "rounding", "rounds",
                                                                              "picked", "locked"}:
            d.kind, d.how, d.anchor = CasualtyKind.ARRESTED, "active", verb_index  # "rounded up 57 people"
        elif verb in _LIGHT_TAKE and (d.head not in (None, "not-people") or _more_after(tokens, m, hi)):
            # "Rebels seized 14 farmers; the next day a rival militia took nine herders": the light verb
            # parallels an abduction stated before it in the item (C3)
            if any(x is not None and x.kind == CasualtyKind.KIDNAPPED
                   for x in (prev, prior[1] if prior is not None else None)):
                d.kind, d.how, d.anchor = CasualtyKind.KIDNAPPED, "active", verb_index
        elif (verb == "dead" and verb_index > lo and tokens[verb_index - 1].low == "shot") or (
                verb == "down" and verb_index > lo and tokens[verb_index - 1].low in GUNNED):
            d.kind, d.how, d.anchor = CasualtyKind.KILLED, "active", verb_index  # "shot dead 4", "gunned down 6"
        elif verb in {"and", ",", "with"} and prev is not None and prev.kind is not None \
                and _coordinated(tokens, prev, verb_index) \
                and (verb != "," or prev.how in {"active", "toll"}):
            # "killed three Christians and at least 20 ...", "included 125 ... and 148 fighters"
            state = state_after(tokens, d, hi)
            d.cumulative = d.cumulative or prev.cumulative
            if state is None:
                d.kind, d.how, d.anchor = prev.kind, prev.how, prev.anchor
                if prev.parent is not None and d.parent is None:
                    d.parent = prev.parent  # "including 10 soldiers and 15 civilians": both are parts
                d.outer_parent = prev.outer_parent
    if d.kind is None:
        state = state_after(tokens, d, hi)
        if state is not None:
            d.kind, d.anchor = state
            d.how = "state"
    if d.blocked:
        d.kind = None
        return
    if d.kind is None and d.head_index is not None and tokens[d.head_index].low in W.HEAD_KIND:
        d.kind, d.how, d.anchor = W.HEAD_KIND[tokens[d.head_index].low], "head", d.head_index
    if d.kind is None:
        toll = toll_before(tokens, m, lo, hi)
        if toll is not None:
            d.kind, d.anchor = toll
            d.how = "toll"
            if d.head is None:
                d.head = toll_victims(tokens, max(lo, m.hedge_start - TOLL_REACH), m.hedge_start, hi)
    if d.kind is None and d.parent is not None and drafts[d.parent].kind is not None:
        d.kind, d.how, d.anchor = drafts[d.parent].kind, "subcount", drafts[d.parent].anchor
    if prev is None and prior is not None and d.parent is None and d.kind in (None, prior[1].kind) \
            and m.value <= prior[1].count and (of_total or _opens_breakdown(tokens, lo, m.hedge_start)):
        # "Casualties include 11 policemen and ...", "Of those, 683 were children": the sentence breaks
        # down the total stated before it
        index, total = prior
        d.kind, d.how, d.outer_parent = total.kind, "discourse", index
        d.anchor = d.anchor if d.anchor >= 0 else m.start
        d.cumulative = total.cumulative
        if d.head is None:
            d.head = _predicate_class(tokens, m.end, hi) or total.victims
    if prev is not None and prev.kind is not None and d.kind in (None, prev.kind) \
            and d.parent is None and _opens_breakdown(tokens, lo, m.hedge_start, clause=True):
        # "Floods killed 148 people; casualties include 37 residents ...": a clause after a semicolon or
        # colon that opens on a breakdown link breaks down the sentence's figure before it
        d.kind, d.how, d.anchor = prev.kind, "subcount", prev.anchor
        d.parent = i - 1 if prev.parent is None else prev.parent
        d.cumulative, d.of_parent_victims = prev.cumulative, True
    before = m.hedge_start - 1
    if before > lo and tokens[before].low == "of" and tokens[before - 1].low in _CONTINUATION:
        before -= 1  # "up from an earlier estimate of 700"
    if d.kind is None and prev is not None and prev.kind is not None and before >= lo \
            and tokens[before].low in _CONTINUATION and d.head in (None, "people"):
        d.kind, d.how, d.anchor = prev.kind, "continuation", prev.anchor
    if d.kind is not None and not d.cumulative:
        d.segment = _segment(tokens, lo, hi, m.start)
        d.cumulative = cues and (_is_cumulative(tokens, lo, hi, d.segment, d.anchor)
                                 or _toll_to(tokens, lo, m.hedge_start))


_LIGHT_TAKE = frozenset({"took", "take", "takes", "taking", "away"})


def _more_after(tokens: list[Token], m: NumberMention, hi: int) -> bool:
    return m.end < hi and tokens[m.end].low in {"more", "others", "other"}


_COORD_GAP = 8   # tokens of a phrase ("on their way to market") between coordinated objects


def _coordinated(tokens: list[Token], prev: Draft, at: int) -> bool:
    """Whether the joining word at `at` ("and", ",", "along with") joins a figure to `prev`'s noun phrase:
    right after it, or after a short phrase with no verb or mark of its own ("two children in the
    countryside and two shepherds")."""
    join = at
    if tokens[at].low == "with":
        if not (at > 0 and tokens[at - 1].low in {"along", "together"}):
            return False
        join = at - 1
    start = prev.np_end
    if join < start or join > start + _COORD_GAP:
        return False
    if join <= start + 1:
        return True
    return all(tokens[k].kind == "word" and tokens[k].low not in W.STATE_WORDS and tokens[k].low not in W.ACTIVE_VERBS
               and tokens[k].low not in CLAUSE_BREAKS and tokens[k].low not in {"and", "or", "who", "which"}
               for k in range(start, join))


_SEGMENT_REACH = 60  # tokens; a comma-less run-on "sentence" must not make every figure scan all of it


def _segment(tokens: list[Token], lo: int, hi: int, at: int) -> tuple[int, int]:
    """The comma/semicolon-delimited stretch around token `at`, at most _SEGMENT_REACH tokens each way."""
    a = at
    floor = at - _SEGMENT_REACH if at - _SEGMENT_REACH > lo else lo
    while a > floor and tokens[a - 1].text not in SEGMENT_BREAKS:
        a -= 1
    b = at
    ceiling = at + _SEGMENT_REACH if at + _SEGMENT_REACH < hi else hi
    while b < ceiling and tokens[b].text not in SEGMENT_BREAKS:
        b += 1
    return a, b


# subjects of a growth verb that make it a running total besides the toll nouns: "deaths have reached 2,000"
_GROWING = W.TOLL_NOUNS | {"deaths", "fatalities", "casualties", "dead"}


def _toll_to(tokens: list[Token], lo: int, at: int) -> bool:
    """ "took the toll to 82", "pushed the death toll to 145", "sending the number of dead to 60": a
    toll moved to the figure (its first token at `at`) is an updated total, whichever verb moved it."""
    k = at - 1
    return k > lo and tokens[k].low == "to" and any(tokens[j].low in W.TOLL_NOUNS for j in range(max(lo, k - 5), k))


def _is_cumulative(tokens: list[Token], lo: int, hi: int, own: tuple[int, int], anchor: int) -> bool:
    """Whether a running-total cue sits in the figure's segment (`own`), its verb's, or an opening
    "Since Thursday," / "So far this year," of the sentence."""
    spans = {own}
    if anchor >= lo and not own[0] <= anchor < own[1]:
        spans.add(_segment(tokens, lo, hi, anchor))
    first = _segment(tokens, lo, hi, lo) if own[0] > lo else own
    if first[1] < hi and not any(tokens[k].kind == "num" for k in range(first[0], first[1])):
        spans.add(first)  # "Since Thursday, at least 745 ..." / "So far this year, ..."
    elif hi - lo > 2 and tokens[lo].low == "as" and tokens[lo + 1].low in {"of", "at"}:
        return True  # "As of 12 March, 1,234 people have been killed": a count up to a date
    for a, b in spans:
        for k in range(a, b):
            low = tokens[k].low
            if low in W.CUMULATIVE_WORDS:
                if low == "since" and k + 1 < b and tokens[k + 1].low in {"then"}:
                    continue
                if low in W.THRESHOLD_VERBS and not any(tokens[j].low in _GROWING for j in range(a, b)) \
                        and not any(tokens[j].low in W.TOLL_NOUNS for j in range(max(lo, anchor - 3), anchor + 1)):
                    continue  # "survivors who reached Adre" is not "the toll reached 35"; the toll noun may
                    # sit segments before the verb ("The number of deaths ..., across X, Y and Z, had climbed")
                return True
            if k + 1 < b and (low, tokens[k + 1].low) in W.CUMULATIVE_PAIRS:
                if (low, tokens[k + 1].low) == ("in", "all") and not (k + 2 < hi and tokens[k + 2].text == ","):
                    continue  # "In all, 1,900 ..." is a total; "in all three villages" is not
                return True
            if low == "now" and any(tokens[j].low in W.TOLL_NOUNS
                                    for j in (*range(a, b), *range(max(lo, anchor - 3), anchor + 1))):
                return True  # "the number of people killed ..., which ..., was now above 120"
    return False
