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
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from warnd.extract.gazetteer import DEPTH, Entry, Gazetteer, Name
from warnd.extract.lexicon import Lexicon
from warnd.extract.place_context import PERSON_TITLES, dateline_end, mask_non_places
from warnd.extract.tokens import Token, adjacent

# Particles joining the parts of one name, Spanish, Portuguese and Persian ones included
# ("Lanao del Sur", "Rio Grande do Sul", "Dara-i-Suf"): a run with one inside is a single name.
_NAME_JOINERS = frozenset({"del", "do", "da", "dos", "das", "los", "las", "i", "e"})
_PARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "en", "es", "ez", "ul",
                        "de", "du", "di", "la", "le"}) | _NAME_JOINERS
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
                      "doris", "police", "mission", "union", "independence", "liberty",
                      "paradise", "providence", "concord",
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
# Places whose names are common given names or surnames: a place only where the text uses it as one —
# after a locative preposition, before ", <state or country>", or in a dateline. (They were blocked
# outright, which lost "protesters marched through Houston".)
_PERSON_PRONE = frozenset({"houston", "washington", "jackson", "lincoln", "clinton", "wilson", "kennedy",
                           "charlotte", "aurora", "victoria", "florence", "hope", "salem", "paul",
                           "sydney", "austin", "orlando", "dallas", "elizabeth",
                           "marion", "madison", "lafayette", "santiago", "san jose", "st paul", "milton",
                           "preston", "chester", "regina", "adama", "osman", "hamid", "ali", "omar", "hassan",
                           "ahmed", "kaya", "silva", "martinez", "garcia", "abu", "ode", "gill", "masih",
                           "isa", "musa", "yusuf", "ibrahim", "joseph", "john", "james", "david"})
_PRONE_LAST = frozenset(k.rsplit(" ", 1)[-1] for k in _PERSON_PRONE)
_LOCATIVE = frozenset({"in", "at", "near", "from", "to", "through", "across", "outside", "around", "into",
                       "toward", "towards", "of", "on", "over", "between", "and", "via", "inside", "within"})
# Nouns after "X-Y" that make it a relation between two countries, not two places: "the Russia-Ukraine war".
_RELATION_NOUNS = frozenset({"war", "wars", "conflict", "talks", "row", "rows", "relations", "dispute", "tensions",
                             "ceasefire", "truce", "deal", "summit", "rivalry", "agreement", "accord", "peace",
                             "negotiations", "match", "game", "clashes", "fighting", "standoff", "feud", "crisis",
                             "pact", "treaty", "rapprochement", "normalisation", "normalization", "detente"})
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
    role: str = "plain"          # plain | from | to | between | compound | reference | dateline

    @property
    def depth(self) -> int:
        return self.entry.depth


def find_places(tokens: list[Token], gazetteer: Gazetteer, lexicon: Lexicon,
                spans: Sequence[tuple[int, int]] | None = None) -> list[PlaceMention]:
    """Every place named in the tokens, in text order, resolved to one gazetteer entry each.

    A name that is also a community word ("Amhara", "Kachin") is a place only with a type word after
    it ("Amhara region", "Kachin State"); demonyms ("Syrian") are never places; names in the lexicon's
    `not_places` ("Sudan Doctors Network") are masked.
    """
    demonyms, community_forms = lexicon.demonyms, lexicon.forms
    masked = _mask(tokens, lexicon.not_places, lexicon.not_place_firsts)
    dateline = dateline_end(tokens)
    raw: list[tuple[int, int, tuple[Name, ...]]] = []
    n = len(tokens)
    firsts = gazetteer.first_words
    # names start with a capital ("Al-Fashir", "El Fasher"): scan only capitalised tokens
    caps = [k for k, t in enumerate(tokens) if t.is_cap]
    mask_non_places(tokens, list(spans) if spans is not None else [(0, n)], caps,
                    lambda key: bool(gazetteer.lookup(key)), masked)
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
        if i > 2 and tokens[i - 1].text == "-" and tokens[i - 2].low in _PARTICLES and tokens[i - 3].is_cap \
                and adjacent(tokens[i - 1], tok):
            continue  # "Ras al-Ara": the last part of a longer name, not the place "Ara"
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
        if words in lexicon.generated and _people_use(tokens, i, end):
            i = end
            continue  # "11 Turkana herders", "a Samburu village", "Nandi and Kipsigis communities"
        if (nxt in _PEOPLE_NOUNS or nxt == "and") and _names_a_people(tokens, end, names):
            i = end
            continue
        if nxt in _PEOPLE_NOUNS and i >= 2 and tokens[i - 1].low == "and" and (tokens[i - 2].low,) in community_forms:
            i = end
            continue  # "between Murle and Pibor communities": listed with a people, it names a people
        if i >= dateline and _is_person(tokens, i, end, names, firsts):
            i = end
            continue
        if end - i == 1 and end + 2 < n and tokens[end].low in _PARTICLES and tokens[end + 1].text == "-" \
                and tokens[end + 2].is_cap and " ".join(words) != "al":
            continue  # "Bab al-Tabbaneh": a longer name the gazetteer lacks, not the place "Bab"
        if _is_place_use(tokens, i, end, names) and (i < dateline or words[-1].removesuffix("'s") not in _PRONE_LAST
                                                     or _used_as_place(tokens, i, end, raw)):
            raw.append((i, end, names))
        i = end
    raw = _drop_relations(tokens, _with_postal_codes(tokens, raw, gazetteer))
    context = _context_countries(tokens, raw, demonyms, caps)
    raw = _near_context(raw, context)
    mentions = [PlaceMention(_resolve(tokens, s, e, names, context), s, e) for s, e, names in raw]
    not_names, community_firsts = _lexicon_words(lexicon)
    starts = frozenset(a for a, _ in spans) if spans is not None else frozenset()
    mentions = add_structural(tokens, mentions, masked, caps, not_names, community_firsts, starts, firsts,
                              lexicon.generated)
    mentions = _numbered_and_of_features(tokens, mentions, masked, caps, starts)
    mentions.sort(key=lambda m: m.start)
    out: list[PlaceMention] = []
    for k, m in enumerate(mentions):
        # only the surroundings of a scene: in "from Parachinar to Peshawar in Kurram district" Kurram
        # is where it happened, not the destination's surroundings
        surrounds = _surrounded(tokens, mentions, k) if out and out[-1].role == "plain" else None
        if out and out[-1].role == "plain" and out[-1].end == m.start and m.entry.level != "country" \
                and tokens[m.start - 1].low.endswith("'s"):
            # "Mogadishu's Hodan district", "Tripoli's Ain Zara": the owner is the part's surroundings
            out[-1] = out[-1]._replace(role="reference")
            m = _inherit(m, out[-1])
        if surrounds is not None and out[-1].entry.country is None:
            out[-1] = _inherit(out[-1], m)   # "Tungan Maje, near Sokoto": the village is in Sokoto's region
        out.append(_with_role(tokens, m, dateline, surrounds))
    return out


def _inherit(m: PlaceMention, around: PlaceMention) -> PlaceMention:
    """A place the gazetteer lacks takes its region and country from the place around it."""
    e, a = m.entry, around.entry
    if e.country is not None or e.curated or a.country is None or a.depth > e.depth or a.level == "area":
        return m
    region = a.name if a.level == "region" else a.region
    return m._replace(entry=Entry(e.name, e.level, region, a.country, e.population))


_REPORTED = frozenset({"said", "told", "announced", "reported", "stated", "declared", "added", "confirmed"})
_SURROUNDING = frozenset({"in", "on", "near", "off", "outside", "at"})


def _surrounded(tokens: list[Token], mentions: list[PlaceMention], k: int) -> PlaceMention | None:
    """The place right before mention k that it is the surroundings of: "Quirimba island, off Ibo"."""
    if k == 0:
        return None
    m, before = mentions[k], mentions[k - 1]
    if m.start - before.end > 4:
        return None
    gap = [t.low for t in tokens[before.end:m.start]]
    typed = bool(gap) and gap[0] in _TOWN_WORDS | _DISTRICT_WORDS | _TYPE_AFTER
    while gap and gap[0] in _TOWN_WORDS | _DISTRICT_WORDS | _TYPE_AFTER:
        gap = gap[1:]   # "Quirimba island, off Ibo"
    if typed and gap == ["of"]:
        return before   # "the Beit Hanina quarter of Jerusalem"
    if gap and gap[0] == ",":
        gap = gap[1:]
    if gap and gap[-1] == "the":
        gap = gap[:-1]
    return before if len(gap) == 1 and gap[0] in _SURROUNDING else None


_LEXICON_WORDS: dict[int, tuple[Lexicon, frozenset[str], frozenset[str]]] = {}


def _lexicon_words(lexicon: Lexicon) -> tuple[frozenset[str], frozenset[str]]:
    """The lexicon's words that are never unknown places, and its communities' first words: built once
    per lexicon (the lexicon is kept in the entry so that its id is not reused)."""
    found = _LEXICON_WORDS.get(id(lexicon))
    if found is None or found[0] is not lexicon:
        found = (lexicon, lexicon.not_names | lexicon.not_place_firsts, frozenset(w[0] for w in lexicon.forms))
        _LEXICON_WORDS[id(lexicon)] = found
    return found[1], found[2]


_PEOPLE_NOUNS = frozenset({"communities", "clans", "clan", "tribes", "tribe", "herders", "farmers", "militias",
                           "militiamen", "fighters", "youths", "elders", "traders", "pastoralists", "people",
                           "sub-clan", "sub-clans", "ethnic", "speakers", "families", "men", "women"})


# nouns after a people's name that say it names people, not the place of the same name
_PEOPLE_USE = _PEOPLE_NOUNS | frozenset({"villagers", "herdsmen", "civilians", "residents", "children", "boys",
                                         "girls", "homes", "homesteads", "settlements", "raiders", "gunmen",
                                         "minority", "migrants", "refugees", "worshippers", "leaders",
                                         "mourners", "pupils", "students", "fishermen", "protesters", "man",
                                         "woman", "boy", "girl", "farmer", "herder", "elder", "chief"})
_SETTLEMENT = frozenset({"village", "villages", "settlement", "hamlet", "homestead", "camp", "camps"})


def _people_use(tokens: list[Token], i: int, end: int) -> bool:
    """A name of the generated community list (ISO 639-3, data/communities.tsv) used as a people's name
    although a place shares it: before a people noun, listed before one ("Nandi and Kipsigis
    communities"), or as the kind of a settlement after an article or number ("a Samburu village",
    "two Pokot camps"; "Kalinde village" names a village)."""
    n = len(tokens)
    nxt = tokens[end].low if end < n else ""
    if nxt == "and" and end + 1 < n and tokens[end + 1].is_cap:
        # the partner's one or two words, then the shared noun
        return any(k < n and tokens[k].low in _PEOPLE_USE for k in (end + 2, end + 3))
    if nxt in _PEOPLE_USE:
        return True
    return nxt in _SETTLEMENT and i > 0 and (tokens[i - 1].low in {"a", "an", "several", "many", "other"}
                                             or tokens[i - 1].kind == "num")


def _names_a_people(tokens: list[Token], end: int, names: tuple[Name, ...]) -> bool:
    """A small or alternate-spelling place used as a people's name: "Gedeo and Guji communities",
    "Hausa farmers". Known towns and regions before such nouns ("Benue farmers") stay places."""
    n = len(tokens)
    nxt = tokens[end].low if end < n else ""
    if nxt == "and" and end + 2 < n and tokens[end + 1].is_cap:
        nxt = tokens[end + 2].low
    if nxt not in _PEOPLE_NOUNS:
        return False
    return all(not nm.entry.curated and nm.entry.level in ("district", "locality", "neighbourhood")
               and (not nm.primary or nm.entry.population < 5000) for nm in names)


def _used_as_place(tokens: list[Token], start: int, end: int, raw: list[tuple[int, int, tuple[Name, ...]]]) -> bool:
    """A place named like a person ("Houston", "Jordan") counts only where the text uses it as a place."""
    key = " ".join(t.low for t in tokens[start:end] if t.kind == "word").removesuffix("'s")
    if key not in _PERSON_PRONE:
        return True
    prev = tokens[start - 1].low if start > 0 else ""
    nxt = tokens[end] if end < len(tokens) else None
    if prev in _LOCATIVE or tokens[end - 1].low.endswith("'s"):
        return True
    if nxt is not None and nxt.text == "," and raw and raw[-1][0] == end + 1:
        return True  # "Houston, Texas"
    return nxt is not None and nxt.low in _REGION_WORDS | _DISTRICT_WORDS | _TOWN_WORDS


def _near_context(raw: list[tuple[int, int, tuple[Name, ...]]],
                  context: Mapping[str, int]) -> list[tuple[int, int, tuple[Name, ...]]]:
    """Drop a name whose only readings are generated alternate spellings in countries the item does not
    point at, when it points clearly elsewhere: "Pensa" in a Burkina Faso story is not Russia's Penza.
    The name's own weight in the context (2 for a one-country name) does not count as support."""
    if not context or max(context.values()) < 2:
        return raw
    out = []
    for r in raw:
        if any(n.primary or n.entry.curated for n in r[2]):
            out.append(r)  # the common case, decided without the context
            continue
        countries = {n.entry.country for n in r[2]}
        own = 2 if len(countries) == 1 else 0
        if any(n.primary or n.entry.curated or n.entry.level in ("country", "area")
               or context.get(n.entry.country or "", 0) > own for n in r[2]) \
                or max((w for c, w in context.items() if c not in countries or w > own), default=0) < 2:
            out.append(r)
    return out


def _with_postal_codes(tokens: list[Token], raw: list[tuple[int, int, tuple[Name, ...]]],
                       gazetteer: Gazetteer) -> list[tuple[int, int, tuple[Name, ...]]]:
    """"Houston, TX": a US postal code names its state only right after "<place>,"."""
    if not raw:
        return raw
    out = list(raw)
    n = len(tokens)
    for _, end, _ in raw:
        if end + 1 < n and tokens[end].text == "," and len(tokens[end + 1].text) == 2 \
                and tokens[end + 1].text.isupper():
            names = gazetteer.lookup("us:" + tokens[end + 1].low)
            if names:
                out.append((end + 1, end + 2, names))
    return sorted(out) if len(out) > len(raw) else raw


def _drop_relations(tokens: list[Token], raw: list[tuple[int, int, tuple[Name, ...]]]
                    ) -> list[tuple[int, int, tuple[Name, ...]]]:
    """"the Russia-Ukraine war", "Sudan-South Sudan talks": a relation between countries names neither."""
    drop: set[int] = set()
    n = len(tokens)
    for a, b in zip(raw, raw[1:], strict=False):
        if a[1] + 1 == b[0] and tokens[a[1]].text in {"-", "–"} and adjacent(tokens[a[1] - 1], tokens[a[1]]) \
                and adjacent(tokens[a[1]], tokens[b[0]]) and b[1] < n and tokens[b[1]].low in _RELATION_NOUNS:
            drop.update((a[0], b[0]))
    return [r for r in raw if r[0] not in drop]


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
    if most <= 1 and not masked[i]:
        # most names are one word: no prefix walk ("Goma", "Kisumu's")
        names = gazetteer.lookup(first)
        if not names and first.endswith("'s"):
            names = gazetteer.lookup(first[:-2])
        return (i + 1, names) if names else None
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
    if key in _GENERIC_NEED_TYPE and not (nxt is not None
                                          and nxt.low.removesuffix("'s") in _REGION_WORDS | _DISTRICT_WORDS) \
            and not (start > 0 and tokens[start - 1].low == "the" and any(n.entry.level == "area" for n in names)):
        return False  # "the Sahel" is the macro-region; "Sahel" alone is a generic word
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


_NOT_SURNAMES = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                           "january", "february", "march", "april", "may", "june", "july", "august",
                           "september", "october", "november", "december", "i", "and"})


def _is_person(tokens: list[Token], start: int, end: int, names: tuple[Name, ...],
               firsts: Mapping[str, int]) -> bool:
    """A one-word place name used as a person's name: "governor Oleh Syniehubov", "Vladimir Putin had",
    "Chad Smith, a spokesman". A surname is a capitalised word the gazetteer does not know, followed by
    a lower-case word or a comma; in a Title Case headline ("Gaza Strikes Kill 20") the next word is
    capitalised too, and "Syria Says 20 Killed" has a number after it, so neither is a person."""
    if end - start != 1 or tokens[start].low.endswith("'s") or tokens[start].text.isupper():
        return False  # "Yemen's Houthis" is a place and its people; "MOGADISHU Eleven soldiers" a dateline
    prev = tokens[start - 1] if start > 0 else None
    nxt = tokens[end] if end < len(tokens) else None
    after = tokens[end + 1] if end + 1 < len(tokens) else None
    if prev is not None and prev.low in PERSON_TITLES and not any(n.entry.level == "country" for n in names):
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
    if any(n.primary for n in names):
        # a village's generated alternate spelling does not outvote a place of that name, even in
        # context: "New York" in a story about Kharkiv is not the Donetsk village listed as Niu-York
        names = tuple(n for n in names if n.primary or n.entry.curated or n.entry.population >= 10_000) or names
    nxt = tokens[end].low if end < len(tokens) else ""
    wanted: set[str] = set()
    if start > 0 and tokens[start - 1].low == "the" and nxt not in _REGION_WORDS | _DISTRICT_WORDS | _TOWN_WORDS:
        wanted = {"area"}   # "across the Sahel": the macro-region, not Burkina Faso's Sahel region
    elif nxt in _REGION_WORDS:
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


# Lower-case words after a name that say what kind of place it is ("Kiramu woreda", "Shakahola forest");
# the name is the place, the type word is not part of it (the guide's "Mathare" for "Mathare river").
_TYPE_AFTER = frozenset({"village", "villages", "neighbourhood", "neighborhood", "neighbourhoods", "district",
                         "districts", "quarter", "suburb", "township", "townships", "corridor", "crossing",
                         "checkpoint", "settlement", "woreda", "kebele", "highlands", "forest", "island",
                         "islands", "base", "peak", "river", "valley", "hills", "mountains", "mine", "regency",
                         "sub-county", "subcounty", "chiefdom", "barangay", "municipality", "market",
                         "estate", "slum", "compound", "hamlet", "locality", "zone", "parish", "town", "towns",
                         "junction", "airstrip", "airbase"})
_TYPE_PLURAL = frozenset({"villages", "neighbourhoods", "districts", "townships", "towns", "islands", "camps",
                          "areas", "settlements", "localities", "hamlets", "communities"})
_TYPE_MODIFIERS = frozenset({"gold", "mining", "cattle", "military", "army", "fishing", "border", "refugee",
                             "idp", "displacement", "mountain", "coastal", "farming", "informal", "police", "rebel"})
# Capitalised words that begin or end a natural feature's name: "Lake Toba", "Sobat River", "Mount Elgon".
_FEATURE_FIRST = frozenset({"lake", "mount", "river", "wadi", "jabal", "jebel", "gulf", "bay", "cape", "ras"})
_FEATURE_LAST = frozenset({"river", "lake", "mountains", "mountain", "hills", "valley", "forest", "island",
                           "islands", "plains", "plateau", "desert", "gap", "peninsula", "basin", "delta"})
# Words after "the X of" that introduce a place's name: "the hamlet of Donja Jablanica".
_OF_WORDS = frozenset({"town", "village", "city", "hamlet", "settlement", "island", "district", "neighbourhood",
                       "neighborhood", "quarter", "suburb", "camp", "locality", "region", "province", "enclave",
                       "port", "commune", "municipality", "area", "community", "outskirts", "residents",
                       "villagers", "inhabitants", "streets", "centre", "center", "people"})
_PREPOSITIONS = frozenset({"in", "at", "near", "around", "outside", "off", "below", "inside", "across"})
_ATTACK_NOUNS = frozenset({"raid", "raids", "attack", "attacks", "assault", "offensive", "strike", "strikes",
                           "siege", "advance", "ambush", "bombardment", "shelling", "march", "push"})
_ATTACK_VERBS = frozenset({"attacked", "raided", "stormed", "torched", "shelled", "bombed", "captured", "seized",
                           "overran", "besieged", "struck", "hit", "entered", "reached", "recaptured", "razed",
                           "burned", "burnt", "looted", "evacuated", "retook", "encircled", "surrounded",
                           "invaded", "ransacked", "targeted", "pounded"})
# What may follow an unknown name used as a place after a preposition ("in Kigoogwa said", "near Lagawa,").
_AFTER_NAME = frozenset({",", ".", ";", ":", "(", "—", "–", "on", "in", "near", "and", "overnight", "before",
                         "after", "during", "where", "when", "last", "this", "early", "late", "killed", "said",
                         "was", "were", "is", "has", "had", "earlier", "yesterday", "today", "while", "as",
                         "since", "until", "amid", "following", "which", "that", "alone", "town", "'s",
                         "over", "ahead", "with", "for", "by", "from", "to", "at", "across"})
_VERBS_AFTER = frozenset({"includes", "include", "remains", "remain", "are", "have", "lies", "sits", "borders",
                          "says", "say", "reported", "saw", "left", "hosts", "houses", "came", "became"})
# Capitalised words that follow "in"/"at" without being places.
_NOT_AFTER_PREPOSITION = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "english", "arabic", "french", "hausa", "swahili", "spanish", "portuguese", "russian", "urdu", "hindi",
    "parliament", "congress", "senate", "court", "mass", "islam", "christianity", "christmas", "easter",
    "ramadan", "eid", "church", "mosque", "hospital", "prison", "office", "twitter", "facebook", "telegram",
    "whatsapp", "x", "i", "god", "allah", "jesus", "statement", "interview", "response", "total", "addition",
    "particular", "contrast", "fact", "recent", "late", "early", "mid", "spring", "summer", "autumn",
    "winter", "dawn", "noon", "midnight", "rome", "cop", "phase", "round", "memory", "honour", "honor",
})


def _run_end(tokens: list[Token], i: int, taken: set[int] | None, starts: Collection[int]) -> int:
    """The end of a capitalised name starting at i: up to five words, with hyphens and particles, within
    its sentence (`starts` are the sentences' first tokens: a title's last word and the next line's
    first are not one name)."""
    n = len(tokens)
    j = i
    while j < n and j - i < 6 and (taken is None or j not in taken) and (j == i or j not in starts) and (
            tokens[j].is_cap and tokens[j].low not in _TITLES
            or (tokens[j].text in {"-", "‐"} and j > i and j + 1 < n and adjacent(tokens[j], tokens[j + 1])
                and adjacent(tokens[j - 1], tokens[j]))
            or (j > i and tokens[j].low in _PARTICLES and j + 1 < n
                and (tokens[j + 1].text == "-" or tokens[j + 1].is_cap))):
        j += 1
        if tokens[j - 1].low.endswith("'s"):
            break  # "Tripoli's Ain Zara": the owner's name ends at its possessive
    while j > i and not tokens[j - 1].is_cap:
        j -= 1
    return j


def add_structural(tokens: list[Token], mentions: list[PlaceMention], masked: list[bool], caps: list[int],
                   not_names: Collection[str], community_firsts: Collection[str],
                   starts: Collection[int] = (), firsts: Collection[str] = (),
                   generated: Collection[tuple[str, ...]] = ()) -> list[PlaceMention]:
    """Places the gazetteer lacks, recognised by how news names them.

    A whole name written as a place ("the Masina Petro-Congo neighbourhood", "the hamlet of Donja
    Jablanica", "Ain Zara district") replaces the gazetteer's partial hits inside it.
    """
    out = _whole_names(tokens, mentions, masked, caps, community_firsts, starts, firsts)
    taken: set[int] = set()
    for m in out:
        taken.update(range(m.start, m.end))
    by_start = {m.start: m for m in out}
    by_end = {m.end: m for m in out}
    n = len(tokens)
    headline: list[bool] = []   # filled on first need: most items never reach the rule that reads it
    for i in caps:
        t = tokens[i]
        if i in taken or masked[i] or t.low in _TITLES or t.low in not_names or t.low in _NOT_NAMES \
                or t.low in community_firsts \
                or (t.low in _GENERIC and not (i + 1 < n and tokens[i + 1].text == "-")) \
                or ((t.low,) in generated and _people_use(tokens, i, i + 1)):
            continue  # ("Al-Kuma" starts with a generic word, but the hyphen makes it a name)
        j = _run_end(tokens, i, taken, starts)
        if j == i or any(masked[k] for k in range(i, j)):
            continue
        nxt = tokens[j].low if j < n else ""
        nxt2 = tokens[j + 1].low if j + 1 < n else ""
        prev = tokens[i - 1].low if i > 0 else ""
        prev2 = tokens[i - 2].low if i > 1 else ""
        parent: PlaceMention | None = None
        level = ""
        if nxt in _SUBPLACE_WORDS and prev == "the":
            level = "camp" if nxt == "camp" else "neighbourhood"
            if j + 2 < n and tokens[j + 1].low == "of":
                parent = by_start.get(j + 2)
        elif nxt == "camp" or (nxt in {"refugee", "displacement", "idp"} and nxt2 == "camp"):
            level = "camp"                                   # "Zamzam camp", "Kakuma refugee camp"
        elif nxt in _TYPE_AFTER or (nxt in _TYPE_MODIFIERS and nxt2 in _TYPE_AFTER | {"site", "camp"}):
            level = "neighbourhood" if nxt in {"neighbourhood", "neighborhood", "quarter", "suburb"} else "locality"
        elif prev == "and" and _plural_type_after(tokens, j, starts) \
                or nxt == "and" and _plural_type_after(tokens, j + 1, starts):
            level = "locality"                               # "Kwala and Dunga villages"
        elif (prev == "of" and prev2 in _OF_WORDS) or (prev == "of" and prev2 in _DIRECTIONS):
            level = "locality"                               # "the town of Yelwata", "20 km north of Kufana"
        elif tokens[i].low in _FEATURE_FIRST and j - i >= 2 or tokens[j - 1].low in _FEATURE_LAST and j - i >= 2:
            level = "locality"                               # "Lake Fitri", "Sobat River"
        elif i > 1 and tokens[i - 1].text in {"'s", "’s"} or (i > 0 and prev.endswith("'s") and tokens[i - 1].is_cap):
            owner = by_end.get(i)
            if owner is not None and owner.entry.depth >= DEPTH["locality"] and (j >= n or not tokens[j].is_cap):
                level, parent = "neighbourhood", owner        # "Port-au-Prince's Cite Soleil"
        elif i > 0 and tokens[i].low.removesuffix("'s") not in _NOT_AFTER_PREPOSITION \
                and not tokens[i].text.isupper() and not (j - i == 1 and j < n and tokens[j].text == "."
                                                          and len(tokens[i].text) <= 3) \
                and _after_locative(tokens, i, prev, prev2, by_start, j) \
                and not _in_headline(tokens, headline, i):
            level = "locality"
            k = j + 1 if j < n and tokens[j].text == "," else j
            if k < n and tokens[k].low in {"in", "near"} and k + 1 < n:
                follow = by_start.get(k + 1)
                if follow is not None and follow.entry.depth <= DEPTH["district"]:
                    parent = follow                           # "in Fambita, in Niger's Tillaberi region"
            elif k > j and k < n:
                follow = by_start.get(k)
                if follow is not None and follow.entry.depth <= DEPTH["region"]:
                    parent = follow                           # "in Kuriga, Kaduna state"
        if not level and nxt in _REGION_WORDS and j - i >= 1 and tokens[i].low not in _NOT_AFTER_PREPOSITION \
                and prev in _PREPOSITIONS | {"of", "the"}:
            level = "region"                                 # "in Sistan-Baluchestan province"
        if not level:
            continue
        mention = _structural(_join(tokens, i, j), level, parent, i, j)
        out.append(mention)
        by_start[i] = mention
        taken.update(range(i, j))
    return out


# Capitalised type words numbered as places: "Camp 9", "Sector 4", "Block 12" (refugee camps and
# planned towns are divided so); and sea and coast features named "X of Y": "the Bay of Bengal".
_NUMBERED = frozenset({"camp", "sector", "block", "zone", "phase", "ward"})
_OF_FEATURES = frozenset({"bay", "gulf", "sea", "strait", "straits", "isle", "cape"})


def _numbered_and_of_features(tokens: list[Token], mentions: list[PlaceMention], masked: list[bool],
                              caps: list[int], starts: Collection[int]) -> list[PlaceMention]:
    """Add "Camp 9" and "Bay of Bengal" style names (class L1), replacing the hits inside them ("Guinea"
    in "the Gulf of Guinea" is not the country)."""
    n = len(tokens)
    added: list[PlaceMention] = []
    for i in caps:
        low = tokens[i].low
        if masked[i] or (low not in _NUMBERED and low not in _OF_FEATURES):
            continue
        if low in _NUMBERED and i + 1 < n and tokens[i + 1].kind == "num" and len(tokens[i + 1].text) <= 3 \
                and (i + 2 >= n or not tokens[i + 2].is_cap and tokens[i + 2].kind != "num"):
            added.append(_structural(_join(tokens, i, i + 2), "camp", None, i, i + 2))
        elif low in _OF_FEATURES and i + 2 < n and tokens[i + 1].low == "of" and tokens[i + 2].is_cap:
            j = _run_end(tokens, i + 2, None, starts)
            if j > i + 2:
                added.append(_structural(_join(tokens, i, j), "area", None, i, j))
    if not added:
        return mentions
    covered = {k for m in added for k in range(m.start, m.end)}
    return [m for m in mentions if m.start not in covered] + added


def _structural(name: str, level: str, parent: PlaceMention | None, i: int, j: int) -> PlaceMention:
    region = parent.entry.region if parent else None
    country = parent.entry.country if parent else None
    if parent is not None and parent.entry.level == "region":
        region = parent.entry.name
    return PlaceMention(Entry(name, level, region, country, 0, curated=False), i, j)


def _plural_type_after(tokens: list[Token], k: int, starts: Collection[int]) -> bool:
    """A capitalised name at k followed by a plural place word: the second half of "X and Y villages"."""
    if k >= len(tokens) or not tokens[k].is_cap:
        return False
    j = _run_end(tokens, k, None, starts)
    return j < len(tokens) and tokens[j].low in _TYPE_PLURAL and tokens[j].low != "communities"


def _after_locative(tokens: list[Token], i: int, prev: str, prev2: str, by_start: Mapping[int, PlaceMention],
                    j: int) -> bool:
    """An unknown name in a place's slot: after "in/at/near", "the raid on", "raided", or listed with a
    known place ("in Maro and Kufana"), and followed by what follows a place (a comma, "on Sunday")."""
    n = len(tokens)
    nxt = tokens[j].low if j < n else "."
    if nxt not in _AFTER_NAME and not (j < n and tokens[j].kind == "word" and not tokens[j].is_cap
                                       and (nxt.endswith("ed") or nxt in _VERBS_AFTER)):
        return False  # "in Kigoogwa said", "the raid on Mucojo includes"; not "in Hezbollah strongholds"
    if prev in _PREPOSITIONS or (prev == "on" and prev2 in _ATTACK_NOUNS) or prev in _ATTACK_VERBS:
        return True
    if prev in {"and", ","}:
        # a list whose earlier member is a known place after a preposition: "in Maro and Kufana"
        k = i - 2
        while k >= 0 and i - k < 12:
            m = by_start.get(k)
            if m is not None and k > 0 and tokens[k - 1].low in _PREPOSITIONS:
                return True
            if tokens[k].low in {".", ";"}:
                break
            k -= 1
    return False


def _key(tokens: list[Token], start: int, end: int) -> str:
    return " ".join(t.low for t in tokens[start:end] if t.kind == "word")


def _in_headline(tokens: list[Token], cache: list[bool], i: int) -> bool:
    if not cache:
        cache.extend(_title_case_sentences(tokens))
    return cache[i]


def _title_case_sentences(tokens: list[Token]) -> list[bool]:
    """True inside a stretch where most words are capitalised (a Title Case headline)."""
    flags = [False] * len(tokens)
    start = 0
    for k in range(len(tokens) + 1):
        if k == len(tokens) or tokens[k].text in {".", "\n", "!", "?"}:
            words = [t for t in tokens[start:k] if t.kind == "word" and len(t.text) > 3]
            if len(words) >= 4 and sum(t.is_cap for t in words) >= 0.7 * len(words):
                for x in range(start, k):
                    flags[x] = True
            start = k + 1
    return flags


def _whole_names(tokens: list[Token], mentions: list[PlaceMention], masked: list[bool], caps: list[int],
                 community_firsts: Collection[str], starts: Collection[int],
                 firsts: Collection[str]) -> list[PlaceMention]:
    """Replace partial gazetteer hits inside a longer name written as a place ("Ain Zara district")."""
    n = len(tokens)
    if not any((m.start > 0 and tokens[m.start - 1].is_cap) or (m.end < n and tokens[m.end].is_cap)
               or (m.end + 1 < n and tokens[m.end].text == "-" and tokens[m.end + 1].is_cap)
               or (m.end < n and tokens[m.end].low in _NAME_JOINERS)
               or (m.end + 1 < n and tokens[m.end].text == "-" and tokens[m.end + 1].low in _NAME_JOINERS)
               or (m.start > 1 and tokens[m.start - 1].low in _NAME_JOINERS) for m in mentions):
        return mentions  # no hit has a capitalised neighbour: nothing is part of a longer name
    covering: dict[int, PlaceMention] = {}
    for m in mentions:
        for k in range(m.start, m.end):
            covering[k] = m
    removed: set[int] = set()       # ids of the partial hits a whole name replaces
    added: list[PlaceMention] = []
    i = 0
    for c in caps:
        if c < i:
            continue
        i = c
        if tokens[i].low in _TITLES or masked[i] or tokens[i].low in community_firsts \
                or not (i in covering or i + 1 in covering or i + 2 in covering):
            continue  # a run with no hit near its start has nothing to replace
        j = _run_end(tokens, i, None, starts)
        inside = {id(covering[k]): covering[k] for k in range(i, j) if k in covering}
        whole = len(inside) == 1 and next(iter(inside.values())).start <= i and next(iter(inside.values())).end >= j
        if j - i < 2 or not inside or whole or any(masked[k] for k in range(i, j)):
            i = max(j, i + 1)
            continue
        nxt = tokens[j].low if j < n else ""
        prev = tokens[i - 1].low if i > 0 else ""
        prev2 = tokens[i - 2].low if i > 1 else ""
        typed = nxt in _TYPE_AFTER or nxt in _SUBPLACE_WORDS or nxt == "camp" or (prev == "of" and prev2 in _OF_WORDS) \
            or (prev in _PREPOSITIONS and i not in covering and tokens[i].low not in _GENERIC
                and not tokens[j - 1].low.endswith("'s") and tokens[i].low not in _NOT_AFTER_PREPOSITION
                and nxt not in _PEOPLE_NOUNS)  # "in Bint Jbeil", "near Pir Baba": one name
        joined = any(tokens[k].low in _NAME_JOINERS for k in range(i + 1, j - 1))  # "Lanao del Sur"
        if joined or typed and not any(m.entry.level in ("country", "region", "area")
                                       and _key(tokens, m.start, m.end) not in _GENERIC_NEED_TYPE
                                       for m in inside.values()):
            # filtered once at the end: rebuilding the list at every whole name made a long run quadratic
            removed.update(inside)
            added.append(_structural(_join(tokens, i, j), "neighbourhood" if nxt in _SUBPLACE_WORDS else "locality",
                                     None, i, j))
        i = j
    if not added:
        return list(mentions)
    return [m for m in mentions if id(m) not in removed] + added


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


def _with_role(tokens: list[Token], m: PlaceMention, dateline: int = 0,
               surrounds: PlaceMention | None = None) -> PlaceMention:
    """How the place relates to the sentence: the scene, the source's base, an origin, a destination.

    `surrounds` is the place this one follows as its surroundings ("X, near Y", "X in Y", "X off Y").
    """
    if m.start < dateline:
        return PlaceMention(m.entry, m.start, m.end, "dateline")  # where the story was filed, not the scene
    prev = tokens[m.start - 1] if m.start > 0 else None
    nxt = tokens[m.end] if m.end < len(tokens) else None
    role = "plain"
    if prev is not None and prev.low == "in" and m.start > 1 and tokens[m.start - 2].low in _REPORTED:
        role = "reference"   # "said in Islamabad that ...": where it was said, a fallback like a source
    elif prev is not None and prev.low in {"to", "towards", "toward"}:
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
    elif surrounds is not None and surrounds.depth >= m.depth:
        role = "reference"   # "Doron Baga, near Kukawa", "Kalingi in the Itombwe highlands": the first one is the scene
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
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("ı", "i"))  # Turkish dotless i
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isascii())
