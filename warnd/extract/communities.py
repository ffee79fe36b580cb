"""Targeted communities: ethnic and religious groups reported as victims or targets, not as parties.

A sentence (or clause) is looked at only when it is about harm: it holds a casualty figure the casualty
extractor found, or a harm word. Each mention of a community there is read as a unit: stacked names
("Sunni Kurds", "Shia Hazara") and lists ("Tuareg and Arab miners") share one noun phrase and one verdict;
a branch drops the wider group it names ("Sunni Muslim men" -> Sunni; "Coptic Christians" -> Coptic).

The verdict weighs evidence in order, victim evidence first, so that it outranks the party-noun veto:
1. a casualty figure governs the noun phrase: "25 Kurdish fighters were among the dead", "killed 14 Ogoni
   villagers", "17 members of the Bahai faith were detained";
2. a membership clause: "most of whom were Amhara", "all of them belonged to the Alawite sect", "most of
   them members of the local Catholic parish";
3. a copula or "including" after a victim subject: "the victims were Christians", "the 19 people killed
   ... were Tiv farmers", "those seized were Shabak farmers";
4. "the toll among X", "between X and Y" in a sentence about deaths (both are listed), a collective that
   is attacked ("the cattle camps of the Dinka clan", "the X tribe came under attack"), a passive harm
   predicate ("X herders were lynched", "are still missing").
Then the vetoes: a party compound ("Alawite-led"), an exclusion or protection verb before it ("excluded
Alawites", "to protect the Druze"; not the adjective in "army-protected"), attackers named by their
community ("gunmen from the Fulani community"), a party noun after it ("Fulani herders", "a Yazidi armed
group"), both sides of a clash. Last, the weaker cues: a victim noun after it ("Alawite villages"), a
targeting word before it ("mostly Alawites", "singled out ethnic Amharas"), a number before it. Names
generated from ISO 639-3 (data/communities.tsv) need a victim noun, a figure or rules 2-4: a bare
targeting word is not enough for a name nobody curated. A place name ("Amhara region", "Hazara Town")
is never a community.

This module finds the names and their units and reads places of worship; the clause rules are in
`warnd.extract.targeting`.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from warnd.extract.history import history_span, looks_back, reference_year
from warnd.extract.lexicon import Lexicon
from warnd.extract.targeting import LIST_JOINERS, Unit, between_sides, head_after, is_targeted
from warnd.extract.tokens import Token, adjacent

_CLAUSE_STOPS = frozenset({"said", "says", "after", "before", "when", "while", "as", "but", "and"})
# nouns that say where bodies lay, not that the place of worship was attacked ("bodies behind a chapel")
_NOT_WORSHIP_HARM = frozenset({"bodies", "dead", "deaths", "victims", "graves", "missing", "toll", "refugees",
                               "lives", "casualties"})
_SERVICE = frozenset({"prayers", "prayer", "worshippers", "worshipers", "service", "services", "mass", "dhikr",
                      "congregation", "sermon", "vigil", "congregants", "parishioners"})
_MAX_FORM_WORDS = 4
_SERVICE_REACH = 40   # tokens either side of a place of worship searched for a service word: linear
_ANAPHORA = frozenset({"they", "them", "those", "whom", "victims", "dead", "all", "most"})


def find_targeted(tokens: list[Token], spans: Sequence[tuple[int, int]], lexicon: Lexicon,
                  place_tokens: frozenset[int] = frozenset(),
                  figures: Mapping[int, str] | None = None, *,
                  published_year: int | None = None) -> tuple[str, ...]:
    """Community names reported as targeted, in order of first mention, without repeats.

    `figures` maps the first token of each casualty figure found in the same text to its kind: a figure
    makes its sentence one about harm, and one governing a community's noun phrase makes its members
    victims (an arrest figure does not make "30 X separatists" victims: arrests of a party are not
    attacks on a community). In an item with no current figure, a sentence or clause about the past
    ("killed 8,000 X men in 1995", an anniversary) is history and names no target.
    """
    figures = figures or {}
    starts, worship, any_case = lexicon.starts, lexicon.worship, lexicon.any_case
    mentions = [k for k, t in enumerate(tokens)
                if (t.low in starts and (t.is_cap or t.low in any_case)) or t.low in worship
                or t.low in _PEOPLE_NOUNS]
    people_nouns = [k for k in mentions if tokens[k].low in _PEOPLE_NOUNS]
    if people_nouns:
        unnamed = _unlisted_names(tokens, people_nouns, lexicon)
        mentions = sorted((set(mentions) - set(people_nouns)) | unnamed
                          | {k for k in people_nouns if tokens[k].low in starts or tokens[k].low in worship})
    if not mentions:
        return ()  # most items name no community: one pass and done
    starts_at = sorted(figures)
    lows = [t.low for t in tokens]
    now: int | None = None
    found: list[str] = []
    from_worship: set[str] = set()
    harmed_before = False  # the previous sentence was about harm
    for lo, hi in spans:
        first, last = bisect.bisect_left(mentions, lo), bisect.bisect_left(mentions, hi)
        has_figure = bisect.bisect_left(starts_at, lo) != bisect.bisect_left(starts_at, hi)
        harmed = has_figure or not lexicon.harm_words.isdisjoint(lows[lo:hi])
        # "Gunmen stormed the camp overnight. Most of them were Hazaras.": the second sentence continues
        # the first one's victims
        continued = harmed_before and not _ANAPHORA.isdisjoint(lows[lo:min(hi, lo + 5)])
        # "... killing 30. The village is inhabited mostly by Christians.": who lived where harm was done
        populated = harmed_before and not harmed and first != last and _describes_scene(lows, lo, hi)
        harmed_before = harmed
        if populated:
            for unit in _units(tokens, mentions[first:last], hi, lexicon, place_tokens):
                for name in _without_wider(unit.names, lexicon):
                    if name not in found:
                        found.append(name)
            continue
        if first == last or not (harmed or continued):
            continue
        # History names no target now, except in an item that reports harm now: there the guide (and
        # error class G7) counts the community an anniversary sentence names as the victims'
        if not figures and looks_back(tokens, lo, hi):
            continue
        past = (hi, hi)
        if not figures:
            if now is None:
                now = reference_year(tokens, [k for k, t in enumerate(tokens) if t.kind == "num"], published_year)
            past = history_span(tokens, lo, hi, now, may_look_back=False)
        here = mentions[first:last]
        for name, by_worship in _sentence_targets(tokens, lo, hi, here, lexicon, place_tokens, figures, past):
            if by_worship:
                from_worship.add(name)
            if name not in found:
                found.append(name)
    # a mosque attacked in an item about Sunni victims is theirs: the wider group adds nothing
    narrower = {lexicon.within[n] for n in found if n in lexicon.within}
    return tuple(n for n in found if not (n in from_worship and n in narrower))


_SCENES = frozenset({"village", "villages", "town", "area", "camp", "district", "neighbourhood", "neighborhood",
                     "quarter", "settlement", "city", "region", "school", "victims", "dead"})
_POPULATION = frozenset({"inhabited", "populated", "home", "residents", "mostly", "predominantly", "largely",
                         "majority", "dominated", "mainly", "overwhelmingly"})


def _describes_scene(lows: list[str], lo: int, hi: int) -> bool:
    """The sentence opens on the scene of the harm before it and says who lives there: "The village is
    inhabited mostly by Christians", "The town's residents are Alawites", "Most residents of the camp
    are Yazidis" (bounded: its first six words and a population word)."""
    opening = [w.removesuffix("'s").removesuffix("’s") for w in lows[lo:min(hi, lo + 6)]]
    return (opening[:1] in (["the"], ["its"], ["most"]) and not _SCENES.isdisjoint(opening[:5])
            and not _POPULATION.isdisjoint(lows[lo:hi]))


def _sentence_targets(tokens: list[Token], lo: int, hi: int, here: list[int], lexicon: Lexicon,
                      place_tokens: frozenset[int], figures: Mapping[int, str],
                      past: tuple[int, int]) -> list[tuple[str, bool]]:
    """The sentence [lo, hi)'s targeted names, each with whether a place of worship gave it; `here` are
    the tokens that may start a name or be a worship word."""
    units = [u for u in _units(tokens, here, hi, lexicon, place_tokens) if not past[0] <= u.start < past[1]]
    out: list[tuple[str, bool]] = []
    heads: set[int] = set()
    between = between_sides(tokens, units, lo, lexicon)
    for i, unit in enumerate(units):
        head, head_at = head_after(tokens, unit.end, hi, lexicon)
        if head_at is not None:
            heads.add(head_at)
        if i in between or is_targeted(tokens, unit, head, head_at, lo, hi, lexicon, figures) \
                or (head_at is not None and head in lexicon.worship
                    and _worship_hit(tokens, head_at, lo, hi, lexicon)):
            out.extend((n, False) for n in _without_wider(unit.names, lexicon))
    last_hit: int | None = None   # the last place of worship found attacked
    for k in here:
        name = lexicon.worship.get(tokens[k].low)
        if name is None:
            continue
        if k + 1 < hi and tokens[k + 1].text == "-" and adjacent(tokens[k], tokens[k + 1]):
            continue  # "a church-run agency"
        # "attacked two churches and a synagogue": listed after an attacked one, it was attacked too
        listed = last_hit is not None and k - last_hit <= 4 \
            and any(tokens[j].low in LIST_JOINERS for j in range(last_hit + 1, k))
        if not (listed or _worship_hit(tokens, k, lo, hi, lexicon)):
            continue
        last_hit = k
        if k not in heads:  # "a Coptic church": the unit before it names the community
            out.append((name, True))
    return out


def _worship_hit(tokens: list[Token], k: int, lo: int, hi: int, lexicon: Lexicon) -> bool:
    """The place of worship at token k is what was attacked (a mosque only during a service). Also
    decides a community named before it ("a Sikh gurdwara"), whichever its own head word."""
    in_service = any(tokens[j].low in _SERVICE for j in range(max(lo, k - _SERVICE_REACH), min(hi, k + _SERVICE_REACH)))
    if tokens[k].low in lexicon.service_worship and not in_service:
        return False
    return _worship_attacked(tokens, k, lo, hi, lexicon, in_service)


def _without_wider(names: list[str], lexicon: Lexicon) -> list[str]:
    """"Sunni Muslim" -> Sunni, "Coptic Christians" -> Coptic; "Oromo Muslims" keeps both."""
    wider = {lexicon.within[n] for n in names if n in lexicon.within}
    return [n for n in names if n not in wider]


def _units(tokens: list[Token], here: list[int], hi: int, lexicon: Lexicon,
           place_tokens: frozenset[int]) -> list[Unit]:
    """The sentence's community units, read from the candidate tokens `here` (in text order)."""
    units: list[Unit] = []
    k = 0
    for m in here:
        if m < k:
            continue  # inside the previous unit
        k = m
        match = _form_at(tokens, k, hi, lexicon, place_tokens)
        if match is None:
            continue
        unit = Unit(k, k)
        while match is not None:
            end, name, generated = match
            if name not in unit.names:
                unit.names.append(name)
            unit.generated = unit.generated and generated
            unit.end = k = end
            match = _form_at(tokens, k, hi, lexicon, place_tokens)  # stacked: "Sunni Kurdish"
            if match is None:
                j = k
                while j < hi and j < k + 2 and tokens[j].low in LIST_JOINERS:
                    j += 1  # listed: "Tuareg and Arab", "Shabak, Yazidi and Christian"
                if j > k:
                    match = _form_at(tokens, j, hi, lexicon, place_tokens)
                    if match is not None:
                        k = j
        units.append(unit)
    return units


# Nouns that say the capitalised word before them names a people: "the Tharu and Pahadi communities",
# "members of the Obolo tribe". A name no list holds is read there, with a generated name's caution.
_PEOPLE_NOUNS = frozenset({"community", "communities", "tribe", "tribes", "clan", "clans", "sect", "sects",
                           "ethnic", "minority", "minorities"})
# capitalised words that stand before those nouns without naming a people
_NOT_A_PEOPLE = frozenset({"the", "a", "an", "this", "that", "these", "those", "their", "its", "his", "her",
                           "our", "local", "international", "whole", "entire", "business", "host", "affected",
                           "rural", "urban", "farming", "fishing", "religious", "ethnic", "minority", "indigenous",
                           "other", "both", "all", "every", "each", "many", "some", "several", "one", "two", "three",
                           "same", "wider", "global", "diplomatic", "humanitarian", "scientific", "academic",
                           "displaced", "small", "large", "tight", "close", "knit", "whose", "which", "new",
                           "muslim", "christian", "among", "and", "or", "of", "in", "for", "from", "with", "by"})


def _unlisted_names(tokens: list[Token], people_nouns: list[int], lexicon: Lexicon) -> set[int]:
    """Capitalised words right before a people noun (at the indexes `people_nouns`), or listed before
    one ("Tharu and Pahadi communities"): candidates for `_form_at`'s structural reading."""
    out: set[int] = set()
    for j in people_nouns:
        k = j - 1
        while k >= 0 and k >= j - 5 and _may_name_people(tokens, k, lexicon):
            out.add(k)
            if k >= 2 and tokens[k - 1].low in LIST_JOINERS:
                k -= 2
            else:
                break
    return out


def _may_name_people(tokens: list[Token], k: int, lexicon: Lexicon) -> bool:
    t = tokens[k]
    return (t.kind == "word" and t.is_cap and t.low not in _NOT_A_PEOPLE and t.low not in lexicon.demonyms
            and not t.low.endswith("'s") and not (len(t.text) > 1 and t.text.isupper())
            and (k == 0 or tokens[k - 1].text not in {".", "!", "?"}))


def _form_at(tokens: list[Token], k: int, hi: int, lexicon: Lexicon,
             place_tokens: frozenset[int]) -> tuple[int, str, bool] | None:
    """The longest community form starting at token k: (end, name, from the generated list)."""
    if k >= hi:
        return None
    found = _listed_form_at(tokens, k, hi, lexicon, place_tokens)
    if found is not None or k in place_tokens or not _may_name_people(tokens, k, lexicon):
        return found
    # "the Tharu and Pahadi communities", "the Obolo tribe": a name read from its structure
    j = k + 1
    while j < hi and j < k + 5 and tokens[j].low in LIST_JOINERS | {"the"}:
        j += 1
    if j < hi and (tokens[j].low in _PEOPLE_NOUNS and j == k + 1
                   or j > k + 1 and j + 1 < hi and _may_name_people(tokens, j, lexicon)
                   and tokens[j + 1].low in _PEOPLE_NOUNS | lexicon.starts):
        return k + 1, tokens[k].text, True
    return None


def _listed_form_at(tokens: list[Token], k: int, hi: int, lexicon: Lexicon,
                    place_tokens: frozenset[int]) -> tuple[int, str, bool] | None:
    """The longest form of the curated or generated lists starting at token k."""
    t = tokens[k]
    if t.kind != "word" or t.low not in lexicon.starts or not (t.is_cap or t.low in lexicon.any_case) \
            or k in place_tokens or (len(t.text) > 3 and t.text.isupper()):
        return None  # "NASA", "ARAB" in capitals: an acronym or a shouted headline, not a name to trust
    words: list[str] = []
    ends: list[int] = []
    j = k
    while j < hi and len(words) < _MAX_FORM_WORDS and tokens[j].kind == "word":
        words.append(tokens[j].low)
        ends.append(j + 1)
        # "Afro-Colombian", "Sabean-Mandaean": a hyphen with no space joins the form's words
        if j + 2 < hi and tokens[j + 1].text == "-" and adjacent(tokens[j], tokens[j + 1]) \
                and adjacent(tokens[j + 1], tokens[j + 2]):
            j += 2
        else:
            j += 1
    for size in range(len(words), 0, -1):
        key = tuple(words[:size])
        name = lexicon.forms.get(key)
        if name is not None:
            return ends[size - 1], name, False
        name = lexicon.generated.get(key)
        if name is not None and all(tokens[i].is_cap for i in range(k, ends[size - 1]) if tokens[i].kind == "word"):
            return ends[size - 1], name, True
    return None

def _worship_attacked(tokens: list[Token], k: int, lo: int, hi: int, lexicon: Lexicon, in_service: bool) -> bool:
    """A place of worship that is the target: a harm word shortly before it in the same clause ("gunmen
    stormed a church", "a bomber blew himself up inside a church"), a passive one right after it ("the
    church was torched"), or one surrounded during prayers with worshippers killed. Not "mourners gathered
    at a church", "church leaders met after the attack", nor "bodies buried behind a chapel"."""
    for j in range(k - 1, max(lo - 1, k - 7), -1):
        low = tokens[j].low
        if low in _CLAUSE_STOPS or tokens[j].text in {",", ";"}:
            break
        if (low in lexicon.harm_words and low not in _NOT_WORSHIP_HARM) or low in {"blew", "inside"} \
                or (low == "fire" and j > lo and tokens[j - 1].low in {"opened", "open", "opening", "opens"}):
            return True  # ("opened fire at a synagogue")
    for j in range(k + 1, min(hi, k + 5)):
        low = tokens[j].low
        if tokens[j].text in {",", ";", "."}:
            break
        if low in lexicon.harm_words and tokens[j - 1].low in {"was", "were", "been", "is", "being"}:
            return True
    # "Gunmen surrounded a mosque during Friday prayers, killing 31 worshippers"
    return in_service and any(tokens[j].low in {"worshippers", "worshipers", "congregants", "parishioners"}
                              and any(tokens[i].low in lexicon.harm_words for i in range(max(lo, j - 4), j))
                              for j in range(k + 1, min(hi, k + 20)))
