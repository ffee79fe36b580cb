"""The noun phrase of a figure: what a number counts, read from the words after it.

"19 villagers", "nine charred bodies", "two 16 year old girls", "14 members of the security forces",
"six employees of an aid agency": adjectives, participles, ages and "members of" are skipped or read
to reach the head noun, which gives the figure's victim class. Also the clause and segment marks
every part of the casualty extractor splits on.
"""

from __future__ import annotations

from warnd.extract import casualty_words as W
from warnd.extract.tokens import Token, adjacent

SEGMENT_BREAKS = frozenset({",", ";", ":", "(", ")", "—", "–", "[", "]"})


CLAUSE_BREAKS = frozenset({"said", "says", "told", "according", "that", "when", "while", "after", "before",
                            "because", "but", "if", "where", "whereas", "although", "though", "than",
                            "amid", "despite", "until", "whose", "during"})


_VICTIM_HEADS_NEED_OF = frozenset({"members", "member", "personnel", "staff", "staffers", "employees",
                                   "officials", "elements"})


ADJECTIVE_OK = frozenset({"armed", "unarmed", "suspected", "alleged", "displaced", "wounded", "injured",
                           "unidentified", "detained", "abducted", "kidnapped", "retired",
                           "unnamed", "affiliated", "trapped", "stranded", "elderly", "young", "old"})


def noun_phrase(tokens: list[Token], start: int, hi: int) -> tuple[str | None, int | None, int]:
    """The victim class of the noun phrase after a number, its head token, and where the phrase ends.

    Returns ("not-people", ...) when the head is a thing ("tents", "votes"), (None, None, start) when
    there is no noun ("killing 44 civilians and wounding 13").
    """
    j = start
    while j < hi and tokens[j].low in {"more", "other", "further", "additional", "others'"} \
            and not (tokens[j].low == "more" and j + 1 < hi and tokens[j + 1].low == "than"):
        j += 1
    if j + 1 < hi and tokens[j].low == "of" and tokens[j + 1].low in {"the", "its", "their", "his", "her"}:
        j += 2  # "two of the group's fighters"
    modifiers = 0
    while j < hi and modifiers <= 4:
        t = tokens[j]
        low = t.low
        if t.kind != "word":
            if t.text in {"-", "'", "’"} and j + 1 < hi and adjacent(tokens[j - 1], t):
                j += 1
                continue
            if t.text in {'"', "“", "”", "‘"}:
                j += 1  # killed 30 "terrorists"
                continue
            age = _age_end(tokens, j, hi)
            if age is not None:
                j = age  # "two 16 year old girls", "a 65-year-old woman": an age inside the phrase
                continue
            break
        if low in {"forces", "force"} and j > start:
            # "seven government forces", "12 rebel forces": the modifier says whose forces
            modifiers_before = {tokens[k].low for k in range(start, j)}
            armed = modifiers_before & (W.FIGHTERS | W.ARMED_GROUPS | {"rebel", "militia", "opposition"})
            return ("fighters" if armed else "security forces"), j, j + 1
        if low in _BODY_NOUNS and j > start:
            return "people", j, j + 1  # "nine charred bodies", "19 bloated bodies"
        if low in _VICTIM_HEADS_NEED_OF:
            victims, end = _members_class(tokens, j, hi)
            modifiers_before = {tokens[k].low for k in range(start, j)}
            if victims == "people" and modifiers_before & (W.FIGHTERS | W.ARMED_GROUPS | {"gang", "armed"}):
                victims = "fighters"           # "16 gang members", "five ISWAP members"
            elif victims == "people" and modifiers_before & W.SECURITY:
                victims = "security forces"    # "three security members"
            return victims, j, end
        if low in W.VICTIM_CLASS:
            # "Druze civilians", "security guards": the last noun of the compound is the head
            while j + 1 < hi and tokens[j + 1].low in W.VICTIM_CLASS and modifiers < 5:
                j += 1
                modifiers += 1
            return W.VICTIM_CLASS[tokens[j].low], j, j + 1
        if low in W.NOT_PEOPLE and not (j + 1 < hi and tokens[j + 1].low in W.VICTIM_CLASS):
            return "not-people", j, j + 1  # "40 trucks", not "four truck drivers", "a taxi driver"
        if low in W.STATE_WORDS or low in W.AUXILIARIES or low in CLAUSE_BREAKS or low in _NP_STOPS:
            if low in ADJECTIVE_OK and j + 1 < hi and (tokens[j + 1].low in W.VICTIM_CLASS or (
                    j + 2 < hi and tokens[j + 1].text[:1].isupper() and tokens[j + 2].low in W.VICTIM_CLASS)):
                # "two abducted teachers", "two kidnapped Kenyan teachers": a participle describing the victims
                j += 1
                modifiers += 1
                continue
            break
        j += 1
        modifiers += 1
    return None, None, start


_BODY_NOUNS = frozenset({"bodies", "corpses", "remains"})
INJURIES = frozenset({"burns", "injuries", "wounds", "gunshot", "fractures", "shrapnel", "smoke", "trauma"})
HOMES = frozenset({"homes", "home", "houses", "villages", "village", "town", "city", "area", "region", "camp",
                    "district", "country", "neighbourhood", "neighborhood"})
# Words that end a figure's noun phrase: a conjunction or a preposition starts something else
_NP_STOPS = frozenset({"and", "or", "in", "on", "at", "from", "over", "during", "within", "for", "across", "near",
                       "by", "with", "into", "onto", "inside", "outside", "around", "along", "through", "under"})
_AID_WORDS = frozenset({"aid", "relief", "humanitarian", "charity", "medical", "ngo", "crescent", "cross", "msf",
                        "unicef", "unhcr", "wfp", "unrwa", "oxfam", "care", "nrc", "agency", "mission"})


def _age_end(tokens: list[Token], j: int, hi: int) -> int | None:
    """Past "16 year old", "16-year-old", "16 years old" starting at the number token j, else None."""
    if tokens[j].kind != "num":
        return None
    k = j + 1
    if k < hi and tokens[k].text == "-":
        k += 1
    if k < hi and tokens[k].low in {"year", "years", "month", "months"}:
        k += 1
        if k < hi and tokens[k].text == "-":
            k += 1
        if k < hi and tokens[k].low == "old":
            return k + 1
    return None


def _members_class(tokens: list[Token], j: int, hi: int) -> tuple[str, int]:
    """"125 members of the government's security forces" -> security forces; "... of a faction" -> fighters.

    Returns the class and the end of the phrase.
    """
    if not (j + 1 < hi and tokens[j + 1].low == "of"):
        return "people", j + 1
    for k in range(j + 1, min(hi, j + 8)):
        low = tokens[k].low
        if low in _AID_WORDS:
            return "civilians", k + 1  # "six staff of an aid agency", "employees of the Red Crescent" (aid staff)
        end = k + 2 if k + 1 < hi and tokens[k + 1].low in {"forces", "force", "group", "faction"} else k + 1
        if low in W.SECURITY:
            return "security forces", end
        if low in W.FIGHTERS or low in W.ARMED_GROUPS or low in {"faction", "group", "militia", "force", "brigade",
                                                                 "auxiliary", "gang", "gangs"}:
            return "fighters", end
        if tokens[k].text in SEGMENT_BREAKS or low in W.STATE_WORDS or low in W.AUXILIARIES - {"of"}:
            return "people", k
    return "people", j + 1
