"""Places named in text, resolved against the gazetteer: spelling, hierarchy and context.

Matching is longest-first over capitalised word runs ("Deir ez-Zor", "Gaza City" before "Gaza"). A
name with several places is resolved by the item's context: the countries named or implied elsewhere
in it ("Tripoli ... Lebanese army" is in Lebanon), the word after it ("Tartus province" is the region,
"Gaza City" the town), then focus countries, then population. Places that are not named as places are
skipped: "Britain-based", "Sudan Doctors Network", "Arakan Army", nationality adjectives. Camps and
neighbourhoods missing from the gazetteer are recognised by how they are written ("the Qusour
district of Baniyas", "Zamzam camp", "the town of Yelwata").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from typing import NamedTuple

from warnd.extract.gazetteer import DEPTH, Entry, Gazetteer, Name
from warnd.extract.lexicon import Lexicon
from warnd.extract.tokens import Token, adjacent

_PARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "en", "es", "ez", "ul",
                        "de", "du", "di", "la", "le"})
# Suffixes that make a place name an adjective: "Britain-based monitor", "Kurdish-led forces".
_COMPOUND_SUFFIX = frozenset({"led", "backed", "based", "run", "allied", "linked", "aligned", "affiliated",
                              "controlled", "held", "born", "bound", "made", "style", "era", "type",
                              "dominated", "majority", "speaking", "centric", "funded", "sponsored",
                              "registered", "flagged", "owned", "friendly", "focused", "installed", "appointed",
                              "imposed", "supported", "trained", "armed", "brokered", "mediated", "sanctioned",
                              "approved", "designated", "recognised", "recognized"})
# Capitalised words after a place that make it part of an organisation's name.
_ORG_WORDS = frozenset({
    "army", "network", "doctors", "liberation", "front", "party", "movement", "observatory", "times", "post",
    "tribune", "herald", "airways", "airlines", "university", "institute", "foundation", "forces", "defence",
    "defense", "democratic", "revolutionary", "national", "islamic", "solidarity", "brigade", "brigades",
    "battalion", "company", "bank", "corps", "cup", "league", "fc", "united", "club", "radio", "tv",
    "television", "broadcasting", "news", "agency", "tribunal", "tigers", "shield", "guard", "guards",
    "resistance", "council", "committee", "commission", "federation", "union", "association", "alliance",
    "coalition", "mission", "initiative", "project", "group", "watch", "monitor", "centre", "center",
    "media", "journal", "gazette", "daily", "weekly", "express", "chronicle", "telegraph", "review",
    "petroleum", "oil", "gas", "telecom", "power", "electric",
    "cement", "holdings", "international", "police", "militia", "gendarmerie", "special", "rapid",
    "peace", "research", "studies", "declaration", "accord", "accords", "agreement",
    "conference", "talks", "process", "summit", "fund", "relief", "aid", "humanitarian",
    "crescent", "cross", "red", "civil", "doctor", "medical", "health", "protection",
    "documentation", "syndicate", "bar", "chamber", "stock", "exchange", "museum", "orchestra",
})
_REGION_WORDS = frozenset({"province", "provinces", "governorate", "governorates", "state", "states", "region",
                           "regions", "oblast", "department", "prefecture", "division", "countryside",
                           "countrysides", "county", "wilayah", "emirate"})
_DISTRICT_WORDS = frozenset({"district", "districts", "territory", "zone", "subdistrict", "municipality",
                             "raion", "lga", "area", "commune", "circle", "cercle", "township", "locality"})
_TOWN_WORDS = frozenset({"city", "town", "village", "villages", "neighbourhood", "neighborhood", "camp",
                         "quarter", "suburb", "crossing", "port", "airport", "outskirts"})
# Generic words that are also region names (Burkina Faso's "Est", Haiti's "Nord", Nigeria's "Plateau"):
# they name a place only with a type word after them ("Est region", "Plateau state").
_GENERIC = frozenset({"est", "nord", "sud", "ouest", "centre", "center", "central", "north", "south", "east",
                      "west", "plateau", "delta", "rivers", "coast", "lakes", "sahel", "cascades", "littoral",
                      "capital", "upper", "lower", "middle", "northern", "southern", "eastern", "western",
                      "unity", "lac", "mon", "bay", "bari", "sila", "batha", "sud-est",
                      "nord-est", "nord-ouest", "sud-ouest", "centre-est", "centre-nord", "centre-ouest",
                      "centre-sud", "grand", "hauts", "haut", "mont", "mount", "federal", "island",
                      "islands", "border", "highlands", "interior", "equateur", "kasai", "tanganyika",
                      "amanat", "sheikh", "shaikh", "imam", "emir", "mullah", "bishop", "pope",
                      "doris", "police", "mission", "union", "independence", "liberty", "victoria",
                      "hope", "florence", "jackson", "lincoln", "washington", "clinton", "wilson", "kennedy",
                      "houston", "charlotte", "aurora", "paradise", "providence", "concord", "salem",
                      "mobile", "reading", "bath", "nice", "split", "of", "bar", "best", "most", "deal",
                      "date", "marvel", "trump", "obama", "sharaa", "assad", "hamas", "houthi", "march",
                      "may", "june", "august", "sunday", "monday", "tuesday", "wednesday", "thursday",
                      "friday", "saturday", "christmas", "easter", "ramadan", "eid", "god", "allah",
                      "government", "ministry", "president", "minister", "un", "us", "al", "el", "said",
                      "the", "a", "an", "in", "on", "at", "it", "is", "he", "she", "we", "they", "officials",
                      "media", "reuters", "afp", "ap", "bbc", "cnn", "human", "rights", "amnesty", "hrw",
                      "ocha", "unicef", "unhcr", "who", "wfp", "iom", "icrc", "msf", "ngo", "ngos",
                      "gunmen", "rebels", "militants", "residents", "villagers", "survivors", "witnesses",
                      "medics", "doctors", "activists", "locals", "soldiers", "troops", "army",
                      "aid", "health",
                      "security", "defence", "foreign", "state", "region", "province"})
_GENERIC_NEED_TYPE = frozenset({"est", "nord", "sud", "ouest", "centre", "center", "central", "north", "south",
                                "east", "west", "northwest", "northeast", "southwest", "southeast", "north west",
                                "north east", "south west", "south east", "north-west", "north-east",
                                "south-west", "south-east", "far north", "extreme north", "centre-north",
                                "plateau", "delta", "rivers", "coast", "lakes", "sahel", "cascades", "littoral",
                                "upper", "lower", "middle", "northern", "southern", "eastern", "western", "unity",
                                "lac", "mon", "bay", "bari", "sila", "batha", "sud-est", "nord-est", "nord-ouest",
                                "sud-ouest", "centre-est", "centre-nord", "centre-ouest", "centre-sud", "kasai",
                                "tanganyika", "equateur", "island", "islands", "federal", "capital", "interior",
                                "border", "highlands"})
_NEVER = _GENERIC - _GENERIC_NEED_TYPE
# Words after "the X ... of Y" that mark X as a part of Y: "the Dweila district of Damascus".
_SUBPLACE_WORDS = frozenset({"district", "neighbourhood", "neighborhood", "quarter", "camp", "area", "suburb",
                             "suburbs"})
# Capitalised words before "camp"/"village" that are not names: "Refugee camp", "Army camp".
_NOT_NAMES = frozenset({"refugee", "refugees", "displacement", "idp", "transit", "border", "military", "army",
                        "police", "main", "central", "northern", "southern", "eastern", "western", "training",
                        "detention", "prison", "informal", "tent", "summer", "winter", "base", "rebel",
                        "christian", "muslim", "arab", "jewish", "israeli", "palestinian", "bedouin", "gypsy",
                        "nearby", "neighbouring", "neighboring", "another", "this", "that", "one", "each",
                        "every", "a", "an", "the", "his", "her", "their", "its", "our", "home", "farming",
                        "fishing", "mountain", "coastal", "remote", "frontline", "front", "local", "whole"})
_SETTLEMENT_WORDS = frozenset({"town", "village", "city", "hamlet", "settlement"})
_TITLES = frozenset({"mayor", "governor", "president", "minister", "ministry", "health", "council", "army",
                     "police", "university", "hospital", "airport", "defence", "defense", "interior", "civil",
                     "red", "municipality", "office", "directorate", "authority", "authorities", "court",
                     "national", "general", "prosecutor", "public", "central", "regional", "city",
                     "military", "administration", "chief", "head", "commander", "governor's", "deputy",
                     "emergency", "security", "state", "federal", "provincial", "local", "main", "largest",
                     "biggest", "only", "first", "last", "new", "old", "former", "top", "senior", "grand",
                     "great", "holy", "sacred", "the", "a", "an", "and", "or", "on", "in", "at", "of", "to"})


_DIRECTIONS = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
                        "north-east", "north-west", "south-east", "south-west", "outskirts", "east-northeast"})


class PlaceMention(NamedTuple):
    """A place named in the text at tokens [start, end) (a NamedTuple: one per place per item)."""

    entry: Entry
    start: int
    end: int
    role: str = "plain"          # plain | from | to | between | compound | reference

    @property
    def depth(self) -> int:
        return self.entry.depth


def find_places(tokens: list[Token], gazetteer: Gazetteer, lexicon: Lexicon) -> list[PlaceMention]:
    """Every place named in the tokens, in text order, resolved to one gazetteer entry each.

    A name that is also a community word ("Amhara", "Kachin") is a place only with a type word after
    it ("Amhara region", "Kachin State"); demonyms ("Syrian") are never places; names in the lexicon's
    `not_places` ("Sudan Doctors Network") are masked.
    """
    demonyms, community_forms = lexicon.demonyms, lexicon.forms
    masked = _mask(tokens, lexicon.not_places, lexicon.not_place_firsts)
    raw: list[tuple[int, int, tuple[Name, ...]]] = []
    n = len(tokens)
    firsts = gazetteer.first_words
    # names start with a capital ("Al-Fashir", "El Fasher"): scan only capitalised tokens
    caps = [k for k, t in enumerate(tokens) if t.is_cap]
    candidates = [k for k in caps
                  if tokens[k].low in firsts or (tokens[k].low.endswith("'s") and tokens[k].low[:-2] in firsts)]
    i = 0
    for c in candidates:
        if c < i:
            continue
        i = c
        tok = tokens[i]
        if masked[i] or not (tok.is_cap or (i + 1 < n and tokens[i + 1].text == "-")):
            continue
        match = _longest(tokens, i, gazetteer, masked)
        if match is None:
            continue
        end, names = match
        words = tuple(t.low for t in tokens[i:end] if t.kind == "word")
        nxt = tokens[end].low if end < n else ""
        if words in community_forms and nxt not in _REGION_WORDS and nxt not in _DISTRICT_WORDS:
            i = end
            continue
        if len(words) == 1 and words[0] in demonyms and nxt not in _REGION_WORDS:
            i = end
            continue
        if _is_person(tokens, i, end, names, firsts):
            i = end
            continue
        if end - i == 1 and end + 2 < n and tokens[end].low in _PARTICLES and tokens[end + 1].text == "-" \
                and tokens[end + 2].is_cap and " ".join(words) != "al":
            continue  # "Bab al-Tabbaneh": a longer name the gazetteer lacks, not the place "Bab"
        if _is_place_use(tokens, i, end, names):
            raw.append((i, end, names))
        i = end
    context = _context_countries(tokens, raw, demonyms, caps)
    mentions = [PlaceMention(_resolve(tokens, s, e, names, context), s, e) for s, e, names in raw]
    mentions = _add_structural(tokens, mentions, gazetteer, masked, caps, lexicon.not_names)
    return [_with_role(tokens, m) for m in sorted(mentions, key=lambda m: m.start)]


def _mask(tokens: list[Token], not_places: Collection[tuple[str, ...]], firsts: frozenset[str]) -> list[bool]:
    """True for tokens inside a name that is not a place ("Islamic State in the Greater Sahara")."""
    masked = [False] * len(tokens)
    for k in [k for k, t in enumerate(tokens) if t.low in firsts]:
        t = tokens[k]
        words = [(j, tokens[j].low) for j in range(k, min(len(tokens), k + 16)) if tokens[j].kind != "punct"]
        for phrase in not_places:
            size = len(phrase)
            if phrase[0] == t.low and len(words) >= size and tuple(w for _, w in words[:size]) == phrase:
                for j in range(k, words[size - 1][0] + 1):
                    masked[j] = True
    return masked


_LAST_WORDS = _REGION_WORDS | _DISTRICT_WORDS | _TOWN_WORDS | {"strip", "bank"}


def _longest(tokens: list[Token], i: int, gazetteer: Gazetteer,
             masked: list[bool]) -> tuple[int, tuple[Name, ...]] | None:
    """The longest gazetteer spelling starting at token i: (end token, its names)."""
    words: list[str] = []
    ends: list[int] = []
    j = i
    n = len(tokens)
    first = tokens[i].low
    most = gazetteer.first_words.get(first, 0)
    if first.endswith("'s"):  # "Goma's airport", but also "Cox's Bazar"
        most = max(most, gazetteer.first_words.get(first[:-2], 0))
    prefixes = gazetteer.prefixes
    while j < n and len(words) < most:
        t = tokens[j]
        if masked[j]:
            break
        if words and " ".join(words) not in prefixes:
            break  # no spelling goes on from here: "The Hague" does, "The army" does not
        if t.kind == "punct":
            # hyphens and apostrophes join a name ("Deir ez-Zor", "Port-au-Prince"); other marks end it
            if t.text in {"-", "‐"} and j + 1 < n and adjacent(t, tokens[j + 1]) and adjacent(tokens[j - 1], t):
                j += 1
                continue
            break
        words.append(t.low)
        ends.append(j + 1)
        j += 1
    for size in range(len(words), 0, -1):
        key = " ".join(words[:size])
        names = gazetteer.lookup(key)
        if not names and key.endswith("'s"):
            names = gazetteer.lookup(key[:-2])   # "El Fasher's Abu Shouk camp"
        if not names:
            continue
        last = tokens[ends[size - 1] - 1]
        if size > 1 and not (last.is_cap or last.low.removesuffix("'s") in _LAST_WORDS):
            continue  # "Port said ..." is not Port Said
        return ends[size - 1], names
    return None


def _is_place_use(tokens: list[Token], start: int, end: int, names: tuple[Name, ...]) -> bool:
    n = len(tokens)
    key = " ".join(t.low for t in tokens[start:end] if t.kind == "word")
    nxt = tokens[end] if end < n else None
    if key in _NEVER:
        return False
    if key in _GENERIC_NEED_TYPE and not (nxt is not None and nxt.low in _REGION_WORDS | _DISTRICT_WORDS):
        return False
    if nxt is not None and nxt.text in {"-", "‐"} and adjacent(tokens[end - 1], nxt) and end + 1 < n \
            and tokens[end + 1].low in _COMPOUND_SUFFIX:
        return False
    if start > 0 and tokens[start - 1].text in {"-", "‐"} and adjacent(tokens[start - 1], tokens[start]) \
            and start > 1 and tokens[start - 2].low in {"pro", "anti", "non", "post", "pre"}:
        return False  # "pro-Syria", "anti-Israel"
    if nxt is not None and nxt.is_cap and nxt.low in _ORG_WORDS:
        return False
    if tokens[end - 1].low.endswith("'s") and nxt is not None and nxt.is_cap and nxt.low in _ORG_WORDS:
        return False
    return True


_PERSON_TITLES = frozenset({
    "governor", "president", "minister", "mayor", "spokesman", "spokeswoman", "spokesperson", "commander",
    "general", "gen", "colonel", "col", "captain", "capt", "chief", "leader", "mr", "mrs", "ms", "dr", "sheikh",
    "imam", "bishop", "pastor", "father", "rev", "prince", "king", "queen", "judge", "senator", "lawmaker",
    "envoy", "ambassador", "secretary", "official", "activist", "journalist", "correspondent", "analyst",
    "professor", "prof", "brigadier", "lieutenant", "sergeant", "major", "emir", "warlord", "head",
})
_NOT_SURNAMES = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                           "january", "february", "march", "april", "may", "june", "july", "august",
                           "september", "october", "november", "december", "i", "and"})


def _is_person(tokens: list[Token], start: int, end: int, names: tuple[Name, ...],
               firsts: Mapping[str, int]) -> bool:
    """A one-word place name used as a person's name: "governor Oleh Syniehubov", "Vladimir Putin had",
    "Chad Smith, a spokesman". A surname is a capitalised word the gazetteer does not know, followed by
    a lower-case word or a comma; in a Title Case headline ("Gaza Strikes Kill 20") the next word is
    capitalised too, and "Syria Says 20 Killed" has a number after it, so neither is a person."""
    if end - start != 1 or tokens[start].low.endswith("'s"):
        return False  # "Yemen's Houthis" is a place and its people
    prev = tokens[start - 1] if start > 0 else None
    nxt = tokens[end] if end < len(tokens) else None
    after = tokens[end + 1] if end + 1 < len(tokens) else None
    if prev is not None and prev.low in _PERSON_TITLES and not any(n.entry.level == "country" for n in names):
        return True
    return (nxt is not None and nxt.is_cap and nxt.low not in firsts and nxt.low not in _NOT_SURNAMES
            and nxt.low not in _ORG_WORDS and nxt.low not in _REGION_WORDS and nxt.low not in _TOWN_WORDS
            and nxt.low not in _DISTRICT_WORDS and nxt.low not in {"strip", "bank", "valley", "river", "coast"}
            and after is not None and (after.text == "," or (after.kind == "word" and not after.is_cap)))


def _context_countries(tokens: list[Token], raw: list[tuple[int, int, tuple[Name, ...]]],
                       demonyms: Mapping[str, str], caps: list[int]) -> dict[str, int]:
    """How strongly the item points at each country: countries named, unambiguous places, demonyms."""
    weight: dict[str, int] = {}
    for _, _, names in raw:
        countries = {n.entry.country for n in names if n.entry.country}
        if len(countries) == 1:
            (country,) = countries
            weight[country] = weight.get(country, 0) + 2
    for k in caps:
        pointed = demonyms.get(tokens[k].low)
        if pointed is not None:
            weight[pointed] = weight.get(pointed, 0) + 1
    return weight


def _resolve(tokens: list[Token], start: int, end: int, names: tuple[Name, ...],
             context: Mapping[str, int]) -> Entry:
    if len(names) == 1:
        return names[0].entry
    nxt = tokens[end].low if end < len(tokens) else ""
    wanted: set[str] = set()
    if nxt in _REGION_WORDS:
        wanted = {"region"}
    elif nxt in _DISTRICT_WORDS:
        wanted = {"district"}
    elif nxt in _TOWN_WORDS:
        wanted = {"locality", "neighbourhood", "camp"}

    def score(name: Name) -> float:
        e = name.entry
        # the item's context and the type word after the name decide; the static prior breaks ties
        return name.prior + (5000 if e.level in wanted else 0) + 1000 * min(context.get(e.country or "", 0), 3)

    return max(names, key=score).entry


def _add_structural(tokens: list[Token], mentions: list[PlaceMention], gazetteer: Gazetteer,
                    masked: list[bool], caps: list[int], not_names: Collection[str]) -> list[PlaceMention]:
    """Places the gazetteer lacks, recognised by how news names them."""
    taken: set[int] = set()
    for m in mentions:
        taken.update(range(m.start, m.end))
    by_start = {m.start: m for m in mentions}
    by_end = {m.end: m for m in mentions}
    out = list(mentions)
    n = len(tokens)
    for i in caps:
        t = tokens[i]
        if i in taken or masked[i] or t.low in _TITLES or t.low in not_names or t.low in _NOT_NAMES \
                or (t.low in _GENERIC and not (i + 1 < n and tokens[i + 1].text == "-")):
            continue  # ("Al-Kuma" starts with a generic word, but the hyphen makes it a name)
        j = i
        while j < n and j - i < 5 and (tokens[j].is_cap or (tokens[j].text == "-" and j + 1 < n
                                                           and adjacent(tokens[j], tokens[j + 1]))
                                       or (j > i and tokens[j].low in _PARTICLES and j + 1 < n
                                           and tokens[j + 1].text == "-"))\
                and j not in taken and tokens[j].low not in _TITLES:
            j += 1
        if j == i or tokens[j - 1].text == "-":
            continue
        name = _join(tokens, i, j)
        nxt = tokens[j].low if j < n else ""
        prev = tokens[i - 1].low if i > 0 else ""
        prev2 = tokens[i - 2].low if i > 1 else ""
        parent: PlaceMention | None = None
        level = ""
        if nxt in _SUBPLACE_WORDS and prev == "the":
            level = "camp" if nxt == "camp" else "neighbourhood"
            if j + 2 < n and tokens[j + 1].low == "of":
                parent = by_start.get(j + 2)
        elif nxt == "camp" or (nxt in {"refugee", "displacement", "idp"} and j + 1 < n
                               and tokens[j + 1].low == "camp"):
            level = "camp"                                   # "Zamzam camp", "Kakuma refugee camp"
        elif nxt in {"village", "neighbourhood", "neighborhood", "district", "quarter", "suburb", "township",
                     "corridor", "crossing", "checkpoint"} and tokens[i].low not in not_names \
                and tokens[i].low not in _NOT_NAMES:
            level = "locality" if nxt == "village" else "neighbourhood"   # "Kutrabi village"
        elif prev == "of" and prev2 in _SETTLEMENT_WORDS:
            level = "locality"                               # "the (Palestinian) town of Yelwata"
        elif i > 1 and tokens[i - 1].text in {"'s", "’s"} or (i > 0 and prev.endswith("'s") and tokens[i - 1].is_cap):
            owner = by_end.get(i)
            if owner is not None and owner.entry.depth >= DEPTH["locality"] and (j >= n or not tokens[j].is_cap):
                level, parent = "neighbourhood", owner        # "Port-au-Prince's Cite Soleil"
        elif prev in {"in", "near", "at", "outside"} and j < n - 1:
            k = j + 1 if tokens[j].text == "," else j
            if k < n and tokens[k].low in {"in", "near"} and k + 1 < n:
                follow = by_start.get(k + 1)
                if follow is not None and follow.entry.depth <= DEPTH["district"]:
                    level, parent = "locality", follow        # "in Fambita, in Niger's Tillaberi region"
            elif k > j and k < n:
                follow = by_start.get(k)
                if follow is not None and (follow.entry.depth <= DEPTH["region"] or (
                        follow.entry.depth <= DEPTH["district"] and follow.end < n
                        and tokens[follow.end].low in _REGION_WORDS | _DISTRICT_WORDS)):
                    level, parent = "locality", follow        # "in Kuriga, Kaduna state", "in Al-Kuma, North Darfur"
        if not level:
            continue
        region = parent.entry.region if parent else None
        country = parent.entry.country if parent else None
        if parent is not None and parent.entry.level == "region":
            region = parent.entry.name
        entry = Entry(name, level, region, country, 0, curated=False)
        out.append(PlaceMention(entry, i, j))
        taken.update(range(i, j))
    return out


def _join(tokens: list[Token], i: int, j: int) -> str:
    parts: list[str] = []
    for k in range(i, j):
        text = tokens[k].text
        if k > i and not adjacent(tokens[k - 1], tokens[k]):
            parts.append(" ")
        parts.append(text)
    name = "".join(parts)
    if name.endswith("'s") or name.endswith("’s"):
        name = name[:-2]
    # canonical names are ASCII ("Pont-Sondé" -> "Pont-Sonde"): what an operator can type in a rule
    return ascii_name(name)


def _with_role(tokens: list[Token], m: PlaceMention) -> PlaceMention:
    """How the place relates to the sentence: the scene, the source's base, an origin, a destination."""
    prev = tokens[m.start - 1] if m.start > 0 else None
    nxt = tokens[m.end] if m.end < len(tokens) else None
    role = "plain"
    if prev is not None and prev.low in {"to", "towards", "toward"}:
        role = "to"
    elif prev is not None and prev.low == "from":
        role = "from"
    elif prev is not None and prev.low == "between":
        role = "between"
    elif prev is not None and prev.low == "and" and m.start > 2 and any(
            tokens[k].low == "between" for k in range(max(0, m.start - 10), m.start - 1)):
        role = "between"
    elif prev is not None and prev.low == "of" and m.start > 1 and tokens[m.start - 2].low in _DIRECTIONS:
        role = "reference"   # "20 km south of El Fasher", "on the outskirts of Damascus"
    if nxt is not None and nxt.text in {"-", "–"} and adjacent(tokens[m.end - 1], nxt):
        role = "compound"
    if prev is not None and prev.text in {"-", "–"} and adjacent(prev, tokens[m.start]):
        role = "compound"
    if nxt is not None and nxt.low == "border" or (nxt is not None and nxt.low in {"'s", "’s"}
                                                   and m.end + 1 < len(tokens)
                                                   and tokens[m.end + 1].low == "border"):
        role = "to"
    return PlaceMention(m.entry, m.start, m.end, role)


def ascii_name(text: str) -> str:
    """A place name without accents or non-ASCII marks ("Cité Soleil" -> "Cite Soleil")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isascii())
