"""Attachment: which harm word a number belongs to, and so the figure's kind.

Three ways, tried by `warnd.extract.casualties` in order: the verb before the number ("gunmen killed
three", "claiming the lives of 45"), the state word after its noun phrase ("three were killed", "1,018
dead", "still missing"), and a toll noun before it ("the death toll rose to 3,085", "put the dead at
300"). Each look is bounded by a token window and stops at a clause break, so the cost stays linear.
A draft is the working state of one number while the extractor decides whether it is a figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from warnd.extract import casualty_words as W
from warnd.extract.breakdowns import aside_end, is_dash
from warnd.extract.figure_phrase import ADJECTIVE_OK, CLAUSE_BREAKS, HOMES, INJURIES, noun_phrase
from warnd.extract.numbers import NumberMention
from warnd.extract.tokens import Token
from warnd.types import CasualtyKind

_TOLL_LINKS = frozenset({"to", "at", "of", "reached", "hit", "passed", "exceeded", "surpassed", "topped",
                         "passes", "tops", "exceeds", "hits", "reaches", "nears", "surpasses", "crosses",
                         "crossed", "neared", "approaches", "approached", "over",
                         "past", "is", "was", "stands", "stood", "reaching", "hitting", "include",
                         "included", "includes", "including", "were", "are", "numbered", "totalled",
                         "totaled", "now", "climbed", "rose", "risen", "jumped",
                         # the bare forms, after a modal: "could exceed 500", "may surpass 400,000"
                         "exceed", "surpass", "top", "reach", "above", "beyond", "pass", "be"}) | W.GROWTH_VERBS


_STRONG_TOLL = frozenset({"toll", "tally"})


RELEASE_VERBS = frozenset({"free", "frees", "freed", "freeing", "release", "releases", "released", "releasing",
                            "rescue", "rescues", "rescued", "rescuing", "return", "returns", "returned",
                            "returning", "exchange", "exchanged", "exchanging", "swap", "swapped", "repatriated",
                            "repatriate", "pardoned", "pardon", "acquitted",
                            "vaccinated", "vaccinate", "treated", "treating", "fed", "feeding",
                            "assisted", "assisting", "registered", "hosting", "hosts", "hosted",
                            "resettled", "relocated"})
TO_DEATH = frozenset({"hacking", "beating", "stabbing", "burning", "stoning", "beat", "hacked", "beaten", "stabbed",
                       "burned", "burnt", "crushed", "trampled", "starved",
                       "tortured", "shot", "stoned", "frozen", "clubbed", "bludgeoned", "choked", "strangled",
                       "bled", "worked", "battered", "kicked", "whipped", "lynched", "mauled"})


# Words that resume the main clause after an aside: "..., including a child, were killed".
_ASIDE_RESUME = frozenset({"were", "was", "have", "has", "had", "are", "is", "died", "remain", "remained",
                           "remains", "fled", "went", "lost", "crossed"})


@dataclass(slots=True)
class Draft:
    """One number while the extractor decides whether, and how, it is a figure."""

    mention: NumberMention
    head: str | None              # victim class of the noun after the number, or None
    head_index: int | None
    np_end: int
    kind: CasualtyKind | None = None
    how: str = ""
    anchor: int = -1
    parent: int | None = None
    forward_parent: int | None = None
    coord_next: bool = False
    cumulative: bool = False
    of_parent_victims: bool = False
    segment: tuple[int, int] | None = None
    # "killed or injured" (two kinds at once), "freed 27 hostages", "four of them were located": no figure,
    # and nothing may give it a kind later
    blocked: bool = False
    outer_parent: int | None = None   # a total in an earlier sentence ("Of those, 683 were children")
    bracketed: bool = False   # "Kano (21)": blocked unless a per-place list after a figure takes it


# A sub-count's own predicate that ends the harm its total names (C16): these people are no longer held.
_RECOVERED = frozenset({"located", "tracked", "escaped", "escape", "freed", "released", "rescued",


                        "reunited", "returned", "regained", "safe"})


def verb_before(tokens: list[Token], m: NumberMention, lo: int) -> int | None:
    j = m.hedge_start - 1
    if j > lo and tokens[j].low == "and":
        # "killed a Hamas official and three members of his family": the verb before the first object
        for k in range(j - 1, max(lo - 1, j - 7), -1):
            t = tokens[k]
            if t.kind != "word":
                break
            if t.low in W.ACTIVE_VERBS and t.low not in W.NEEDS_PERSON:
                if k + 1 < j and tokens[k + 1].low in {"a", "an", "the", "one", "his", "her", "their", "its"}:
                    return k
                break
    steps = 0
    while j >= lo and steps < 4 and (tokens[j].low in _OBJECT_FILLERS or tokens[j].text in _QUOTES):
        j -= 1
        steps += 1
    return j if j >= lo else None


# Between a verb and its counted object: "claimed the lives of", "seized its 23", 'the killing of "at least'
_OBJECT_FILLERS = frozenset({"a", "another", "further", "total", "of", "an", "additional", "the", "lives", "its",
                             "their", "his", "her", "away", "off"})
_QUOTES = frozenset({'"', "“", "‘", "'"})


GUNNED = frozenset({"gunned", "mowed"})   # "were gunned down", "mowed down 30 protesters"
_HARMS = INJURIES | {"injury", "wound", "wounds", "burn"}
_SUFFERED = frozenset({"sustained", "suffered", "suffering", "sustaining", "received", "receiving", "sustain",
                       "suffer"})
_TAKEN_TO = frozenset({"rushed", "taken", "admitted", "airlifted", "brought", "evacuated", "transported",
                       "ferried", "transferred"})
_HOSPITAL = frozenset({"hospital", "hospitals", "clinic", "clinics"})
_SHELTER = frozenset({"refuge", "shelter", "sanctuary"})
_SOUGHT = frozenset({"sought", "seeking", "seek", "taken", "took", "taking", "found", "sheltering"})


def injuries_after(tokens: list[Token], start: int, hi: int) -> bool:
    """A harm to the body in the few tokens after a figure: "treated 11 people for injuries", "..., including
    three with gunshot wounds" (not "treated 60 patients for malaria")."""
    for k in range(start, min(hi, start + 8)):
        if tokens[k].low in _HARMS:
            return True
        if tokens[k].text in {";", "."}:
            return False
    return False


def _hospital_after(tokens: list[Token], k: int, hi: int) -> bool:
    """ "rushed to hospital", "taken to a local clinic", "admitted to Gao hospital"."""
    if not (k + 1 < hi and tokens[k + 1].low in {"to", "into"}):
        return False
    return any(tokens[j].low in _HOSPITAL for j in range(k + 2, min(hi, k + 5)))


def _state_phrase(tokens: list[Token], k: int, hi: int) -> CasualtyKind | None:
    """A kind said by a verb phrase rather than a state word: "sustained injuries", "suffered gunshot
    wounds", "were rushed to hospital", "have sought refuge in Chad", "were gunned down"."""
    low = tokens[k].low
    if low in _SUFFERED and any(tokens[j].low in _HARMS for j in range(k + 1, min(hi, k + 4))):
        return CasualtyKind.INJURED
    if low in _TAKEN_TO and _hospital_after(tokens, k, hi):
        return CasualtyKind.INJURED
    if low in _SOUGHT and k + 1 < hi and tokens[k + 1].low in _SHELTER:
        return CasualtyKind.DISPLACED
    if low == "down" and k > 0 and tokens[k - 1].low in GUNNED:
        return CasualtyKind.KILLED
    if low in {"swept", "washed", "carried"} and k + 1 < hi and tokens[k + 1].low == "away" \
            and tokens[k - 1].low in _PASSIVE_AUX:  # not "the people swept away by the floods" (a modifier)
        return CasualtyKind.MISSING  # "12 people were swept away by the flood"
    if low == "held" and k + 2 < hi and ((tokens[k + 1].low == "for" and tokens[k + 2].low == "questioning")
                                         or (tokens[k + 1].low == "in" and tokens[k + 2].low in {"custody",
                                                                                                "detention"})):
        return CasualtyKind.ARRESTED  # "14 suspects had been held for questioning"
    if low in {"rounded", "picked"} and k + 1 < hi and tokens[k + 1].low == "up":
        return CasualtyKind.ARRESTED  # "200 people had been rounded up"
    if low == "sheltering" and k + 1 < hi and tokens[k + 1].low in {"in", "at", "inside", "under"}:
        return CasualtyKind.DISPLACED  # "7,000 people are sheltering in schools"
    if low == "hands" and k >= 2 and tokens[k - 1].low == "the" and tokens[k - 2].low == "in" \
            and k + 1 < hi and tokens[k + 1].low == "of":
        return CasualtyKind.KIDNAPPED  # "19 fishermen remain in the hands of the rebels"
    return None


def flee_after(tokens: list[Token], start: int, hi: int) -> bool:
    for k in range(start, min(hi, start + 8)):
        low = tokens[k].low
        if low in {"flee", "fled", "leave", "homes", "evacuate"} or (low in HOMES and tokens[k - 1].low in _OWNERS):
            return True  # "forced 2,000 from their homes", "pushed 1.5 million people from their villages"
        if tokens[k].text in {";", "."}:
            return False
    return False


def state_after(tokens: list[Token], d: Draft, hi: int) -> tuple[CasualtyKind, int] | None:
    """The state word after a figure's noun phrase: "were killed", "dead", "still missing"."""
    k = d.np_end if d.head is not None else d.mention.end
    unknown = 0
    skipped_aside = False
    limit = min(hi, k + 11)
    while k < limit:
        t = tokens[k]
        low = t.low
        if low in _STATE_PHRASE_STARTS:
            phrase = _state_phrase(tokens, k, hi)
            if phrase is not None:
                return phrase, k
        if low in _PASSIVE_TAKEN and tokens[k - 1].low in _PASSIVE_AUX:
            held = _held_like_before(tokens, d)
            if held is not None:
                return held, k
        if t.kind == "num":
            nxt_kind = t
            d.coord_next = k > 0 and tokens[k - 1].low in {"and", "or"} and nxt_kind is not None
            if any(tokens[j].low == "among" for j in range(max(0, k - 4), k)):
                d.forward_parent = k  # "Seven children ... were among 19 people killed": a token index
            return None
        if low in W.STATE_WORDS:
            nxt = tokens[k + 1] if k + 1 < hi else None
            if nxt is not None and nxt.low in W.VICTIM_CLASS and low in ADJECTIVE_OK:
                k += 1
                continue  # "displaced people": an adjective, the kind comes later or not at all
            if low == "held" or low == "custody" and not (k > 0 and tokens[k - 1].low == "into"):
                return None
            if _object_follows(tokens, k, hi):
                return None  # "infected 120,000 people and killed 2,400": the verb has its own object
            if (tokens[k - 1].low == "or" or (k + 1 < hi and tokens[k + 1].low in JOINS)) \
                    and disjunction(tokens, k, hi):
                d.blocked = True
                return None
            return W.STATE_WORDS[low], k
        if low == "aged":  # "Seven children aged between 5 and 12 were among ..."
            k += 1
            while k < limit and (tokens[k].kind == "num" or tokens[k].low in {"between", "and", "to", "from",
                                                                                "under", "over", "-"}):
                k += 1
            continue
        if low == "death" and k > 1 and tokens[k - 1].low == "to" and (
                tokens[k - 2].low in TO_DEATH
                or (d.mention.hedge_start > 0 and tokens[d.mention.hedge_start - 1].low in TO_DEATH)):
            return CasualtyKind.KILLED, k  # "hacked to death", "burning 24 people to death", not "sentenced ... to death"
        if low == "treated" and k + 2 < hi and tokens[k + 1].low == "for" and tokens[k + 2].low in INJURIES:
            return CasualtyKind.INJURED, k  # "55 survivors were treated for burns"
        if low in {"remain", "remains", "remained", "are", "were"} and k + 2 < hi and tokens[k + 1].low == "in" \
                and tokens[k + 2].low in {"hospital", "hospitals"}:
            return CasualtyKind.INJURED, k  # "three others remain in hospital"
        if low == "lives" and k > 0 and tokens[k - 1].low in {"their", "lost"}:
            return CasualtyKind.KILLED, k
        if low in {"victim", "victims"} and k > 0 and tokens[k - 1].low in {"fell", "fall", "falls", "fallen"}:
            return CasualtyKind.KILLED, k  # "40 villagers fell victim to the barrage"
        if t.kind == "punct":
            if t.text in {"-", "'", '"', "“", "”", "‘", "’"} and not is_dash(tokens, k):
                k += 1
                continue
            resume = aside_end(tokens, k, hi) if not skipped_aside else None
            if resume is not None:
                # "Some 31 villagers (19 men, 12 women) were killed": the breakdown sits between the
                # figure and its state word
                skipped_aside = True
                k = resume
                limit = min(hi, k + 8)
                continue
            h = d.mention.hedge_start
            if t.text == "," and not skipped_aside and k + 1 < hi and h >= 2 and tokens[h - 1].low == "including" \
                    and tokens[h - 2].text == "," and (tokens[k + 1].low in _ASIDE_RESUME
                                                        or tokens[k + 1].low in W.STATE_WORDS):
                # "Dozens of people, including 12 children, were killed": the figure is the aside, and the
                # clause it interrupts resumes after it
                skipped_aside = True
                k += 1
                limit = min(hi, k + 8)
                continue
            if t.text == "," and not skipped_aside:
                # "Three people, including a child, were killed": step over one aside to its verb
                close = next((j for j in range(k + 1, min(hi, k + 14)) if tokens[j].text in {",", ";", "."}), None)
                if close is not None and tokens[close].text == "," and close + 1 < hi \
                        and (tokens[close + 1].low in _ASIDE_RESUME or tokens[close + 1].low in W.STATE_WORDS):
                    skipped_aside = True
                    k = close + 1
                    limit = min(hi, k + 8)
                    continue
            return None
        if low in CLAUSE_BREAKS:
            return None
        if low in _RECOVERED or (low == "found" and k + 1 < hi and tokens[k + 1].low in {"alive", "safe"}):
            d.blocked = True  # "four of them were located by police", "20 escaped": the figure's own predicate
            return None
        if low in {"forced", "driven", "chased"} and k + 1 < hi and tokens[k + 1].low in {"from", "out", "to"}:
            return CasualtyKind.DISPLACED, k  # "have been forced from their homes"
        if low in {"crossed", "crossing"} and d.head in (None, "people", "civilians", "children", "women",
                                                       "families") and _into_border(tokens, k, hi):
            return CasualtyKind.DISPLACED, k  # "20,000 refugees crossed into Chad", "have crossed the border"
        if low in {"left", "abandoned", "lost", "fled"} and k + 2 < hi \
                and tokens[k + 1].low in {"their", "his", "her", "the"} and tokens[k + 2].low in HOMES:
            return CasualtyKind.DISPLACED, k  # "have left their homes", "600 families had left the town"
        if low == "and" and k + 1 < hi and tokens[k + 1].low in _VAGUE_SUBJECTS:
            return None  # "200 passengers had been on board and dozens were still missing": a new subject
        if low in W.AUXILIARIES or low in {"and", "who", "the", "a", "an", "in", "on", "by", "their",
                                           "his", "her", "its", "under", "inside", "within"}:
            if low == "among" and k + 1 < hi:
                nxt_tok = tokens[k + 1]
                if nxt_tok.low in {"the", "those"} and k + 2 < hi and tokens[k + 2].low in W.STATE_WORDS:
                    return W.STATE_WORDS[tokens[k + 2].low], k + 2
                if nxt_tok.low == "the" and k + 2 < hi and tokens[k + 2].low in {"victims", "casualties"}:
                    # "Three aid workers were among the victims": the harm last named, else deaths
                    return _kind_before(tokens, k) or CasualtyKind.KILLED, k + 2
            k += 1
            continue
        if (low.endswith("ed") or low.endswith("ing")) and not (k + 1 < hi and tokens[k + 1].low in W.VICTIM_CLASS):
            return None  # another verb: "30 people attended the funeral of those killed"
        unknown += 1
        if unknown > 4:
            return None
        k += 1
    return None


def _into_border(tokens: list[Token], k: int, hi: int) -> bool:
    """"crossed into Chad", "crossed the border", "crossed the Naf river into Bangladesh": a crossing
    out of the country, not "crossed the road"."""
    for j in range(k + 1, min(hi, k + 6)):
        if tokens[j].low in {"into", "border", "frontier", "over"}:
            return True
        if tokens[j].text in {",", ";", "."}:
            return False
    return False


_OWNERS = frozenset({"their", "his", "her", "the", "its"})
_VAGUE_SUBJECTS = frozenset({"dozens", "hundreds", "thousands", "scores", "many", "several", "some", "most"})
_PASSIVE_TAKEN = frozenset({"seized", "taken", "held", "captured", "grabbed", "snatched"})
_PASSIVE_AUX = frozenset({"were", "was", "been", "being", "are", "is"})
_CAPTIVITY = frozenset({CasualtyKind.KIDNAPPED, CasualtyKind.ARRESTED})


def _held_like_before(tokens: list[Token], d: Draft) -> CasualtyKind | None:
    """ "Another 11 were seized the next day", "Another 35 were held in the port city": a light passive
    that continues an abduction or a detention named before it in the item takes its kind. The figure
    must count people ("20 rifles were seized" is no figure)."""
    h = d.mention.hedge_start
    more = (h > 0 and tokens[h - 1].low in {"another", "further"}) \
        or (d.mention.end < len(tokens) and tokens[d.mention.end].low in {"more", "others", "other"})
    if d.head == "not-people" or (d.head is None and not more):
        return None
    kind = _kind_before(tokens, h)
    return kind if kind in _CAPTIVITY else None


_STATE_PHRASE_STARTS = _SUFFERED | _TAKEN_TO | _SOUGHT | {"down", "rounded", "picked", "hands", "swept", "washed",
                                                           "carried", "held"}
JOINS = frozenset({"or", "and"})


def disjunction(tokens: list[Token], k: int, hi: int) -> bool:
    """ "killed or wounded", "dead or missing", "killed and/or injured": kinds joined by "or"."""
    kind = W.STATE_WORDS.get(tokens[k].low) or W.ACTIVE_VERBS.get(tokens[k].low)
    j = k + 1
    if j < hi and tokens[j].low == "and" and j + 2 < hi and tokens[j + 1].text == "/":
        j += 2
    if j + 1 < hi and tokens[j].low == "or":
        n = j + 2 if j + 2 < hi and tokens[j + 1].low in {"gone", "went", "been", "were", "are"} else j + 1
        other = W.STATE_WORDS.get(tokens[n].low) or W.ACTIVE_VERBS.get(tokens[n].low)  # "died or gone missing"
        return other is not None and other != kind
    if k - 2 >= 0 and tokens[k - 1].low == "or":
        other = W.STATE_WORDS.get(tokens[k - 2].low) or W.ACTIVE_VERBS.get(tokens[k - 2].low)
        return other is not None and other != kind
    return False


def _object_follows(tokens: list[Token], k: int, hi: int) -> bool:
    """True when a number (maybe hedged) directly follows the word at k: it is a verb with an object."""
    j = k + 1
    for _ in range(3):
        if j >= hi:
            return False
        t = tokens[j]
        if t.kind == "num":
            return True
        if t.low not in {"at", "least", "more", "than", "about", "some", "nearly", "up", "to", "over",
                         "another", "a", "further", "an", "estimated"}:
            return False
        j += 1
    return False


def toll_before(tokens: list[Token], m: NumberMention, lo: int, hi: int) -> tuple[CasualtyKind, int] | None:
    """ "the death toll rose to 3,085", "put the dead at 300", "bringing to 87 the number killed"."""
    link = m.hedge_start - 1
    while link > lo and tokens[link].low in {"well", "far"}:
        link -= 1  # "could climb well above 400"
    if link < lo or tokens[link].low not in _TOLL_LINKS:
        if link >= lo and tokens[link].text == ":" and link - 1 >= lo and tokens[link - 1].low in _STRONG_TOLL:
            return CasualtyKind.KILLED, link - 1
        if link >= lo and tokens[link].text == ":" and link - 1 >= lo and tokens[link - 1].low in W.HEAD_KIND \
                and (link - 1 == lo or tokens[link - 2].text in {",", ";"}):
            return W.HEAD_KIND[tokens[link - 1].low], link - 1  # a label: "Dead: 12. Injured: 40."
        return None
    if tokens[link].low == "to" and link - 1 >= lo and tokens[link - 1].low in {"bringing", "brings", "bring",
                                                                                 "raising", "raises"}:
        for k in range(m.end, min(hi, m.end + 9)):
            if tokens[k].low in W.STATE_WORDS and tokens[k].low != "held":
                return W.STATE_WORDS[tokens[k].low], k
            if tokens[k].low == "held":
                return _held_kind(tokens, lo, hi), k
            if tokens[k].text in {";", "."}:
                break
    state: tuple[CasualtyKind, int] | None = None
    strong: int | None = None
    weak: int | None = None
    for k in range(link - 1, max(lo - 1, link - TOLL_REACH), -1):
        t = tokens[k]
        # not at "while"/"when": "the number of residents killed while trying to reach food has risen to 798"
        if t.text in {";", "."} or t.low in {"said", "says", "told", "according", "but", "although"}:
            break
        if state is None and t.low in W.STATE_WORDS and t.low not in {"fleeing", "flee"} \
                and not (t.low in ADJECTIVE_OK and k + 1 < link and tokens[k + 1].low in W.VICTIM_CLASS):
            state = (W.STATE_WORDS[t.low], k)  # not "displaced" in "the toll among displaced herders"
        if state is None and t.low == "victims":
            state = (CasualtyKind.KILLED, k)
        if state is None and t.low in {"forced", "driven"} and k + 1 < link and tokens[k + 1].low in {"from", "out"}:
            state = (CasualtyKind.DISPLACED, k)  # "the number of people forced from their homes ... may surpass"
        if state is None and t.low == "held" and _held_captive(tokens, k, hi):
            state = (_held_kind(tokens, lo, hi), k)  # "bringing the number of UN personnel held to 54"
        if t.low in _STRONG_TOLL and strong is None:
            strong = k
        if t.low in _WEAK_TOLL and weak is None:
            weak = k
    if state is not None:
        return state
    if strong is not None and tokens[link].low not in {"including", "were", "are"}:
        return CasualtyKind.KILLED, strong
    if weak is not None and tokens[link].low not in {"of", "including", "include", "includes", "included"}:
        # "On Monday the figure stood at 37": a bare count noun takes the kind last named in the item
        kind = _kind_before(tokens, weak)
        if kind is not None:
            return kind, weak
    return None


_WEAK_TOLL = W.TOLL_NOUNS - _STRONG_TOLL


# tokens back from a toll link to its toll noun: the subject noun phrase between them may be long
# ("the death toll from the week of fighting between ... in the northern hills had passed 300")
TOLL_REACH = 32
_KIND_REACH = 120   # tokens back from a bare "figure"/"count" searched for the kind it continues


def _kind_before(tokens: list[Token], at: int) -> CasualtyKind | None:
    """The kind of the nearest casualty word before token `at` (this sentence or the ones before)."""
    for k in range(at - 1, max(-1, at - _KIND_REACH), -1):
        low = tokens[k].low
        if low in W.STATE_WORDS and low not in {"held", "fleeing", "flee"}:
            return W.STATE_WORDS[low]
        if low in W.ACTIVE_VERBS and low not in W.NEEDS_PERSON:
            return W.ACTIVE_VERBS[low]
    return None


def toll_victims(tokens: list[Token], a: int, b: int, hi: int) -> str | None:
    """Who a toll counts, named in the toll phrase: "the toll among displaced farmers", "the number of
    soldiers killed", "the death toll of Christian residents"."""
    for k in range(a, b - 2):
        if tokens[k].low in W.TOLL_NOUNS and tokens[k + 1].low in {"among", "of"}:
            j = k + 2
            if j < b and tokens[j].low in {"the", "those", "its", "their"}:
                j += 1
            head, _, _ = noun_phrase(tokens, j, min(hi, b))
            if head not in (None, "not-people", "families"):  # a toll counts people, not households
                return head
    return None


def _held_captive(tokens: list[Token], k: int, hi: int) -> bool:
    """ "were held", "still held", "held hostage / by gunmen": not "the council held a session"."""
    before = tokens[k - 1].low if k > 0 else ""
    after = tokens[k + 1].low if k + 1 < hi else ""
    return before in {"be", "being", "been", "was", "were", "is", "are", "still", "remain", "remains", "personnel",
                      "people", "hostages", "captives"} \
        or after in {"hostage", "hostages", "captive", "by", "in", "to", "at"} or tokens[k - 1].kind == "num"


def _held_kind(tokens: list[Token], lo: int, hi: int) -> CasualtyKind:
    words = {tokens[k].low for k in range(lo, hi)}
    if words & {"detained", "arrested", "detains", "detain", "arrests", "jailed", "suspects", "prosecutors",
                "police"}:
        return CasualtyKind.ARRESTED
    return CasualtyKind.KIDNAPPED
