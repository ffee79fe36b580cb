"""The extract stage: one item in, its signals out. Pure: the gazetteer and lexicon are loaded once by
`load_extractor` and passed in; nothing here reads files, the clock or the network.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from warnd.config.loader import read_yaml
from warnd.extract import toll_scope
from warnd.extract.attribution import CUE_WORDS, attribute, find_cues
from warnd.extract.casualties import Figure, find_figures
from warnd.extract.casualty_list import NO_FACTS, TollFacts, casualty_list
from warnd.extract.communities import find_targeted
from warnd.extract.events import attack_type
from warnd.extract.gazetteer import Entry, Gazetteer, load_gazetteer
from warnd.extract.glossary import Glossary, is_glossary, load_glossaries
from warnd.extract.language import ENGLISH, Detector, item_language
from warnd.extract.lexicon import Lexicon, load_lexicon
from warnd.extract.places import PlaceMention, find_places
from warnd.extract.tokens import Token, sentences, tokenize
from warnd.types import Casualty, Item, Place, Signals

_REPORTING = frozenset({"said", "says", "told", "according", "reported", "reports", "claimed", "announced",
                        "confirmed", "stated", "estimated", "estimates"})
_SCENE_ROLES = frozenset({"plain"})
# tokens the toll passes look at: cues, start-of-count words, "nationwide"/coast words, semicolons
_TOLL_MARKS = CUE_WORDS | toll_scope.MARKS | {";"}
_NOTHING = (None, None, None)
_STOPS = _REPORTING | {";"}


@dataclass(frozen=True, slots=True)
class Extractor:
    """Turns item text into signals with one gazetteer and one lexicon."""

    gazetteer: Gazetteer
    lexicon: Lexicon
    glossaries: Mapping[str, Glossary] = field(default_factory=dict)   # the languages read besides English
    detector: Detector = field(default_factory=Detector, compare=False)

    @property
    def reads(self) -> frozenset[str]:
        """The languages this extractor reads (ISO 639-1 codes)."""
        return frozenset({ENGLISH, *self.glossaries})

    def language_of(self, text: str, declared: str | None = None) -> str:
        """The language `text` is read in: `declared` (a feed's or the operator's), else detected."""
        return item_language(declared, text, self.detector)

    def extract(self, item: Item) -> Signals:
        """The signals of one item; structured items keep theirs, gaining region/country if missing.
        An item in a language warnd does not read gives no signals, only its language and `read=False`."""
        if item.signals is not None:
            return self._complete(item.signals)
        language = self.language_of(item.text, item.language)
        if language not in self.reads:
            return Signals(language=language, read=False)
        if item.published_at is None:
            return self._extract(item.text, published=None, language=language)
        shift = _replay_delta(item) if item.notes else None
        if shift is None:
            return self._extract(item.text, published=item.published_at.date(), language=language)
        # a replayed recording: "since Thursday" means the Thursday before the recorded date, moved
        # by the same shift as the item (a weekday of the shifted date would name another day)
        signals = self._extract(item.text, published=(item.published_at - shift).date(), language=language)
        moved = tuple(dataclasses.replace(c, since=c.since + timedelta(days=shift.days)) if c.since else c
                      for c in signals.casualties)
        return dataclasses.replace(signals, casualties=moved)

    def extract_text(self, text: str, *, published: date | None = None, language: str | None = None) -> Signals:
        """The signals of a bare text (no title/summary split); `published` is the item's date, which
        relative dates ("since Thursday") resolve against (without it they give no `since`);
        `language` its declared language (detected when None)."""
        lang = self.language_of(text, language)
        if lang not in self.reads:
            return Signals(language=lang, read=False)
        return self._extract(text, published=published, language=lang)

    def _extract(self, text: str, *, published: date | None, language: str) -> Signals:
        published_year = published.year if published is not None else None
        tokens = tokenize(text)
        if language != ENGLISH:
            tokens = self.glossaries[language].apply(tokens)
        spans = sentences(tokens, text)
        mentions = find_places(tokens, self.gazetteer, self.lexicon, spans)
        figures = find_figures(tokens, spans, published_year=published_year)
        _assign_locations(tokens, spans, figures, mentions)
        place_tokens = frozenset(k for m in mentions for k in range(m.start, m.end))
        # Background history is not harm now: its figures do not make a community a target today.
        groups = find_targeted(tokens, spans, self.lexicon, place_tokens,
                               {f.start: f.kind.value for f in figures if not f.historical},
                               published_year=published_year)
        places = _unique_places(mentions)
        facts = self._toll_facts(tokens, spans, figures, mentions, published) if figures else None
        casualties = casualty_list(figures, {m.entry.name: m.entry.depth for m in mentions}, facts)
        region, country = _main_region(casualties, mentions)
        places = self._with_scopes(places, casualties, country)
        return Signals(casualties=casualties, places=places, targeted_groups=groups, region=region,
                       country=country, event_type=attack_type(tokens) if casualties else None,
                       language=language)

    def _with_scopes(self, places: tuple[Place, ...], casualties: Sequence[Casualty],
                     country: str | None) -> tuple[Place, ...]:
        """`places` plus each running toll's scope that the text names only as a whole ("across the
        country", "Latakia, Tartus and Homs provinces"): the store reads a scope's level, region and
        country there."""
        named = {p.name for p in places}
        extra: list[Place] = []
        for c in casualties:
            if c.scope and c.scope not in named:
                entry = self.best_entry(c.scope, country)
                if entry is not None:
                    extra.append(Place(entry.name, entry.place_level, entry.region, entry.country))
                    named.add(c.scope)
        return places + tuple(extra) if extra else places

    def _toll_facts(self, tokens: list[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure],
                    mentions: Sequence[PlaceMention], published: date | None) -> list[TollFacts]:
        """What each figure counts: since, scope and source (toll_scope.py, attribution.py)."""
        marks = [k for k, t in enumerate(tokens) if t.low in _TOLL_MARKS]   # the one pass over the tokens
        country = _item_country(mentions)
        since, scope = toll_scope.since_and_scope(tokens, spans, figures, mentions, published, marks,
                                                  self.lexicon.demonyms, country)
        if marks:
            source = attribute(tokens, spans, figures, find_cues(tokens, spans, self.lexicon.sources, country, marks),
                               marks)
        else:
            source = [toll_scope.ABSENT] * len(figures)
        carried = toll_scope.carry_from(tokens, spans, figures)
        # no part and no continued toll (most items): nothing to carry
        carry = carried if any(c is not None for c in carried) else None
        return [TollFacts(*values) if values != _NOTHING else NO_FACTS  # type: ignore[arg-type]
                for values in zip(toll_scope.resolve(since, carry), toll_scope.resolve(scope, carry),
                                  toll_scope.resolve(source, carry), strict=True)]

    def _complete(self, signals: Signals) -> Signals:
        if signals.region is not None and signals.country is not None:
            return signals
        names = [p.name for p in signals.places] + [c.location for c in signals.casualties if c.location]
        region, country = signals.region, signals.country
        for place in signals.places:
            region = region or place.region
            country = country or place.country
        for name in names:
            if region is not None and country is not None:
                break
            entry = self.best_entry(name, country)
            if entry is not None:
                region = region or entry.region
                country = country or entry.country
        if country is None and region is not None:
            entry = self.best_entry(region, None)
            country = entry.country if entry is not None else None
        return dataclasses.replace(signals, region=region, country=country)

    def best_entry(self, name: str, country: str | None) -> Entry | None:
        """The gazetteer place a bare name most likely means (in `country` when given)."""
        from warnd.extract.gazetteer import name_key
        names = self.gazetteer.lookup(name_key(name))
        if country is not None:
            names = tuple(n for n in names if n.entry.country == country) or names
        if not names:
            return None
        return max(names, key=lambda n: (n.primary, n.entry.curated, n.entry.level == "region",
                                         n.entry.population)).entry


def _replay_delta(item: Item) -> timedelta | None:
    # imported here: warnd.parse brings feedparser, which extraction alone does not need
    from warnd.parse.replay import replay_delta
    return replay_delta(item)


def load_extractor(gazetteer_files: Sequence[Path] = (), lexicon_files: Sequence[Path] = ()) -> Extractor:
    """An extractor with the bundled gazetteer, lexicon and language glossaries, plus operator files on
    top. A lexicon file that says `language:` is a language's glossary (glossary.py), any other a
    community lexicon (lexicon.py).

    Raises:
        ConfigError: a bad operator file, with file:line:col for each problem.
    """
    docs = [read_yaml(p) for p in lexicon_files]
    return Extractor(load_gazetteer(gazetteer_files), load_lexicon([d for d in docs if not is_glossary(d)]),
                     load_glossaries([d for d in docs if is_glossary(d)]))


def _unique_places(mentions: Sequence[PlaceMention]) -> tuple[Place, ...]:
    seen: dict[str, Place] = {}
    for m in mentions:
        e = m.entry
        if e.name not in seen:
            seen[e.name] = Place(e.name, e.place_level, e.region, e.country)
    return tuple(seen.values())


_REPORT_REACH = 40  # tokens before a figure searched for "said"/"according": bounded, so linear in the text


def _list_head(mentions: Sequence[PlaceMention], tokens: list[Token], seg_a: int) -> PlaceMention | None:
    """The first place of a list that the figure's segment continues, if it does.

    In "killed in Latakia, Tartus and Homs provinces ... to 1,018" the comma after Latakia lists
    places, it does not end the clause; the figure belongs to the list's first place, as it does
    for "in Latakia and Tartus".
    """
    first = next((m for m in mentions if m.start >= seg_a), None)
    if first is None or first.start != seg_a:
        return None
    head: PlaceMention | None = None
    for m in reversed([m for m in mentions if m.end < seg_a]):
        if m.role not in _SCENE_ROLES or not all(tokens[k].text == "," for k in range(m.end, seg_a)):
            break
        head, seg_a = m, m.start
    return head


def _assign_locations(tokens: list[Token], spans: Sequence[tuple[int, int]], figures: list[Figure],
                      mentions: Sequence[PlaceMention]) -> None:
    """Give each figure the most specific place it refers to.

    Narrowest first: the figure's own comma segment, its clause, the previous figure of the sentence,
    the stretch between its neighbours, the sentence, then the previous figure or the nearest earlier
    sentence naming a place (a title, usually). Every step is bounded, so the cost is linear.
    """
    by_sentence: list[list[PlaceMention]] = [[] for _ in spans]
    starts = [a for a, _ in spans]
    for m in mentions:
        by_sentence[bisect.bisect_right(starts, m.start) - 1].append(m)
    mention_starts = [[m.start for m in ms] for ms in by_sentence]

    def between(s_index: int, a: int, b: int) -> list[PlaceMention]:
        """The sentence's place mentions starting in [a, b), by bisection (mentions are in text order)."""
        keys = mention_starts[s_index]
        return by_sentence[s_index][bisect.bisect_left(keys, a):bisect.bisect_left(keys, b)]

    # semicolons and reporting verbs, found once: each figure then bisects instead of walking tokens
    stops = [k for k, t in enumerate(tokens) if t.low in _STOPS] if figures else []
    semicolons = [k for k in stops if tokens[k].text == ";"]
    reports = [k for k in stops if tokens[k].text != ";"]
    previous_location: str | None = None
    last_placed_sentence = -1     # the latest sentence before the current one that names a place
    last_seen = -1
    for i, f in enumerate(figures):
        while last_seen + 1 < f.sentence:
            last_seen += 1
            if by_sentence[last_seen]:
                last_placed_sentence = last_seen
        lo, hi = spans[f.sentence]
        prev_fig = figures[i - 1] if i > 0 and figures[i - 1].sentence == f.sentence else None
        next_fig = figures[i + 1] if i + 1 < len(figures) and figures[i + 1].sentence == f.sentence else None
        start = max(prev_fig.end if prev_fig is not None else lo, f.start - 4 * _REPORT_REACH)
        end = min(next_fig.start if next_fig is not None else hi, f.end + 4 * _REPORT_REACH)
        before = bisect.bisect_left(semicolons, f.start) - 1
        if before >= 0 and semicolons[before] >= start:
            start = semicolons[before] + 1
        after = bisect.bisect_left(stops, max(f.end, f.anchor))
        if after < len(stops) and stops[after] < end:
            end = stops[after]
        reported_at = reports[bisect.bisect_left(reports, max(lo, f.start - _REPORT_REACH)):
                              bisect.bisect_left(reports, f.start)]
        window = between(f.sentence, start, end)
        # narrowest first: the figure's own comma segment ("killed 12 people in Jableh, ..."), then its
        # clause ("clerics in Jos appealed for calm after gunmen killed 27 people in Bassa"), then the window
        seg_a, seg_b = f.segment
        clause = _clause_start(tokens, start, min(f.start, f.anchor))
        seg_a = max(seg_a, clause)
        # the list is looked for near the segment only: a run-on "sentence" naming thousands of
        # places made this scan quadratic (every figure walked every place before it)
        listed = _list_head(between(f.sentence, max(lo, seg_a - 4 * _REPORT_REACH), seg_b), tokens, seg_a)
        chosen = ((listed if listed is not None and not any(listed.end <= k for k in reported_at) else None)
                  or _pick([m for m in window if seg_a <= m.start < seg_b], f, reported_at, strict=True)
                  or (_pick([m for m in window if m.start >= clause], f, reported_at, strict=True)
                      if clause > start else None))
        if chosen is None and prev_fig is not None and prev_fig.location is not None:
            f.location = prev_fig.location  # "... in Sanaa, bringing to 23 the number held": the same place
            previous_location = f.location
            continue
        chosen = chosen or _pick(window, f, reported_at)
        if chosen is None:
            seg_start = _after_semicolon(tokens, max(lo, f.start - 4 * _REPORT_REACH), f.start)
            nearby = between(f.sentence, f.start - 4 * _REPORT_REACH, f.start + 4 * _REPORT_REACH + 1)
            chosen = _pick([m for m in nearby if m.start >= seg_start], f, reported_at) \
                or _pick(nearby, f, reported_at)
        if chosen is None and previous_location is None and last_placed_sentence >= 0:
            # "Clashes in Sweida\nAt least 30 people were wounded.": the nearest earlier sentence that
            # names a place (the title, usually) says where
            chosen = _pick(by_sentence[last_placed_sentence], f, ())
        if chosen is not None:
            f.location = chosen.entry.name
        elif previous_location is not None:
            f.location = previous_location
        previous_location = f.location or previous_location


_CLAUSE_WORDS = frozenset({"after", "when", "while", "as", "before", "because", "until", "amid", "whereas"})


def _clause_start(tokens: list[Token], lo: int, at: int) -> int:
    """Where the clause holding token `at` begins: after the last clause word before it."""
    for k in range(at - 1, lo - 1, -1):
        if tokens[k].low in _CLAUSE_WORDS:
            return k + 1
    return lo


def _after_semicolon(tokens: list[Token], lo: int, at: int) -> int:
    for k in range(at - 1, lo - 1, -1):
        if tokens[k].text == ";":
            return k + 1
    return lo


def _pick(window: Sequence[PlaceMention], f: Figure, reported_at: Sequence[int], *,
          strict: bool = False) -> PlaceMention | None:
    """The most specific scene place in the window; places of the source, of origin or of reference
    ("north of Sinjar") only as a fallback, and not at all when `strict`."""
    usable = [m for m in window if m.role in _SCENE_ROLES or m.role in ("from", "reference")]
    if not usable:
        return None

    def attributed(m: PlaceMention) -> bool:
        return m.role in ("from", "reference") or any(m.end <= k for k in reported_at)

    scene = [m for m in usable if not attributed(m)]
    if not scene and strict:
        return None
    scene = scene or usable
    return max(scene, key=lambda m: (m.depth, -abs(m.start - f.start)))


def _item_country(mentions: Sequence[PlaceMention]) -> str | None:
    """The country the item's places name most often (the first of a tie): where an unnamed
    "the coast" or "the monitor" is."""
    counts: dict[str, int] = {}
    for m in mentions:
        country = m.entry.country
        if country is not None and m.role != "compound":
            counts[country] = counts.get(country, 0) + 1
    if len(counts) < 2:
        return next(iter(counts), None)
    return max(counts, key=counts.__getitem__)


def _main_region(casualties: Sequence[Casualty],
                 mentions: Sequence[PlaceMention]) -> tuple[str | None, str | None]:
    """The item's first-level region and country: those of its first figure located below country level
    (a headline's "Pakistan: 42 killed" yields to the body's "in Kurram"), else of its places."""
    by_name = {m.entry.name: m.entry for m in mentions}
    located = [by_name[c.location] for c in casualties if c.location is not None and c.location in by_name]
    for e in sorted(located, key=lambda e: e.region is None):
        if e.country is not None:
            return e.region, e.country
    region = next((m.entry.region for m in mentions if m.entry.region and m.role in _SCENE_ROLES), None)
    region = region or next((m.entry.region for m in mentions if m.entry.region), None)
    country = None
    if region is not None:
        country = next((m.entry.country for m in mentions if m.entry.region == region), None)
    country = country or next((m.entry.country for m in mentions if m.entry.country), None)
    return region, country
