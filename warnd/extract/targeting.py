"""Clause-level evidence that a community named in a sentence is a victim or a party.

`warnd.extract.communities` finds the names and groups stacked and listed ones into units; this module
reads the words around one unit and decides, victim evidence first (a governing casualty figure,
membership and copula clauses, "the toll among", the object of a nominalised harm, an attacked
collective, a harm predicate, an apposition after a victim noun, the owner of what was struck or a
crowd of the community), then the vetoes (party compounds and nouns, exclusion verbs, attackers named
by their community, the subject of an active harm verb or of a verb of what members do rather than
suffer, both sides of a clash), then the weaker cues (a victim noun, a targeting word, a number).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from warnd.extract.lexicon import Lexicon
from warnd.extract.tokens import Token, adjacent

LIST_JOINERS = frozenset({",", "and", "or", "&"})


@dataclass(slots=True)
class Unit:
    """Community names sharing one noun phrase: "Sunni Kurds", "Hema and Lendu", "Shia Hazara"."""

    start: int
    end: int
    names: list[str] = field(default_factory=list)
    generated: bool = True        # every name came from the generated list


_COMPOUND_PARTY = frozenset({"led", "backed", "run", "allied", "linked", "aligned", "affiliated", "controlled",
                             "held", "armed",
                             # "Bengali-speaking Muslims", "Hausa-language radio": a language, not the group
                             "speaking", "language"})
# "Alawite-majority neighbourhoods": the compound describes a place; the noun after it decides
_COMPOUND_PLACE = frozenset({"majority", "dominated", "populated", "inhabited"})
_MUTUAL = frozenset({"clashed", "clash", "fought", "battled", "feuding", "traded"})
_ATTACKERS = frozenset({"gunmen", "attackers", "assailants", "raiders", "men", "youths", "members", "bandits",
                        "suspects", "perpetrators", "mob", "killers", "kidnappers"})
# who a membership or copula clause must not describe: "gunmen, most of whom were Fulani"
_PERPETRATORS = _ATTACKERS - {"men", "youths", "members"}
_REPORTING = frozenset({"said", "says", "told", "according", "reported", "added", "stated"})
# a side in "between X and Y" that is armed makes it a fight between parties ("Druze militias and Bedouin tribes")
_ARMED = frozenset({"militia", "militias", "militiamen", "fighters", "fighter", "forces", "force", "army",
                    "rebels", "rebel", "gunmen", "insurgents", "militants", "armed", "troops", "soldiers",
                    "police", "jihadists", "brigade", "brigades", "units", "factions", "faction", "vigilantes",
                    "groups", "group"})
_COLLECTIVES = frozenset({"clan", "clans", "tribe", "tribes", "sect", "faith", "community", "communities",
                          "minority", "people", "tradition", "parish", "congregation"})
_COUNT_WORDS = frozenset({"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                          "twelve", "dozen", "dozens", "hundreds", "thousands", "scores", "hundred", "thousand",
                          "million", "millions"})
# words between a figure and the community it governs: "17 members of the Bahai faith", "most of them"
_NP_SKIP = frozenset({"ethnic", "other", "more", "of", "them", "most", "some", "the", "many", "all", "mostly",
                      "mainly", "members", "member", "a", "an", "local", "young", "elderly", "practitioners",
                      "followers", "adherents", "unarmed", "innocent", "fellow"})
_COPULA = frozenset({"were", "was", "are", "is", "included", "include", "includes", "including"})
_COPULA_SKIP = frozenset({"a", "an", "mostly", "mainly", "all", "most", "of", "them", "the", "largely", "predominantly",
                          "ethnic", "young", "local", "also", "both", "overwhelmingly", "from", "members",
                          "member", "many", "some"})
_VICTIM_STATE = frozenset({"killed", "dead", "victims", "victim", "wounded", "injured", "abducted", "kidnapped",
                           "seized", "detained", "arrested", "missing", "displaced", "died", "slain", "casualties",
                           "toll", "executed", "massacred", "murdered", "shot", "hostages", "those", "bodies",
                           "deaths", "lynched", "targeted", "martyred"})
_BE = frozenset({"were", "was", "are", "is", "been", "being", "remain", "remained", "have", "has", "had"})
_ADVERBS = frozenset({"still", "later", "reportedly", "all", "also", "allegedly", "then", "subsequently",
                      "among", "both"})
_PASSIVE_HARM = frozenset({"killed", "lynched", "missing", "abducted", "kidnapped", "wounded", "injured", "shot",
                           "executed", "massacred", "murdered", "slain", "detained", "arrested", "beheaded",
                           "burned", "displaced", "targeted", "attacked", "hacked", "stabbed", "beaten",
                           "tortured", "raped", "martyred", "seized", "taken", "held", "expelled", "evicted",
                           "singled", "picked", "hunted", "persecuted", "rounded", "gunned",
                           "slaughtered", "drowned", "trapped", "buried", "besieged", "harassed", "threatened",
                           "target", "targets", "victims", "victim"})
# a verb whose subject is the noun phrase: "Dinka youth attacked Murle cattle camps" (not the reduced
# passive "Kurdish villagers killed in the raid", which is followed by a preposition)
_ACTIVE_HARM = frozenset({"attacked", "killed", "stormed", "raided", "torched", "burned", "burnt", "abducted",
                          "kidnapped", "opened", "shot", "looted", "ambushed", "shelled", "massacred", "besieged",
                          "attack", "attacks", "raid", "kill", "kills", "launched", "set", "seized"})
_OBJECT_STARTS = frozenset({"the", "a", "an", "their", "his", "her", "its", "two", "three", "four", "five", "six",
                            "seven", "eight", "nine", "ten", "dozens", "scores", "hundreds", "several", "fire",
                            "villagers", "residents", "civilians", "people", "homes", "villages"})
# "the massacre of Fulani herders", "the killing of X men": the nominalised harm's object is the victim
_HARM_OF = frozenset({"massacre", "massacres", "killing", "killings", "murder", "murders", "slaughter",
                      "execution", "executions", "abduction", "abductions", "kidnapping", "kidnappings", "lynching",
                      "lynchings", "deaths", "death", "bodies", "persecution", "expulsion", "displacement",
                      "targeting", "torture", "massacring", "beheading", "bombing", "shelling"})
# people who are neither victims nor parties by their noun: "a Christian pastor" is a victim only when a
# harm predicate, a figure or a targeting word says so
_PERSON_HEADS = frozenset({"priest", "priests", "pastor", "pastors", "imam", "imams", "nun", "nuns", "monk",
                           "monks", "bishop", "catechist", "catechists", "seminarian", "seminarians", "preacher",
                           "preachers", "evangelist", "chief", "chiefs", "businessman", "businessmen"})
_MEMBERSHIP = frozenset({"belonged", "belong", "belongs", "belonging"})
_UNDER_ATTACK = frozenset({"came", "come", "comes", "faced", "faces", "face", "suffered", "suffers", "bore"})
_AMONG = frozenset({"among", "amongst"})
_BEFORE_AMONG = frozenset({"the", "local", "ethnic", "those", "members", "of"})


def head_after(tokens: list[Token], end: int, hi: int, lexicon: Lexicon) -> tuple[str | None, int | None]:
    """The head noun after a unit: the last victim, party or collective noun of the compound that follows
    ("Alawite villages", "church leaders" -> leaders, "Dinka Bor clan" -> clan), skipping adjectives."""
    j, skipped = end, 0
    if j + 1 < hi and tokens[j].text == "-" and tokens[j + 1].low in _COMPOUND_PLACE:
        j += 2
    head: str | None = None
    head_at: int | None = None
    while j < hi and skipped < 3:
        t = tokens[j]
        if t.kind != "word":
            if t.text == "-" and j + 1 < hi:
                j += 1
                continue
            break
        if head is not None and t.is_cap:
            break  # "Sunni cleric Sheikh Ahmed": a name, not more of the compound
        if t.low.endswith(("'s", "’s")) and t.low[:-2] in _COLLECTIVES | lexicon.victim_nouns:
            j += 1  # "the Hazara community's main mosque": what the community owns is the head
            continue
        if t.low in lexicon.victim_nouns or t.low in lexicon.party_nouns or t.low in _COLLECTIVES \
                or t.low in _PERSON_HEADS or t.low in lexicon.worship:
            head, head_at = t.low, j
            j += 1
            continue
        if head is None and (t.low in {"local", "young", "elderly", "farming", "fishing", "neighbouring",
                                       "neighboring", "nearby", "remote", "rural", "poor", "displaced", "unarmed",
                                       "minority", "religious", "holy", "ethnic", "self", "muslims", "muslim",
                                       "christians", "christian", "tribal", "cattle", "community", "prayer",
                                       "main", "largest", "oldest", "historic", "old", "new", "only"}
                             or (t.is_cap and skipped == 0 and j == end)):
            j += 1
            skipped += 1
            continue
        break
    return head, head_at

def is_targeted(tokens: list[Token], unit: Unit, head: str | None, head_at: int | None, lo: int, hi: int,
              lexicon: Lexicon, figures: Mapping[int, str]) -> bool:
    start, end = unit.start, unit.end
    nxt = tokens[end] if end < hi else None
    # "Alawite-led insurgents", "Druze-run council": the community is a party
    if nxt is not None and nxt.text == "-" and adjacent(tokens[end - 1], nxt) and end + 1 < hi \
            and tokens[end + 1].low in _COMPOUND_PARTY:
        return False
    if start >= lo + 2 and tokens[start - 1].text == "-" and tokens[start - 2].low == "non" \
            and adjacent(tokens[start - 2], tokens[start - 1]):
        return False  # "separated the non-Muslim passengers": everyone but the community
    number = _number_before(tokens, start, lo)
    # 1-4: victim evidence, stronger than a party noun after the name
    if start >= lo + 2 and tokens[start - 1].text == "-" and tokens[start - 2].low == "anti" \
            and adjacent(tokens[start - 2], tokens[start - 1]):
        return True  # "anti-Muslim riots", "anti-Christian attacks": the name is what is attacked
    if number is not None and number in figures and (figures[number] != "arrested"
                                                      or head not in lexicon.party_nouns or head in _UNARMED):
        return True  # ("arrested 146 Kurdish activists" is a crackdown; "30 X separatists" a party's arrest)
    if number is not None and _passive_victim(tokens, head_at or end - 1, hi):
        return True
    clause = _membership(tokens, start, lo, lexicon)
    if clause is None:
        clause = _copula_victims(tokens, start, lo, lexicon, figures)
    if clause is None and _victims_apposition(tokens, start, lo, figures):
        return True  # "The victims, all Alawites, were ...", "The dead, mostly Alawite men, ..."
    if clause is not None:
        return clause  # "most of whom were X" / "the attackers were X": the clause says who they are
    if _among_toll(tokens, start, lo, figures) or _object_of_harm(tokens, start, lo) \
            or _owner_harmed(tokens, start, lo, hi, lexicon, figures):
        return True
    if head in _COLLECTIVES and head_at is not None and _collective_attacked(tokens, start, head_at, lo, hi,
                                                                             lexicon):
        return True
    if _passive_victim(tokens, head_at if head_at is not None else end - 1, hi):
        return True
    if head in _MEMBERS and _targeting_verb_before(tokens, start, lo):
        return True  # "the attack targeted Fulani herders": an unarmed party noun as the target's object
    # vetoes
    if _excluded(tokens, start, lo, lexicon) or _attackers_from(tokens, start, lo, lexicon):
        return False
    subject = _can_act(tokens, start, lo, head)
    if head in lexicon.party_nouns or (subject and _acts(tokens, head_at if head_at is not None else end - 1, hi)):
        return False
    if (subject or head in _PLACE_HEADS) and _agent(tokens, head_at if head_at is not None else end - 1, hi):
        return False  # "Buddhist monks led a march after 30 were killed", "Druze villages hosted 3,000 families"
    # "Muslim and Christian youths clashed": both sides of a fight are parties, not targets
    if any(tokens[j].low in _MUTUAL for j in range(end, min(hi, end + 4))):
        return False
    # weaker cues, and only in a clause about harm ("Rohingya refugees received rations, while in Sudan
    # fighting killed 30" is not about the Rohingya)
    if not _clause_harmed(tokens, start, lo, hi, lexicon, figures):
        return False
    if head in _OCCASIONS and not _clause_harmed(tokens, start, lo, hi, lexicon, figures, semicolon=True):
        return False  # "A Hindu festival drew 2 million pilgrims; 30 died in a stampede"
    if head in lexicon.victim_nouns:
        return True
    if number is not None:
        return True
    before = [tokens[j].low for j in range(max(lo, start - 3), start)]
    # a generated name needs more than a targeting word before a capitalised word, unless it reads as a
    # people: "ethnic Gbaya", or a plural that is not the name itself ("attacks on Tzotzils")
    if unit.generated and not (before[-1:] == ["ethnic"] or _plural(tokens[end - 1].low, unit.names)
                               or not _TARGET_VERBS.isdisjoint(before)):
        return False  # ("targeted the Konkomba": a verb that takes people as its object is enough)
    return any(w in lexicon.target_before for w in before)


_PLACE_HEADS = frozenset({"village", "villages", "town", "towns", "district", "districts", "neighbourhood",
                          "neighbourhoods", "neighborhood", "neighborhoods", "church", "churches", "mosque",
                          "mosques", "shrine", "shrines", "temple", "temples", "school", "schools", "camp", "camps",
                          "homes", "houses", "quarter", "enclave", "settlement", "settlements", "area", "areas"})
_PREPOSITIONS = frozenset({"on", "at", "in", "of", "against", "into", "inside", "near", "from", "among", "to"})


_CLAUSE_BREAKS = frozenset({"while", "whereas", "meanwhile", "separately", "elsewhere"})
# No clause of news runs longer; the bound keeps a run-on "sentence" (hostile text, a list with no full
# stop) linear: without it every community named in it scanned the whole of it.
_CLAUSE_REACH = 60


# occasions named after a community: attacked when the harm is in their own clause
_OCCASIONS = frozenset({"festival", "festivals", "wedding", "weddings", "funeral", "funerals", "procession",
                        "ceremony", "gathering", "market", "markets", "mass", "masses", "service", "prayers",
                        "prayer", "vigil", "pilgrimage", "holiday", "celebrations"})


def _clause_harmed(tokens: list[Token], start: int, lo: int, hi: int, lexicon: Lexicon,
                   figures: Mapping[int, str], *, semicolon: bool = False) -> bool:
    """The clause around `start` (between contrast words; a semicolon often joins parallel harm, so it
    bounds the clause only with `semicolon`) holds a harm word or a figure."""
    lo, hi = max(lo, start - _CLAUSE_REACH), min(hi, start + _CLAUSE_REACH)
    breaks = _CLAUSE_BREAKS | {";"} if semicolon else _CLAUSE_BREAKS
    a = start
    while a > lo and tokens[a - 1].low not in breaks:
        a -= 1
    b = start
    while b < hi and tokens[b].low not in breaks:
        b += 1
    return any(tokens[k].low in lexicon.harm_words or k in figures for k in range(a, b))


# verbs whose object is people singled out as a group: "targeted the Konkomba", "hunting Tutsis"
_TARGET_VERBS = frozenset({"targeted", "targeting", "targets", "target", "hunting", "hunted", "singled",
                           "persecuting", "persecuted", "massacring", "massacred", "slaughtered", "slaughtering",
                           "executing", "executed", "expelling", "expelled", "rounding", "rounded"})


def _can_act(tokens: list[Token], start: int, lo: int, head: str | None) -> bool:
    """A noun phrase that can be the subject of an attack: people, not places, and not inside a
    prepositional phrase ("an attack on a Sufi shrine killed 20") nor the object of a verb before it
    ("attackers targeting Hindus set fire to 20 houses")."""
    if head in _PLACE_HEADS:
        return False
    j = start - 1
    while j >= lo and tokens[j].low in {"the", "a", "an", "local", "ethnic"}:
        j -= 1
    if j > lo and tokens[j].low == "of" and (tokens[j - 1].low in _COUNT_WORDS or tokens[j - 1].kind == "num"
                                             or tokens[j - 1].low in {"most", "many", "some", "all", "group"}):
        return True  # "Thousands of Sikh pilgrims celebrated": a quantity of the community, still the subject
    return not (j >= lo and (tokens[j].low in _PREPOSITIONS or tokens[j].low in _TARGET_VERBS))


# what a community's members do when they are not the victims: "Christian leaders held vigils",
# "Buddhist monks led a march" (the harm in the sentence happened to others)
_AGENT_VERBS = frozenset({"led", "held", "hold", "holds", "staged", "marched", "march", "protested", "rallied",
                          "gathered", "demanded", "demand", "called", "urged", "condemned", "condemn",
                          "denounced", "blocked", "organised", "organized", "met", "voted", "celebrated",
                          "appealed", "announced", "welcomed", "accused", "blamed", "vowed", "warned",
                          "petitioned", "threatened", "testified", "recalled", "commemorated", "marked",
                          "drew", "draws", "attended", "attend", "reopened", "resumed", "returned", "elected",
                          "won", "signed", "negotiated", "mediated", "hosted", "donated", "raised", "sheltered",
                          "performed", "conducted", "prayed", "helped", "rescued", "volunteered", "distributed",
                          "offered", "received", "host", "hosts"})


def _agent(tokens: list[Token], at: int, hi: int) -> bool:
    """The noun phrase ending at `at` is the subject of an active verb of speech or action that is not
    harm ("X monks led a march", "X families have demanded ...")."""
    j = at + 1
    if j < hi and tokens[j].low in {"had", "have", "has", "also", "later", "then", "on", "reportedly"}:
        j += 1
    return j < hi and tokens[j].low in _AGENT_VERBS


def _acts(tokens: list[Token], at: int, hi: int) -> bool:
    """The noun phrase ending at `at` is the subject of an active harm verb ("X youth attacked the camp")."""
    j = at + 1
    if j < hi and tokens[j].low in {"had", "have", "has", "reportedly", "allegedly", "then", "later"}:
        j += 1
    if j + 1 >= hi or tokens[j].low not in _ACTIVE_HARM:
        return False
    nxt = tokens[j + 1]
    return nxt.low in _OBJECT_STARTS or nxt.kind == "num" or nxt.is_cap


def _plural(word: str, names: list[str]) -> bool:
    return word.endswith("s") and not any(n.lower().endswith(word) for n in names)


def _number_before(tokens: list[Token], start: int, lo: int) -> int | None:
    """The number token governing the noun phrase: "killed three Christians", "17 members of the X faith"."""
    j = start - 1
    while j >= lo and j > start - 6 and tokens[j].low in _NP_SKIP:
        j -= 1
    if j >= lo and (tokens[j].kind == "num" or tokens[j].low in _COUNT_WORDS):
        # "half a million Rohingya": the figure starts at its first number word
        while j > lo and (tokens[j - 1].kind == "num" or tokens[j - 1].low in _COUNT_WORDS):
            j -= 1
        return j
    return None


def _passive_victim(tokens: list[Token], at: int, hi: int) -> bool:
    """A harm predicate right after the noun phrase: "... herders were lynched", "are still missing",
    "were among the dead"."""
    j = at + 1
    if j + 1 < hi and tokens[j].low == "and" and tokens[j + 1].low in {"his", "her", "their", "a", "two", "three"}:
        j += 2  # "a pastor and his wife were shot dead"
        while j < hi and j < at + 6 and tokens[j].low not in _BE:
            j += 1
        at = j - 1
    seen_be = False
    while j < hi and j < at + 5:
        low = tokens[j].low
        if low in _BE:
            seen_be = True
        elif seen_be and low in _PASSIVE_HARM:
            return True
        elif not (seen_be and low in _ADVERBS | {"the", "dead"}):
            return False
        if seen_be and low == "among":
            return any(tokens[k].low in _VICTIM_STATE for k in range(j + 1, min(hi, j + 4)))
        j += 1
    return False


def _subject_is_party(tokens: list[Token], at: int, lo: int, lexicon: Lexicon) -> bool:
    """The noun a membership or copula clause describes, looked for just before it ("gunmen, most of whom")."""
    j = at
    while j >= lo and j > at - 4 and (tokens[j].low in {"most", "many", "all", "some", "who", ",", "of", "several",
                                                         "both", "whom", "them", "nearly", "almost"}):
        j -= 1
    return j >= lo and (tokens[j].low in _PERPETRATORS or tokens[j].low in _ARMED
                        or tokens[j].low in lexicon.party_nouns)


def _membership(tokens: list[Token], start: int, lo: int, lexicon: Lexicon) -> bool | None:
    """"most of whom were X", "all of them belonged to the X sect", "most of them members of the X parish":
    True; False when the clause describes attackers ("gunmen, most of whom were X"); None without one."""
    for j in range(start - 1, max(lo - 1, start - 9), -1):
        low = tokens[j].low
        if low in {",", ";", ":"} or tokens[j].text in {"(", ")"}:
            return None
        if low in _MEMBERSHIP:
            return not _subject_is_party(tokens, j - 1, lo, lexicon)
        if low in {"whom", "them"} and j > lo and tokens[j - 1].low == "of":
            return not _subject_is_party(tokens, j - 2, lo, lexicon)
    return None


def _copula_victims(tokens: list[Token], start: int, lo: int, lexicon: Lexicon,
                    figures: Mapping[int, str]) -> bool | None:
    """"the victims were Christians", "the 19 people killed ... were Tiv farmers", "killed 12, including X":
    True; False when the subject is the attackers ("the gunmen were X"); None otherwise."""
    j = start - 1
    while j >= lo and j > start - 6 and tokens[j].low in _COPULA_SKIP:
        j -= 1
    if j < lo or tokens[j].low not in _COPULA:
        return None
    victim = False
    listing = tokens[j].low.startswith("includ")  # "abducted 12 people, including X": the nearest figure
    for k in range(j - 1, max(lo - 1, j - 16), -1):
        low = tokens[k].low
        if low == ";" or low in _REPORTING:
            break  # "a commander of the joint forces said 22 of the 37 killed were ...": another clause
        if listing and (low in _VICTIM_STATE or k in figures):
            return True
        if (low in _PERPETRATORS or low in _ARMED) and not (k > lo and tokens[k - 1].low == "by"):
            return False  # "the gunmen who killed 12 were ...": the subject is the attacker
        victim = victim or low in _VICTIM_STATE or k in figures
    return True if victim else None


_APPOSITION_SKIP = frozenset({"all", "mostly", "mainly", "most", "many", "largely", "predominantly", "of", "them",
                              "whom", "among", "including", "overwhelmingly", "ethnic", "nearly", "almost",
                              "both", "young"})


def _victims_apposition(tokens: list[Token], start: int, lo: int, figures: Mapping[int, str]) -> bool:
    """ "The victims, all Alawites, ...", "The dead, mostly Druze men, ...", "twelve people, all of them
    Christians": an apposition after a victim noun or a figure names who they were."""
    j = start - 1
    while j >= lo and j > start - 5 and tokens[j].low in _APPOSITION_SKIP:
        j -= 1
    if j == start - 1 or j < lo or tokens[j].text != ",":
        return False
    return any(tokens[k].low in _VICTIM_STATE or k in figures for k in range(max(lo, j - 4), j))


# party nouns that are no armed side: their arrest is a crackdown on the community
_UNARMED = frozenset({"activists", "leaders", "elders", "politicians", "representatives", "delegates",
                      "scholars", "clerics", "dignitaries", "notables"})
# party nouns for a community's own members when they are not fighting: the object of a targeting
# verb is its target ("targeted Fulani herders", "singled out Murle elders"), unlike "targeted X militants"
_MEMBERS = _UNARMED | {"herders", "herdsmen", "tribesmen", "clan", "clans", "tribe", "tribes"}


def _targeting_verb_before(tokens: list[Token], start: int, lo: int) -> bool:
    """A verb that takes people as its object right before the noun phrase (articles and "local",
    "ethnic" between): "targeted the Fulani herders", "singling out Amhara traders"."""
    j = start - 1
    while j >= lo and tokens[j].low in {"the", "a", "an", "local", "ethnic", "out", "unarmed"}:
        j -= 1
    return j >= lo and tokens[j].low in _TARGET_VERBS
_OWNED = frozenset({"homes", "houses", "home", "house", "shops", "businesses", "property", "properties",
                    "farms", "villages", "village", "graves", "cemetery", "cemeteries", "settlements", "lands",
                    "land", "camps", "families", "members", "livestock", "cattle", "herds", "huts", "homesteads"})


# a gathering of the community's members: "the bomb tore through a crowd of Shiite Hazaras, killing 73"
_GATHERED = frozenset({"crowd", "crowds", "gathering", "group", "groups", "convoy", "busload", "procession",
                       "congregation", "queue", "column", "caravan"})


def _owner_harmed(tokens: list[Token], start: int, lo: int, hi: int, lexicon: Lexicon,
                  figures: Mapping[int, str]) -> bool:
    """ "demolished hundreds of homes of Bengali-speaking Muslims", "torched the houses of Christian
    families": the owner of what a harm verb struck just before is its target; a crowd of the
    community's members in a clause about harm was struck."""
    j = start - 1
    while j >= lo and j > start - 6 and (tokens[j].low in {"the", "local", "ethnic", "poor"}
                                         or tokens[j].text == "-" or tokens[j].low.endswith("speaking")
                                         or (tokens[j].is_cap and j > lo and tokens[j + 1].text == "-")):
        j -= 1  # "Bengali-speaking": a compound modifier before the name
    if j > lo and tokens[j].low == "of" and tokens[j - 1].low in _GATHERED:
        return _clause_harmed(tokens, start, lo, hi, lexicon, figures)
    if not (j > lo and tokens[j].low == "of" and tokens[j - 1].low in _OWNED):
        return False
    return any(tokens[k].low in lexicon.harm_words or tokens[k].low in lexicon.target_before
               for k in range(max(lo, j - 7), j - 1))


def _object_of_harm(tokens: list[Token], start: int, lo: int) -> bool:
    """"the massacre of Fulani herders", "the killing of 12 Hazara miners"."""
    j = start - 1
    while j >= lo and j > start - 5 and (tokens[j].low in {"the", "local", "ethnic", "unarmed", "innocent"}
                                         or tokens[j].kind == "num" or tokens[j].low in _COUNT_WORDS):
        j -= 1
    return j > lo and tokens[j].low == "of" and tokens[j - 1].low in _HARM_OF


def _among_toll(tokens: list[Token], start: int, lo: int, figures: Mapping[int, str]) -> bool:
    """"the toll among Zaghawa families", "... and among Sunni tribesmen at 34"."""
    j = start - 1
    while j >= lo and j > start - 4 and tokens[j].low in _BEFORE_AMONG:
        j -= 1
    if j < lo or tokens[j].low not in _AMONG:
        return False
    return any(tokens[k].low in _VICTIM_STATE or k in figures for k in range(max(lo, j - 12), j))


def _collective_attacked(tokens: list[Token], start: int, head_at: int, lo: int, hi: int,
                         lexicon: Lexicon) -> bool:
    """"the cattle camps of the Dinka clan were raided", "the X tribe came under attack"."""
    for j in range(head_at + 1, min(hi, head_at + 4)):
        if tokens[j].low in _UNDER_ATTACK:
            return True
    j = start - 1
    while j >= lo and tokens[j].low in {"the", "a", "local"}:
        j -= 1
    if j > lo and tokens[j].low == "of":
        owner = tokens[j - 1].low
        if owner in lexicon.party_nouns or owner in _PERPETRATORS or owner in _ARMED:
            return False  # "fighters of the X clan", "leaders of the X community"
        return any(tokens[k].low in lexicon.target_before or tokens[k].low in lexicon.harm_words
                   for k in range(max(lo, j - 8), j))
    return False


def _attackers_from(tokens: list[Token], start: int, lo: int, lexicon: Lexicon) -> bool:
    """"Gunmen from the Fulani community attacked ...": members of a party, named by their community.
    "men from" is attackers; "members of the X minority" is membership, not a party."""
    for j in range(start - 1, max(lo - 1, start - 4), -1):
        low = tokens[j].low
        if low in {"from", "of"} and j > lo \
                and all(tokens[k].low in {"the", "a", "an", "local"} for k in range(j + 1, start)):
            owner = tokens[j - 1].low
            return owner in lexicon.party_nouns or owner in (_ATTACKERS if low == "from" else _PERPETRATORS)
    return False


# party nouns that still name a community as one side of communal violence ("between X and Y herders")
_COMMUNAL_SIDES = frozenset({"clan", "clans", "tribe", "tribes", "tribesmen", "herders", "herdsmen", "youth",
                             "community", "communities"})


def _side(head: str | None, lexicon: Lexicon) -> bool:
    """A side of "between X and Y" that can be a community: not armed, not politicians or leaders."""
    return head not in _ARMED and (head not in lexicon.party_nouns or head in _COMMUNAL_SIDES)


def between_sides(tokens: list[Token], units: Sequence[Unit], lo: int, lexicon: Lexicon) -> set[int]:
    """Units in "between X and Y (communities)" in a sentence about harm: both sides are listed, unless a
    side is armed ("between Druze militias and Bedouin tribes" is a fight between parties)."""
    out: set[int] = set()
    for i, unit in enumerate(units):
        if i + 1 < len(units) and _hyphen_pair(tokens, unit, units[i + 1]):
            out.update((i, i + 1))  # "renewed Hema-Lendu violence": a compound of both sides
            continue
        j = unit.start - 1
        while j >= lo and tokens[j].low in {"the", "ethnic"}:
            j -= 1
        if j >= lo and tokens[j].low in {"pitting", "pitted", "pits"} and i + 1 < len(units):
            other = units[i + 1]
            gap = [t.low for t in tokens[unit.end:other.start]]
            head, _ = head_after(tokens, other.end, len(tokens), lexicon)
            if gap[:1] == ["against"] and len(gap) <= 2 and _side(head, lexicon):
                out.update((i, i + 1))  # "clashes pitting Pokot against Turkana herders"
            continue
        if j < lo or tokens[j].low != "between":
            continue
        head, _ = head_after(tokens, unit.end, len(tokens), lexicon)
        if not _side(head, lexicon):
            continue
        if len(unit.names) > 1:
            out.add(i)  # "between Hema and Lendu communities"
            continue
        if i + 1 < len(units):
            other = units[i + 1]
            gap = [t.low for t in tokens[unit.end:other.start]]
            other_head, _ = head_after(tokens, other.end, len(tokens), lexicon)
            if "and" in gap and len(gap) <= 3 and _side(other_head, lexicon):
                out.update((i, i + 1))
    return out

_MUTUAL_NOUNS = frozenset({"violence", "clashes", "clash", "fighting", "feud", "feuds", "conflict", "conflicts",
                           "killings", "war", "battles", "hostilities", "skirmishes", "riots", "bloodshed"})


def _hyphen_pair(tokens: list[Token], first: Unit, second: Unit) -> bool:
    """ "Hema-Lendu violence", "the Nuer-Dinka clashes": two communities joined by a hyphen before a
    noun of mutual violence are both its sides."""
    if second.start != first.end + 1 or tokens[first.end].text != "-" or second.end >= len(tokens):
        return False
    return adjacent(tokens[first.end - 1], tokens[first.end]) and adjacent(tokens[first.end], tokens[second.start]) \
        and tokens[second.end].low in _MUTUAL_NOUNS


def _excluded(tokens: list[Token], start: int, lo: int, lexicon: Lexicon) -> bool:
    """"excluded Alawites, Druze and Kurds", "to protect the Druze": a verb of exclusion or protection
    before a list of communities. Not the adjective in "the army-protected Bambara town"."""
    j = start - 1
    steps = 0
    while j >= lo and steps < 8:
        low = tokens[j].low
        if low in lexicon.not_target_before:
            prev = tokens[j - 1] if j > lo else None
            if prev is not None and prev.text == "-" and adjacent(prev, tokens[j]):
                j -= 3  # "government-protected": a compound adjective
                steps += 1
                continue
            if prev is not None and prev.low in {"the", "a", "an"}:
                return False  # "the protected enclave": an adjective
            return True
        if low in LIST_JOINERS or low in {"the", "ethnic"} or tokens[j].is_cap:
            j -= 1
            steps += 1
            continue
        return False
    return False
