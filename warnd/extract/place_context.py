"""Capitalised words that look like place names but are not used as places, found by their context.

One pass over the tokens marks what `find_places` must skip: people's names (a title before them,
"said" before them, or ", a <role>" after a three- or four-word name), organisations, agencies,
publications and clubs ("the Disaster Management Authority of Kenya", "the SONNA news agency", a
quoted newspaper title, "Kampala City Council FC", "Tehran beat Isfahan 2-1"), and reduplicated names
("Mai-Mai militias"). Datelines ("NAIROBI —", "GAO, Mali (Agency) —") are found here too: an ALL-CAPS
place that opens the text is a place, never a person's name. Every check looks a bounded number of
tokens around each capitalised word, so the pass is linear in the text.
"""

from __future__ import annotations

from collections.abc import Callable

from warnd.extract.tokens import Token, adjacent

# Words before a name that make it a person's: "Commissioner Paul Preston", "said Paul Abu Saleh".
PERSON_TITLES = frozenset({
    "governor", "president", "minister", "mayor", "spokesman", "spokeswoman", "spokesperson", "commander",
    "general", "gen", "colonel", "col", "captain", "capt", "chief", "leader", "mr", "mrs", "ms", "dr", "sheikh",
    "imam", "bishop", "pastor", "father", "rev", "prince", "king", "queen", "judge", "senator", "lawmaker",
    "envoy", "ambassador", "secretary", "official", "activist", "journalist", "correspondent", "analyst",
    "professor", "prof", "brigadier", "lieutenant", "sergeant", "major", "emir", "warlord", "commissioner",
    "administrator", "officer", "director", "chairman", "chairwoman", "chairperson", "superintendent",
    "inspector", "deputy", "striker", "coach", "midfielder", "defender", "goalkeeper", "player", "manager",
    "resident", "farmer", "trader", "teacher", "witness", "survivor", "elder", "chieftain", "cleric",
    "priest", "reverend", "sister", "brother", "cardinal", "archbishop", "ayatollah", "mullah", "maulana",
    "lt", "sgt", "maj", "brig", "sen", "rep", "gov", "premier", "vice", "representative", "head", "mp",
})
# Titles that also begin place names ("Sheikh Maqsoud", "Imam Sahib"): a known place after them stays one.
_PLACE_TITLES = frozenset({"sheikh", "imam", "emir", "bishop", "father", "prince", "sister", "brother"})
_SAID = frozenset({"said", "says", "told", "added", "according", "named", "identified", "by", "quoted"})
# A name followed by ", a trader" / ", who" / "said" is a person's name.
_ROLE_AFTER = frozenset({"a", "an", "who", "whose", "said", "says", "told", "added", "aged", "his", "her"})
# The head of an organisation's name: the run it ends, and "<head> of <Country>", are not places.
ORG_HEADS = frozenset({
    "agency", "authority", "authorities", "society", "service", "services", "ministry", "council", "commission",
    "committee", "office", "directorate", "board", "bureau", "corporation", "institute", "university",
    "network", "observatory", "federation", "association", "union", "party", "front", "movement", "court",
    "tribunal", "bank", "company", "club", "fc", "sc", "cf", "ac", "united", "rovers", "wanderers", "athletic",
    "news", "times", "post", "herald", "tribune", "gazette", "daily", "weekly", "radio", "television", "tv",
    "broadcasting", "foundation", "organisation", "organization", "alliance", "coalition", "mission",
    "secretariat", "trust", "stadium", "airways",
    "airlines", "group", "guard", "brigade", "brigades", "battalion", "regiment", "corps", "police", "army",
    "forces", "militia", "cartel", "gang", "league", "cup", "prize", "clan", "syndicate", "mafia",
})
_LINKS = frozenset({"of", "for", "and", "&", "the", "de", "du", "la", "el", "al"})
_SPORTS = frozenset({"beat", "beats", "drew", "draw", "thrashed", "defeated", "won", "win", "league", "fans",
                     "stadium", "match", "matches", "goal", "goals", "striker", "derby", "title", "season",
                     "unbeaten", "scoring", "scored", "coach", "cup", "final", "semi", "points"})
_NEWS = frozenset({"newspaper", "daily", "paper", "weekly", "magazine", "reported", "reports", "wrote",
                   "editorial", "tabloid", "columnist", "outlet", "journal"})
_DASHES = frozenset({"—", "–", "-", "--", ":"})


def _is_upper(t: Token) -> bool:
    return t.kind == "word" and len(t.text) > 1 and t.text.isupper()


def _cap_run(tokens: list[Token], i: int, limit: int = 4) -> int:
    """The end of the run of capitalised words starting at i (hyphenated parts and particles included)."""
    j, n = i, len(tokens)
    while j < n and j - i < limit + 3:
        t = tokens[j]
        if t.is_cap:
            j += 1
        elif t.text in {"-", "‐"} and j + 1 < n and adjacent(tokens[j - 1], t) and adjacent(t, tokens[j + 1]) \
                and j > i:
            j += 1
        elif j > i and t.low in {"al", "el", "abu", "bin", "ibn", "bint", "da", "de", "van", "von", "wa"} \
                and j + 1 < n and tokens[j + 1].is_cap:
            j += 1
        else:
            break
    while j > i and not tokens[j - 1].is_cap:
        j -= 1
    return j


def _words_in(tokens: list[Token], i: int, j: int) -> int:
    return sum(1 for k in range(i, j) if tokens[k].is_cap)


def dateline_end(tokens: list[Token]) -> int:
    """The end of an ALL-CAPS dateline at the start ("NAIROBI —", "GAO, Mali (Agency) —"), else 0.

    The end covers the country and the agency after the city, up to the dash, when they are there.
    """
    j, n = 0, len(tokens)
    while j < n and j < 4 and (_is_upper(tokens[j]) or (j > 0 and tokens[j].text == "-" and j + 1 < n
                                                        and _is_upper(tokens[j + 1]))):
        j += 1
    if j == 0 or j >= n:
        return 0
    nxt = tokens[j]
    if nxt.text in _DASHES or nxt.text == "(" or (nxt.is_cap and not _is_upper(nxt)):
        return j
    if nxt.text == ",":
        # "CULIACAN, Mexico —", "MAIDUGURI, Nigeria (Agency) —": the rest, up to the dash, is the dateline
        for k in range(j + 1, min(n, j + 12)):
            if tokens[k].text in {"—", "–", "--"} or (tokens[k].text == "-" and not adjacent(tokens[k - 1], tokens[k])):
                return k
            if not (tokens[k].is_cap or tokens[k].text in {"(", ")", ",", "."}):
                break
        return j
    return 0


_LEADING = frozenset({"in", "at", "on", "the", "a", "an", "from", "near", "after", "as", "by", "for", "with",
                      "when", "while", "but", "and", "of", "to", "this", "that", "its", "his", "her", "their",
                      "our", "some", "many", "most", "all", "across", "outside", "inside", "around", "since",
                      "during", "before", "between", "into", "until", "meanwhile", "elsewhere", "later"})
_TYPE_WORDS = frozenset({"province", "state", "region", "governorate", "district", "county", "city", "town",
                         "village", "villages", "camp", "territory", "zone", "oblast", "department", "valley",
                         "river", "lake", "island", "mountains", "hills", "strip", "bank", "neighbourhood",
                         "neighborhood", "quarter", "crossing", "border", "highway", "road", "coast"})
_LOWER_HEADS = frozenset({"cartel", "gang", "front", "faction", "militia", "brigade", "clan", "tribe", "sub-clan"})


def mask_non_places(tokens: list[Token], sentences: list[tuple[int, int]], caps: list[int],
                    is_place_key: Callable[[str], bool], masked: list[bool]) -> None:
    """Set `masked` for each token inside a person's name, an organisation's, a publication's or a club's.

    `caps` are the indexes of the capitalised tokens, in order: only they can start a name.
    """
    lows = [t.low for t in tokens]
    vocabulary = set(lows)
    sports = _sports_sentences(tokens, sentences) if not _SPORTS.isdisjoint(vocabulary) else _NO_SPORTS
    i = dateline_end(tokens)
    n = len(tokens)
    for c in caps:
        if c < i:
            continue
        i = c
        if 0 < i < n - 1 and not tokens[i + 1].is_cap and tokens[i + 1].text not in {"-", "‐"} \
                and lows[i + 1] not in _LOWER_HEADS and lows[i] not in PERSON_TITLES \
                and lows[i - 1] not in PERSON_TITLES and lows[i] not in ORG_HEADS and not sports[i] \
                and not (lows[i - 1] == "," and i > 1 and lows[i - 2] in PERSON_TITLES):
            continue  # one word, nothing around it that makes it a name: the common case, kept cheap
        end = _cap_run(tokens, i)
        start = i
        while start < end and tokens[start].low in _LEADING:
            start += 1
        if start >= end:
            i = max(end, i + 1)
            continue
        if end - start == 1 and tokens[start].low not in PERSON_TITLES and start > 0 \
                and lows[start - 1] not in PERSON_TITLES and not sports[start] \
                and not (lows[start - 1] == "," and start > 1 and lows[start - 2] in PERSON_TITLES) \
                and (end >= len(tokens) or tokens[end].low not in _LOWER_HEADS) \
                and not (tokens[start].low in ORG_HEADS and end < len(tokens) and tokens[end].low in {"of", "for"}):
            i = end
            continue  # one word, nothing before it that makes it a name: the common case, kept cheap
        span = (_org_span(tokens, start, end, is_place_key) or _person_span(tokens, start, end, is_place_key)
                or ((start, end) if sports[start] and _is_club(tokens, start, end) else None)
                or ((start, end) if _is_reduplicated(tokens, start, end)
                    and not is_place_key(_key(tokens, start, end)) else None))
        if span is not None:
            for k in range(*span):
                masked[k] = True
            i = max(span[1], end)
            continue
        i = end
    if '"' in vocabulary or "“" in vocabulary:
        _mask_quoted_titles(tokens, masked)
    if not _MEDIA.isdisjoint(vocabulary):
        _mask_agency_acronyms(tokens, masked)


def _key(tokens: list[Token], i: int, end: int) -> str:
    return " ".join(tokens[k].low for k in range(i, end) if tokens[k].kind == "word")


def _person_span(tokens: list[Token], i: int, end: int,
                 is_place_key: Callable[[str], bool]) -> tuple[int, int] | None:
    if any(tokens[k].low in ORG_HEADS or tokens[k].low in _TYPE_WORDS for k in range(i, end)):
        return None
    n = len(tokens)
    for p in range(i, end - 1):
        if tokens[p].low in PERSON_TITLES and tokens[p].low not in {"general", "chief", "head", "deputy", "vice"} \
                and not (tokens[p].low in _PLACE_TITLES and is_place_key(_key(tokens, p, end))):
            return p, end  # "Commissioner Paul Preston", "Kano Governor Abba Yusuf" (Kano stays a place)
    if any(tokens[k].low.endswith("'s") for k in range(i, end - 1)):
        return None  # "Egypt's Coptic Orthodox Church said": a possessive phrase, not a person's name
    words = _words_in(tokens, i, end)
    prev = tokens[i - 1] if i > 0 else None
    prev2 = tokens[i - 2] if i > 1 else None
    nxt = tokens[end] if end < n else None
    after = tokens[end + 1] if end + 1 < n else None
    def whole_place() -> bool:
        return is_place_key(_key(tokens, i, end))

    if prev is not None and (prev.low in PERSON_TITLES or (prev.text == "," and prev2 is not None
                                                           and prev2.low in PERSON_TITLES)):
        # "district police officer Paul Masih Gill", "the deputy governor, Samuel Ode Paul"
        if not ((prev.text == "," or words == 1) and whole_place()):
            return i, end
    if prev is not None and prev.low in {"said", "says", "told"} and words >= 2 \
            and (nxt is None or nxt.text in {",", ".", ";", ")"}) and not whole_place():
        return i, end  # "..., said Paul Abu Saleh, a teacher"
    if words >= 3 and (nxt is not None and (nxt.text == "," or nxt.low in {"said", "says", "told", "added"})
                       or prev is not None and prev.low in _SAID) and not whole_place():
        if nxt is not None and nxt.text == "," and after is not None and after.low in _ROLE_AFTER:
            return i, end  # "Hamid Osman Darfur, a trader in Sennar"
        if nxt is not None and nxt.low in {"said", "says", "told", "added"}:
            return i, end
        if prev is not None and prev.low in _SAID:
            return i, end
    return None


def _org_span(tokens: list[Token], i: int, end: int,
              is_place_key: Callable[[str], bool]) -> tuple[int, int] | None:
    """A capitalised run naming an organisation: it reaches, through "of/for/and", a head word; the span
    goes on through "of <Name>" ("the Disaster Management Authority of Kenya")."""
    k = i
    n = len(tokens)
    head = -1
    while k < n and k - i < 12:
        t = tokens[k]
        if t.is_cap and t.low in ORG_HEADS and (k > i or (k + 2 < n and tokens[k + 1].low in {"of", "for"}
                                                           and tokens[k + 2].is_cap)):
            head = k  # "Disaster Management Authority", or a head first: "Ministry of Interior of Kenya"
        if t.is_cap or (t.low in _LINKS and k + 1 < n and tokens[k + 1].is_cap and k > i) \
                or (t.text in {"-", "‐"} and k > i and k + 1 < n and adjacent(t, tokens[k + 1])):
            k += 1
            continue
        break
    if head < 0 and k < n and tokens[k].low in _LOWER_HEADS and k > i:
        return i, k + 1  # "the Sinaloa cartel", "the Jaime Martinez front"
    if head < 0 or is_place_key(_key(tokens, i, head + 1)):
        return None  # "the West Bank" ends in an organisation word but is a place
    owner = max((x for x in range(i, head) if tokens[x].low.endswith("'s")), default=-1)
    return max(i, owner + 1), k  # "Egypt's Coptic Orthodox Church": the owner is a place


def _is_club(tokens: list[Token], i: int, end: int) -> bool:
    """In a sports sentence, a run of two or more capitalised words, or one beside a score, is a club."""
    prev = tokens[i - 1].low if i > 0 else ""
    if prev in {"in", "at", "near", "from", "to"} and _words_in(tokens, i, end) == 1:
        return False  # "in Medellin on Sunday": the venue
    if _words_in(tokens, i, end) >= 2 or any(tokens[k].text == "-" for k in range(i, end)):
        return True
    nxt = tokens[end] if end < len(tokens) else None
    return nxt is not None and nxt.low in _SPORTS


def _is_reduplicated(tokens: list[Token], i: int, end: int) -> bool:
    """"Mai-Mai", "Wa-Wa": a name repeated around a hyphen is a group's name, not a place."""
    return end - i == 3 and tokens[i + 1].text == "-" and tokens[i].low == tokens[i + 2].low


class _NoSports:
    """The sports flags of an item with no sports word at all (most items): False everywhere."""

    def __getitem__(self, k: int) -> bool:
        return False


_NO_SPORTS = _NoSports()


def _sports_sentences(tokens: list[Token], sentences: list[tuple[int, int]]) -> list[bool]:
    flags = [False] * len(tokens)
    for a, b in sentences:
        score = any(tokens[k].kind == "num" and tokens[k + 1].text in {"-", "–"} and tokens[k + 2].kind == "num"
                    and len(tokens[k].text) <= 2 for k in range(a, b - 2))
        cues = sum(1 for k in range(a, b) if tokens[k].low in _SPORTS)
        if (score and cues >= 1) or cues >= 3:
            for k in range(a, b):
                flags[k] = True
    return flags


def _mask_quoted_titles(tokens: list[Token], masked: list[bool]) -> None:
    """A quoted capitalised title next to a news word: the "Kenya Times" newspaper, the daily "Sudan Post"."""
    n = len(tokens)
    for k, t in enumerate(tokens):
        if t.text not in {'"', "“"} or k + 1 >= n or not tokens[k + 1].is_cap:
            continue
        close = next((j for j in range(k + 1, min(n, k + 8)) if tokens[j].text in {'"', "”"}), None)
        if close is None or not all(tokens[j].is_cap or tokens[j].low in _LINKS or tokens[j].text in {"-", "'s"}
                                    for j in range(k + 1, close)):
            continue
        near = [tokens[j].low for j in range(max(0, k - 3), min(n, close + 4))]
        if any(w in _NEWS for w in near):
            for j in range(k + 1, close):
                masked[j] = True


_MEDIA = frozenset({"agency", "television", "tv", "radio", "newspaper", "news"})


def _mask_agency_acronyms(tokens: list[Token], masked: list[bool]) -> None:
    """An ALL-CAPS word before "news agency", "agency", "television": "the SONNA news agency"."""
    n = len(tokens)
    for k in range(1, n):
        if tokens[k].low in _MEDIA and _is_upper(tokens[k - 1]) and (
                tokens[k].low != "news" or (k + 1 < n and tokens[k + 1].low in {"agency", "network", "channel"})):
            masked[k - 1] = True
