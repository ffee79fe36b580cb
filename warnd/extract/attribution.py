"""Who a figure is attributed to: the named source of the figure ("the Syrian Observatory for Human
Rights said", "according to the health ministry", "SOHR reported"), or null.

A figure takes the reporting cue nearest to it in its own sentence and semicolon clause (at most
`_CUE_REACH` tokens away): "said", "says", "told", "reported", "according to", "announced",
"confirmed", ... The cue's source is its subject ("the UN's OCHA said"), the object of "according
to", or, for an inverted cue (", said the regional governor"), the phrase after it. That phrase is
then read as:

1. a known source (`Sources`, from data/sources.yaml and operator lexicon files), by any of its
   spellings, longest first: "SOHR", "the Syrian Observatory for Human Rights" and "a UK-based war
   monitor" are all "Syrian Observatory for Human Rights". A spelling that ends a longer capitalised
   name is not it ("the Uganda Red Cross" is not the ICRC);
2. a relay — a wire agency or broadcaster ("Reuters reported", "told AFP"): never the source;
3. a generic reference ("the Observatory", "the monitor", "the ministry", "it") to the last source
   named before it in the item whose generic words include it; with none, a known source implied in
   the item's country (in Syria reporting "the war monitor" is the Observatory); else null;
4. an organisation or office by its head word ("the X ministry / office / agency / observatory /
   network / committee / council / ... said"), named as written: determiners dropped, words
   capitalised, "Ministry of Health" turned to "Health Ministry", a place after it ("in Gaza")
   dropped. Indefinite or plural heads ("a rights group", "local officials", "residents") name no
   source: null. People ("a regional official", "the governor") are not sources either: null.

"told" takes its subject, never its object ("local officials told Reuters": null; "residents told
the monitor": null). A figure whose sentence has no cue may be attributed by the next sentence when
that one states no figure and opens on the toll ("The figures come from the health ministry").

Every look-around is bounded by a token window, and a source spelling is matched over at most its
length in words, so the pass is linear in the text.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warnd.extract import casualty_words as W
from warnd.extract.lexicon import Sources
from warnd.extract.tokens import Token
from warnd.extract.toll_scope import ABSENT, Absent

if TYPE_CHECKING:
    from warnd.extract.casualties import Figure

# Reporting verbs whose subject is the figure's source.
_STRONG = frozenset({"said", "says", "say", "told", "tells", "reported", "reports", "announced", "announces",
                     "confirmed", "confirms", "stated", "added", "estimated", "estimates", "warned",
                     "warns", "according", "citing", "quoted", "counted", "recorded", "documented"})
# Verbs that attribute only when their subject is a named source ("The monitor raised its count to 1,018").
_WEAK = frozenset({"put", "puts", "raised", "raises", "released", "published", "issued", "updated", "revised",
                   "lists", "listed", "tallied", "registered", "verified"})
_BY_VERBS = frozenset({"compiled", "provided", "released", "given", "issued", "published", "come", "comes",
                       "came", "collected", "gathered", "documented", "recorded", "confirmed", "verified"})
_ADJECTIVAL = frozenset({"estimated", "estimate", "estimates", "reported", "confirmed", "recorded", "documented"})
_ARTICLES = frozenset({"an", "a", "the", "some"})
_TIME_WORDS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "on", "at",
                         "yesterday", "today", "tonight", "since", "by", "after", "before", "during"})
# words that open a cue's own complement: "the army said it had arrested 22" states something else
_COMPLEMENT = frozenset({"that", "it", "they", "he", "she", "there", "the", "a", "an", "its", "their", "his", "her",
                         "some", "at", "more", "about", "nearly", "over", "up", "dozens", "hundreds", "another",
                         "no", "all", "most", "several", "many", "police", "troops", "gunmen"})
_CUE_REACH = 40      # tokens between a figure and its cue
_SPAN = 10           # words of a source phrase
CUE_WORDS = _STRONG | _WEAK | {"by", "from"}
_BREAKS = frozenset({",", ";", ".", ":", "(", ")", "—", "–", '"', "“", "”", "that", "and", "but", "while", "when",
                     "after", "as", "which", "who", "because", "if", "though", "although", "where", "whose",
                     "?", "!", "or", "than", "including"})
_SKIP_BEFORE = frozenset({"also", "has", "have", "had", "later", "earlier", "separately", "further", "previously",
                          "again", "first", "then", "now", "would", "will", "recently", "initially",
                          "subsequently", "yesterday", "today"})
_DETERMINERS = frozenset({"the", "its", "their", "his", "her", "local"})
_INDEFINITE = frozenset({"a", "an", "another", "one", "some", "several", "two", "three", "many", "various",
                         "other", "unnamed", "anonymous"})
# Head words of an organisation or office, and the plural forms that name no single source.
HEADS = frozenset({"ministry", "office", "agency", "observatory", "network", "committee", "council",
                   "commission", "authority", "directorate", "department", "mission", "institute", "centre",
                   "center", "service", "services", "foundation", "society", "crescent", "cross", "organisation",
                   "organization", "watch", "monitor", "watchdog", "union", "coalition", "federation",
                   "association", "bureau", "board", "tribunal", "court", "defence", "defense", "police",
                   "army", "military", "government", "administration", "secretariat", "programme", "program",
                   "fund", "group", "project", "unit", "command", "taskforce", "task", "presidency", "cabinet",
                   "prosecutor's", "ombudsman", "gendarmerie", "junta"})
_PLURAL = frozenset({"officials", "sources", "residents", "groups", "agencies", "organisations", "organizations",
                     "ministries", "offices", "authorities", "medics", "doctors", "witnesses", "activists",
                     "survivors", "people", "villagers", "locals", "elders", "leaders", "rescuers", "workers",
                     "police officers", "officers", "soldiers", "relatives", "families", "monitors", "ngos"})
# Heads that name a source only with words before them ("the Hengaw rights group", not "the group").
_GENERIC_ONLY = frozenset({"group", "unit", "project", "board", "union", "task", "fund", "programme", "program",
                           "service", "services", "center", "centre", "court"})
# Institutions named by their head alone: "police said" is the police, not a reference back.
_INSTITUTIONS = frozenset({"police", "army", "military", "government", "junta", "gendarmerie", "presidency",
                           "cabinet"})
_SMALL = frozenset({"of", "for", "and", "the", "on", "in", "de", "al"})
_PRONOUNS = frozenset({"it"})
_TOLL_OPENERS = frozenset({"toll", "tolls", "figure", "figures", "count", "counts", "tally", "number", "numbers",
                           "data", "estimate", "estimates"}) | W.TOLL_NOUNS


@dataclass(frozen=True, slots=True)
class Cue:
    """A reporting cue and what its phrase names."""

    at: int                 # the cue token
    strong: bool
    source: str | None      # canonical name, or None for an unnamed or relayed source
    opens: bool = False     # "the army said it had arrested ...": it opens a statement of its own


@dataclass(slots=True)
class _Context:
    sources: Sources
    country: str | None
    recent: list[tuple[str, frozenset[str]]]   # named sources so far: (name, generic words that refer to it)


def find_cues(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], sources: Sources,
              country: str | None, marks: Sequence[int] | None = None) -> list[Cue]:
    """Every reporting cue of the item with its source, in text order (one pass; references resolve
    to the sources named before them). `marks`, when given, are the positions of every token that
    may be a cue (a superset of CUE_WORDS' positions)."""
    ctx = _Context(sources, country, [])
    out: list[Cue] = []
    positions = [k for k in marks if tokens[k].low in CUE_WORDS] if marks is not None \
        else [k for k, t in enumerate(tokens) if t.low in CUE_WORDS]
    starts = [a for a, _ in spans]
    for k in positions:
        lo, hi = spans[bisect.bisect_right(starts, k) - 1]
        low = tokens[k].low
        if low in {"by", "from"}:
            if k > lo and tokens[k - 1].low in _BY_VERBS:
                # "the figures were compiled by the Observatory", "the toll comes from OCHA"
                out.append(Cue(k, True, _read(tokens, k + 1, _forward_end(tokens, k + 1, hi), ctx)))
            continue
        if low == "according":
            if k + 1 < hi and tokens[k + 1].low == "to":
                out.append(Cue(k, True, _read(tokens, k + 2, _forward_end(tokens, k + 2, hi), ctx)))
            continue
        if low in {"citing", "quoted"}:
            out.append(Cue(k, True, _read(tokens, k + 1, _forward_end(tokens, k + 1, hi), ctx)))
            continue
        a = _subject_start(tokens, lo, k)
        if a is None:
            if low in _WEAK:
                continue
            # ", said the state's deputy governor": the phrase after an inverted cue
            b = _forward_end(tokens, k + 1, hi)
            out.append(Cue(k, True, _read(tokens, k + 1, b, ctx) if b > k + 1 else None))
            continue
        if low in _ADJECTIVAL and tokens[k - 1].low in _ARTICLES:
            continue   # "an estimated 530,000": a hedge, not a verb
        source = _read(tokens, a, _subject_end(tokens, a, k), ctx)
        if low in _WEAK and source is None:
            continue
        opens = k + 1 < hi and (tokens[k + 1].low in _COMPLEMENT or tokens[k + 1].kind == "num")
        out.append(Cue(k, low in _STRONG, source, opens))
    return out


def _subject_start(tokens: Sequence[Token], lo: int, k: int) -> int | None:
    """Where the subject of the verb at k begins, or None when no noun phrase precedes it."""
    j = k - 1
    while j >= lo and tokens[j].low in _SKIP_BEFORE:
        j -= 1
    if j < lo or tokens[j].low in _BREAKS or tokens[j].kind == "num":
        return None
    a = j
    while a - 1 >= lo and j - (a - 1) < _SPAN and tokens[a - 1].low not in _BREAKS \
            and tokens[a - 1].kind != "num" and tokens[a - 1].low not in W.STATE_WORDS \
            and tokens[a - 1].low not in _TIME_WORDS:
        a -= 1   # not "on Tuesday the RNDDH network put ...": a time phrase is no part of the subject
    return a


def _subject_end(tokens: Sequence[Token], a: int, k: int) -> int:
    j = k
    while j - 1 > a and tokens[j - 1].low in _SKIP_BEFORE:
        j -= 1
    return j


def _forward_end(tokens: Sequence[Token], j: int, hi: int) -> int:
    """The end of the phrase after "according to" / an inverted "said": up to a break or "on Sunday"."""
    b = j
    while b < hi and b - j < _SPAN and tokens[b].low not in _BREAKS and tokens[b].low not in {"on", "in", "by"} \
            and tokens[b].kind != "num":
        b += 1
    return b


def _read(tokens: Sequence[Token], a: int, b: int, ctx: _Context) -> str | None:
    """The source a phrase names (the module docstring's order); records a named one for references."""
    if a >= b:
        return None
    known_words = ctx.sources.words
    if not any(tokens[k].low in HEADS or tokens[k].low in known_words or tokens[k].low in _PRONOUNS
               or tokens[k].low.removesuffix("'s") in known_words for k in range(a, b)):
        return None   # "local officials", "residents", "medics": no word a source could be named by
    words = [k for k in range(a, b) if tokens[k].kind != "punct"]
    if not words:
        return None
    known = _known(tokens, words, ctx.sources)
    if known is not None and known[0] in ctx.sources.umbrellas and known[2] < len(words) and any(
            tokens[k].low in HEADS for k in words[known[2]:]):
        known = None   # "the UN mission": the office of an umbrella body it names, read below
    if known is not None:
        name, relay, _ = known
        if relay:
            return None
        ctx.recent.append((name, ctx.sources.refer.get(name, frozenset())))
        return name
    lows = [tokens[k].low for k in words]
    first = 0
    while first < len(lows) and lows[first] in _DETERMINERS:
        first += 1
    if first >= len(lows):
        return None
    if lows[first] in _INDEFINITE:
        return None   # "a rights group", "another source": unnamed
    for i in range(first, len(lows) - 1):   # "the monitor's field network": the monitor's
        owner = lows[i].removesuffix("'s")
        if owner != lows[i] and owner in ctx.sources.generic:
            return _refer(owner, ctx)
    if len(lows) - first == 1 and lows[first] in _PRONOUNS:
        return ctx.recent[-1][0] if ctx.recent else None
    rest = " ".join(lows[first:])
    if rest in ctx.sources.generic and rest not in _INSTITUTIONS:
        # "the tracker", "the civil defence": a word an operator listed; unresolved, a phrase with an
        # office's head word is still that office ("the civil defence" in Gaza)
        found = _refer(rest, ctx)
        if found is not None or " " not in rest:
            return found
    head = max((i for i in range(first, len(lows)) if lows[i] in HEADS), default=None)
    if head is None or lows[-1] in _PLURAL:
        return None
    if head == len(lows) - 1 and lows[head] not in _INSTITUTIONS and (
            head == first or (head == first + 1 and lows[first] in {"war", "rights", "monitoring", "aid"})):
        return _refer(" ".join(lows[first:head + 1]), ctx)   # "the Observatory", "the war monitor"
    if lows[head] in _GENERIC_ONLY and not any(tokens[words[i]].is_cap for i in range(first, head + 1)):
        return None   # "the farmers' union", "the rescue group": a description, not a name
    end = head + 1
    while end + 1 < len(lows) and lows[end] in {"of", "for"} and tokens[words[end + 1]].is_cap:
        end += 2
        while end < len(lows) and (tokens[words[end]].is_cap or lows[end] in {"and", "of"}):
            end += 1
    name = _name([tokens[words[i]].text for i in range(first, end)])
    ctx.recent.append((name, frozenset({lows[head]})))
    return name


def _known(tokens: Sequence[Token], words: Sequence[int], sources: Sources) -> tuple[str, bool, int] | None:
    """The first known source or relay spelled in the words, longest spelling first: its name,
    whether it is a relay, and the index in `words` just past its spelling."""
    for i, k in enumerate(words):
        most = sources.firsts.get(tokens[k].low)
        if most is None:
            continue
        for n in range(min(most, len(words) - i), 0, -1):
            key = tuple(tokens[words[i + m]].low for m in range(n))
            name = sources.names.get(key)
            if name is None and key not in sources.relays:
                continue
            before = tokens[words[i - 1]] if i > 0 else None
            if before is not None and before.is_cap and before.low not in _DETERMINERS:
                return None   # "the Uganda Red Cross": the end of a longer name, not the ICRC
            return (name, False, i + n) if name is not None else ("", True, i + n)
    return None


def _refer(head: str, ctx: _Context) -> str | None:
    """The source a generic word refers back to, else the one it implies in the item's country."""
    for name, words in reversed(ctx.recent):
        if head in words or head.rpartition(" ")[2] in words:
            return name
    for name in ctx.sources.implied.get(ctx.country or "", ()):
        words = ctx.sources.refer.get(name, frozenset())
        if head in words or head.rpartition(" ")[2] in words:
            ctx.recent.append((name, words))
            return name
    return None


def _name(texts: Sequence[str]) -> str:
    """ "the health ministry" -> "Health Ministry"; "Ministry of Health" -> "Health Ministry"."""
    if len(texts) == 3 and texts[0].lower() == "ministry" and texts[1].lower() == "of":
        texts = [texts[2], texts[0]]
    out = []
    for i, t in enumerate(texts):
        low = t.lower()
        if i and low in _SMALL:
            out.append(low)
        elif t.isupper() or any(c.isupper() for c in t[1:]):
            out.append(t)   # "OCHA", "UNHCR's", "McDonald"
        else:
            out.append(t[:1].upper() + t[1:])
    return " ".join(out)


def attribute(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure],
              cues: Sequence[Cue], marks: Sequence[int] | None = None) -> list[str | None | Absent]:
    """Each figure's source: its cue's (None when unnamed), or ABSENT when its clause has no cue."""
    at = [c.at for c in cues]
    out: list[str | None | Absent] = []
    semicolons = ([k for k in marks if tokens[k].text == ";"] if marks is not None
                  else [k for k, t in enumerate(tokens) if t.text == ";"]) if cues else []
    for f in figures:
        if not cues:
            out.append(ABSENT)
            continue
        lo, hi = spans[f.sentence]
        a, b = max(lo, f.start - _CUE_REACH), min(hi, f.end + _CUE_REACH)
        if semicolons:   # the figure's semicolon clause
            before = bisect.bisect_left(semicolons, f.start) - 1
            if before >= 0 and semicolons[before] >= a:
                a = semicolons[before] + 1
            after = bisect.bisect_left(semicolons, f.end)
            if after < len(semicolons) and semicolons[after] < b:
                b = semicolons[after]
        best = _nearest(cues[bisect.bisect_left(at, a):bisect.bisect_left(at, b)], f)
        if best is None and a > lo:
            # "..., the government said; at least 341 people have died since July": a clause after a
            # semicolon with no cue of its own goes on with the statement before it
            best = _nearest(cues[bisect.bisect_left(at, max(lo, f.start - _CUE_REACH)):bisect.bisect_left(at, a)], f)
        out.append(best.source if best is not None else ABSENT)
    _later_sentence(tokens, spans, figures, cues, at, out)
    return out


def _nearest(cues: Sequence[Cue], f: Figure) -> Cue | None:
    """The cue nearest to the figure (after it on a tie) that can attribute it."""
    best: Cue | None = None
    for c in cues:
        if c.opens and c.at > f.end:
            continue   # "putting the dead at 13, and the army said it had arrested 22 suspects"
        if (c.strong or c.source is not None) and (
                best is None or (abs(c.at - f.start), c.at < f.start) < (abs(best.at - f.start), best.at < f.start)):
            best = c
    return best


def _later_sentence(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure],
                    cues: Sequence[Cue], at: Sequence[int], out: list[str | None | Absent]) -> None:
    """ "The figures come from the health ministry.": a figure-less sentence opening on the toll
    attributes the cue-less figures of the sentence just before it."""
    with_figures = {f.sentence for f in figures}
    for s in sorted(with_figures):
        nxt = s + 1
        if nxt >= len(spans) or nxt in with_figures:
            continue
        lo, hi = spans[nxt]
        opening = [tokens[k].low for k in range(lo, min(hi, lo + 3))]
        if not any(w in _TOLL_OPENERS for w in opening):
            continue
        source = next((c.source for c in cues[bisect.bisect_left(at, lo):bisect.bisect_left(at, hi)]
                       if c.source is not None), None)
        if source is None:
            continue
        for i, f in enumerate(figures):
            if f.sentence == s and out[i] is ABSENT:
                out[i] = source

