"""What a figure counts: the day a running toll starts (`since`) and the place it covers (`scope`).

`since` is read from the phrase that governs the figure in its own clause — "since Thursday",
"since 6 March", "since the start of the year", "so far this year", "over the past three days",
"since the fighting began on 6 March", "since October 2023" — and resolved against the item's
published date: a weekday is the latest such day on or before it (a Thursday named in a Tuesday item
is last week's), a day and month without a year the latest such date on or before it, a month or a
year alone its first day. An undated item gives no date for a relative phrase. A "since" that gives
no date ("since the war began") or that follows a superlative ("the worst violence since 2011") is
no start the text gives: null.

`scope` is the place the figure's own clause names for it, at the level the text states: one place
is that place; several (a list, "in Latakia, Tartus and Homs provinces") are the smallest place
holding them all (their region, else their country); "nationwide", "across the country" and "the
coast" are the country. Places of the dateline, of the source ("the governor in Abeche said") and
of another clause ("as fighting spread to X") are not the toll's.

A figure that states neither takes them from the toll it continues (`carry_from`): a part from its
total, "Another 31 ..." or a restated "the toll rose to 1,018" from the toll frame before it. A
figure that states its own — even one that resolves to null — keeps it.

Every scan is bounded by a token window around the figure, and the phrases are found once per item,
so the cost is linear in the text.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final, NamedTuple

from warnd.extract import casualty_words as W
from warnd.extract.discourse import continues
from warnd.extract.places import PlaceMention
from warnd.extract.tokens import Token

if TYPE_CHECKING:
    from warnd.extract.casualties import Figure


class Absent:
    """The figure states nothing of its own: it may take its toll's value."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent()

WEEKDAYS = {name: i for i, name in enumerate(calendar.day_name[k].lower() for k in range(7))}
MONTHS = {**{calendar.month_name[m].lower(): m for m in range(1, 13)},
          **{calendar.month_abbr[m].lower(): m for m in range(1, 13)}, "sept": 9}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "a": 1, "few": 3}
_UNIT_DAYS = {"day": 1, "days": 1, "hour": 0, "hours": 0, "week": 7, "weeks": 7, "month": 30, "months": 30}
_SUPERLATIVES = frozenset({"worst", "deadliest", "bloodiest", "highest", "largest", "biggest", "heaviest",
                           "first", "most", "lowest", "fiercest", "ever", "time", "times", "longest", "since",
                           "greatest", "strongest", "gravest", "only"})
_START = frozenset({"start", "beginning", "outset", "onset"})
_EVENT_VERBS = frozenset({"began", "begun", "started", "erupted", "broke", "flared", "resumed", "escalated"})
# words ending the clause a since-phrase or a place belongs to: what follows is another clause
_CLAUSE_END = frozenset({";", ":", "as", "when", "while", "after", "which", "who", "where", "because", "amid",
                         "whereas", "although", "though", "but", "said", "says", "told", "according",
                         "before", "until", "making", "(", ")", "—", "–"})
_PHRASE_REACH = 14   # tokens after "since" searched for its date ("since the fighting began on 6 March")
_SCOPE_REACH = 40    # tokens either side of a figure searched for its places
_COUNTRY_WORDS = frozenset({"nationwide", "countrywide", "statewide"})
_ACROSS = frozenset({"across", "throughout"})
_WHOLE = frozenset({"country", "nation", "island"})
_COAST = frozenset({"coast", "coastal", "coastline", "seaboard"})
_COASTAL_WHOLE = frozenset({"provinces", "regions", "areas", "governorates", "region", "area", "belt", "strip",
                            "violence", "fighting", "clashes", "killings", "massacres", "unrest", "countryside"})
_REPORTING = frozenset({"said", "says", "told", "according", "reported", "announced", "confirmed", "stated"})

class Phrase(NamedTuple):
    """A start-of-count phrase: tokens [start, end), the date it gives (None: none the text gives) and
    whether it makes a running total ("since ...", "this year") or a fixed span ("the past 3 days")."""

    start: int
    end: int
    value: date | None
    running: bool


_TRIGGERS = frozenset({"since", "this", "past", "last"})


TRIGGERS = _TRIGGERS


def find_since_phrases(tokens: Sequence[Token], spans: Sequence[tuple[int, int]],
                       published: date | None, marks: Sequence[int] | None = None) -> list[Phrase]:
    """Every start-of-count phrase of the item, in text order (one linear pass). `marks`, when
    given, are the positions of every token that may start one (a superset of TRIGGERS' positions)."""
    out: list[Phrase] = []
    triggers = [k for k in marks if tokens[k].low in _TRIGGERS] if marks is not None \
        else [k for k, t in enumerate(tokens) if t.low in _TRIGGERS]
    if not triggers:
        return out
    starts = [a for a, _ in spans]
    for k in triggers:
        lo, hi = spans[bisect.bisect_right(starts, k) - 1]
        low = tokens[k].low
        if low == "since":
            if any(tokens[j].low in _SUPERLATIVES for j in range(max(lo, k - 4), k)) \
                    or (k + 1 < hi and tokens[k + 1].low in {"then", "when", "ever"}):
                continue  # "the deadliest day since 2011", "since then": no start of this count
            end, value = _since_date(tokens, k + 1, hi, published)
            out.append(Phrase(k, end, value, True))
        elif low == "this" and k + 1 < hi and tokens[k + 1].low in {"year", "month", "week"} \
                and not (k > lo and tokens[k - 1].low in {"later", "of", "next", "until", "by"}):
            unit = tokens[k + 1].low
            out.append(Phrase(k, k + 2, _period_start(unit, published), unit != "week"))
        elif low in {"past", "last"} and k - 2 >= lo and tokens[k - 1].low == "the" \
                and tokens[k - 2].low in {"in", "over", "during", "within", "for"}:
            window = _window(tokens, k + 1, hi, published)
            if window is not None:
                out.append(Phrase(k - 2, window[0], window[1], False))
    return out


def _since_date(tokens: Sequence[Token], j: int, hi: int, published: date | None) -> tuple[int, date | None]:
    """The date after "since" at token j: the phrase's end and its date (None: no date the text gives)."""
    found = _date_at(tokens, j, hi, published)
    if found is not None:
        return found
    if j + 3 < hi and tokens[j].low == "the" and tokens[j + 1].low in _START and tokens[j + 2].low == "of":
        k = j + 3
        if k < hi and tokens[k].low in {"the", "this"}:
            k += 1
        if k < hi and tokens[k].low in {"year", "month", "week"}:
            return k + 1, _period_start(tokens[k].low, published)
        found = _date_at(tokens, k, hi, published)   # "since the start of March"
        return found if found is not None else (k, None)
    # "since the fighting began on 6 March", "since the ambushes on Thursday", "since ... erupted in May 2023"
    for k in range(j, min(hi, j + _PHRASE_REACH)):
        low = tokens[k].low
        if low in _CLAUSE_END or tokens[k].text in {",", "."}:
            break
        if low in {"on", "in"} and k + 1 < hi:
            found = _date_at(tokens, k + 1, hi, published)
            if found is not None:
                return found
    return j, None


def _date_at(tokens: Sequence[Token], j: int, hi: int, published: date | None) -> tuple[int, date | None] | None:
    """A date written at token j (weekday, day and month, month, year); None when there is none there."""
    if j >= hi:
        return None
    low = tokens[j].low.removesuffix("'s")
    if low in {"early", "mid", "late", "last"} and j + 1 < hi:
        nxt = tokens[j + 1].low.removesuffix("'s")
        if nxt in WEEKDAYS:
            return j + 2, _weekday(WEEKDAYS[nxt], published, strictly_before=low == "last")
        if nxt in MONTHS or _year(tokens[j + 1]) is not None:
            return _date_at(tokens, j + 1, hi, published)   # "since late March": the month's first day
        return None
    if low in WEEKDAYS:
        return j + 1, _weekday(WEEKDAYS[low], published, strictly_before=False)
    if low in {"yesterday", "today"}:
        return j + 1, (published - timedelta(days=1 if low == "yesterday" else 0)) if published else None
    if tokens[j].kind == "num":
        year = _year(tokens[j])
        if year is not None:
            return j + 1, date(year, 1, 1)
        day = _day(tokens[j])
        if day is not None and j + 1 < hi and tokens[j + 1].low in MONTHS:   # "6 March (2025)"
            month = MONTHS[tokens[j + 1].low]
            year = _year(tokens[j + 2]) if j + 2 < hi else None
            return (j + 3 if year else j + 2), _day_month(day, month, year, published)
        return None
    if low in MONTHS and (low not in {"may", "march"} or tokens[j].is_cap):
        month = MONTHS[low]
        k = j + 1
        if k < hi and tokens[k].text == ".":
            k += 1
        day = _day(tokens[k]) if k < hi and tokens[k].kind == "num" else None
        if day is not None:   # "March 6", "March 6, 2025"
            k += 1
            year = None
            if k + 1 < hi and tokens[k].text == "," and _year(tokens[k + 1]) is not None:
                year = _year(tokens[k + 1])
                k += 2
            elif k < hi and _year(tokens[k]) is not None:
                year = _year(tokens[k])
                k += 1
            return k, _day_month(day, month, year, published)
        year = _year(tokens[k]) if k < hi else None
        if year is not None:   # "October 2023"
            return k + 1, date(year, month, 1)
        return k, _day_month(1, month, None, published)
    return None


def _year(t: Token) -> int | None:
    if t.kind == "num" and len(t.text) == 4 and t.text.isdigit() and 1900 <= int(t.text) <= 2100:
        return int(t.text)
    return None


def _day(t: Token) -> int | None:
    if t.kind == "num" and t.text.isdigit() and 1 <= int(t.text) <= 31:
        return int(t.text)
    return None


def _weekday(weekday: int, published: date | None, *, strictly_before: bool) -> date | None:
    """The latest such day on or before the item's date ("last Thursday": strictly before)."""
    if published is None:
        return None
    back = (published.weekday() - weekday) % 7
    if back == 0 and strictly_before:
        back = 7
    return published - timedelta(days=back)


def _day_month(day: int, month: int, year: int | None, published: date | None) -> date | None:
    """A day and month; without a year, the latest such date on or before the item's date."""
    if year is None:
        if published is None:
            return None
        year = published.year
        if (month, day) > (published.month, published.day):
            year -= 1
    try:
        return date(year, month, day)
    except ValueError:
        return None  # "31 February"


def _period_start(unit: str, published: date | None) -> date | None:
    if published is None:
        return None
    if unit == "year":
        return date(published.year, 1, 1)
    if unit == "month":
        return date(published.year, published.month, 1)
    return published - timedelta(days=published.weekday())   # a week starts on Monday


def _window(tokens: Sequence[Token], j: int, hi: int, published: date | None) -> tuple[int, date | None] | None:
    """ "(the past) three days", "48 hours", "week": the window's end and its first day."""
    count = 1
    if j < hi and (tokens[j].kind == "num" or tokens[j].low in _NUMBER_WORDS):
        t = tokens[j]
        count = int(t.text) if t.text.isdigit() else _NUMBER_WORDS.get(t.low, 0)
        j += 1
    if j >= hi or tokens[j].low not in _UNIT_DAYS or not 0 < count <= 1000:
        return None
    unit = tokens[j].low
    if published is None:
        return j + 1, None
    days = -(-count // 24) if unit.startswith("hour") else count * _UNIT_DAYS[unit]
    return j + 1, published - timedelta(days=days)


@dataclass(frozen=True, slots=True)
class _Places:
    """What scope_of reads of one item, computed once."""

    mentions: Sequence[PlaceMention]
    starts: Sequence[int]           # of the mentions
    ends: Sequence[int]             # positions of clause-end words
    ends_back: Sequence[int]        # the same without parentheses (an aside does not end the clause before)
    demonyms: Mapping[str, str]
    country: str | None             # the item's country: where an unnamed "the coast" is
    wide: bool                      # the item has a "nationwide"/"across"/coast word at all


def since_and_scope(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure],
                    mentions: Sequence[PlaceMention], published: date | None, marks: Sequence[int],
                    demonyms: Mapping[str, str], country: str | None) -> tuple[list[object], list[object]]:
    """Each figure's own since and scope (ABSENT where its clause states none). A figure governed by a
    running "since ..." phrase is marked cumulative, with its parts: "killed in Latakia, Tartus and
    Homs provinces since Thursday" is a running total even when the phrase sits past the list's
    commas, outside the segment casualties.py reads. `marks` are the positions of every MARKS token
    (and maybe others), found by the caller's one pass over the tokens."""
    phrases = find_since_phrases(tokens, spans, published, marks)
    phrase_starts = [p.start for p in phrases]
    ends = [k for k in marks if tokens[k].low in _CLAUSE_END]
    places = _Places(mentions, [m.start for m in mentions], ends,
                     [k for k in ends if tokens[k].text not in {"(", ")"}], demonyms, country,
                     any(tokens[k].low in WIDE_WORDS for k in marks))
    since: list[object] = []
    owns: dict[int, tuple[int, int]] = {}   # figure index -> its own span, once computed
    for i, f in enumerate(figures):
        if not phrases:
            since.append(ABSENT)
            continue
        own = own_span(tokens, spans, f, mentions, places.starts)
        owns[i] = own
        phrase = since_of(tokens, spans, f, own, phrases, phrase_starts)
        if phrase is not None and phrase.running and not f.cumulative and not f.historical:
            f.cumulative = True
            for part in figures[i + 1:i + 8]:
                if part.parent == i:
                    part.cumulative = True
        since.append(phrase.value if phrase is not None else ABSENT)
    # a running total's place (and that of its repeats: a title's "600 killed on the coast" is the
    # body's toll); an incident's place is its location, which the store falls back to
    tolls = {(f.kind, f.count) for f in figures if f.cumulative} if mentions or places.wide else set()
    scope: list[object] = []
    for i, f in enumerate(figures):
        if (f.kind, f.count) not in tolls:
            scope.append(ABSENT)
            continue
        own = owns.get(i) or own_span(tokens, spans, f, mentions, places.starts)
        own = _between_neighbours(f, figures[i - 1] if i else None,
                                  figures[i + 1] if i + 1 < len(figures) else None, own, places)
        scope.append(scope_of(tokens, spans, f, own, places))
    return since, scope


def since_of(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], f: Figure, own: tuple[int, int],
             phrases: Sequence[Phrase], starts: Sequence[int]) -> Phrase | None:
    """The phrase governing figure `f`: in its own comma segment, its verb's, or a sentence-opening
    "Since Thursday," / "So far this year,"; None when there is none (history has none)."""
    if f.historical or not phrases:
        return None
    lo, _ = spans[f.sentence]
    a, b = own
    best: Phrase | None = None
    for p in phrases[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]:
        between = range(f.end, p.start) if p.start >= f.end else range(p.end, min(f.start, f.anchor))
        if any(tokens[k].low in _CLAUSE_END for k in between):
            continue  # "killed 12 in Idlib, which has been outside government control since 2011"
        if best is None or abs(p.start - f.start) < abs(best.start - f.start):
            best = p
    if best is None and a > lo:
        # "Since Thursday, at least 745 ...": the sentence's opening phrase, alone before its first comma
        first = bisect.bisect_left(starts, lo)
        end = phrases[first].end if first < len(phrases) else 0
        while end < a and tokens[end].low in {"alone", "so", "far", "only"}:
            end += 1   # "This year alone, the toll ..."
        if first < len(phrases) and end < a and phrases[first].start <= lo + 3 and tokens[end].text == "," \
                and all(tokens[k].text not in {",", ";"} and tokens[k].kind != "num"
                        for k in range(lo, phrases[first].start)):
            best = phrases[first]
    return best


def scope_of(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], f: Figure, own: tuple[int, int],
             places: _Places) -> str | None | Absent:
    """The place figure `f`'s clause names for it (see the module docstring); ABSENT when none.

    "nationwide" / "across the country" win over the places named beside them; "the coast" is the
    country only when the clause names no narrower place ("on Turkey's Black Sea coast in Amasra").
    An item with none of those words (most items) skips the check.
    """
    if f.historical:
        return None
    lo, _ = spans[f.sentence]
    a, b = _clause(tokens, lo, f, own, places)
    mentions, starts = places.mentions, places.starts
    named = [m for m in mentions[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]
             if m.role == "plain" and m.end <= b]
    if not places.wide:
        common = _common(named, country_only=False) if named else None
        return common if common is not None else ABSENT
    lows = [tokens[k].low for k in range(a, b)]
    whole = any(w in _COUNTRY_WORDS for w in lows) or any(
        lows[i] in _ACROSS and i + 2 < len(lows) and lows[i + 1] == "the" and lows[i + 2] in _WHOLE
        for i in range(len(lows)))
    common = _common(named, country_only=False) if named else None
    if whole or (common is None or common in {m.entry.country for m in named}) and _coast(tokens, a, b, named):
        country = _coast_country(lows, places.demonyms) or _common(named, country_only=True) or places.country
        return country if country is not None else ABSENT
    return common if common is not None else ABSENT


def _coast(tokens: Sequence[Token], a: int, b: int, named: Sequence[PlaceMention]) -> bool:
    """ "on the coast", "the coastal provinces", "coastal violence"; not "the coastal city of Baniyas"
    nor a coast that is part of a name ("Ivory Coast")."""
    inside = {k for m in named for k in range(m.start, m.end)}
    for k in range(a, b):
        low = tokens[k].low
        if low in _COAST and k not in inside:
            nxt = tokens[k + 1].low if k + 1 < b else ""
            if low == "coastal" and nxt not in _COASTAL_WHOLE:
                continue
            return True
    return False


def _coast_country(lows: Sequence[str], demonyms: Mapping[str, str]) -> str | None:
    """ "the Syrian coast", "Syria's coast": the country the word before the coast names."""
    for i in range(1, len(lows)):
        if lows[i] in _COAST:
            country = demonyms.get(lows[i - 1].removesuffix("'s"))
            if country is not None:
                return country
    return None


def _between_neighbours(f: Figure, prev: Figure | None, nxt: Figure | None, own: tuple[int, int],
                        places: _Places) -> tuple[int, int]:
    """ "71 in Cabo Delgado, 16 in Nampula and 7 in Niassa": a place between a figure and its neighbour
    in the sentence belongs to the figure it follows; "killed 12 and wounded 30 in Homs" shares Homs."""
    a, b = own
    starts, mentions = places.starts, places.mentions
    if nxt is not None and nxt.sentence == f.sentence and f.end <= nxt.start < b:
        i = bisect.bisect_left(starts, f.end)
        if i < len(starts) and starts[i] < nxt.start:
            b = nxt.start
    if prev is not None and prev.sentence == f.sentence and a <= prev.end <= f.start:
        i = bisect.bisect_left(starts, f.start) - 1
        if i >= 0 and mentions[i].start >= prev.end:
            a = max(a, mentions[i].end)
    return a, b


def _clause(tokens: Sequence[Token], lo: int, f: Figure, own: tuple[int, int], places: _Places) -> tuple[int, int]:
    """Tokens of the figure's clause: its comma segment, widened back over a list of places
    ("in Latakia, Tartus and Homs provinces ... to 1,018"), cut at the clause ends around it
    ("The Defence Ministry in Damascus said 16 ...": the source's place is not the toll's)."""
    a, b = own
    mentions, starts = places.mentions, places.starts
    for _ in range(12):   # "Latakia ," before a segment that opens on a place: a list it continues
        if a - 2 < lo or tokens[a - 1].text != ",":
            break
        i = bisect.bisect_left(starts, a - 1) - 1
        if i < 0 or mentions[i].end != a - 1 or i + 1 >= len(starts) or starts[i + 1] != a:
            break
        a = mentions[i].start
    back = places.ends_back
    i = bisect.bisect_left(back, min(f.start, f.anchor)) - 1
    if i >= 0 and back[i] >= a:
        a = back[i] + 1
    ends = places.ends
    j = bisect.bisect_left(ends, max(f.end, f.anchor + 1))
    if j < len(ends) and ends[j] < b:
        b = ends[j]
    return a, b


_SEGMENT_BREAKS = frozenset({",", ";", ":", "(", ")", "—", "–", "[", "]"})


WIDE_WORDS = _COUNTRY_WORDS | _ACROSS | _COAST   # an item without any needs no "nationwide"/coast check
MARKS = _TRIGGERS | WIDE_WORDS | _CLAUSE_END       # the tokens since_and_scope looks up by position


def own_span(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], f: Figure,
             mentions: Sequence[PlaceMention], mention_starts: Sequence[int]) -> tuple[int, int]:
    """The figure's comma segment joined with its verb's ("600 civilians, mostly ..., have been killed
    in Latakia province since Thursday") and carried through a list of places, at most _SCOPE_REACH
    tokens from the figure."""
    lo, hi = spans[f.sentence]
    a, b = f.segment
    if f.parent is None and not a <= f.anchor < b and lo <= f.anchor < hi:   # a part's anchor is its total's
        floor, ceiling = max(lo, f.anchor - _SCOPE_REACH), min(hi, f.anchor + _SCOPE_REACH)
        x = f.anchor
        while x > floor and tokens[x - 1].text not in _SEGMENT_BREAKS:
            x -= 1
        y = f.anchor
        while y < ceiling and tokens[y].text not in _SEGMENT_BREAKS:
            y += 1
        a, b = min(a, x), max(b, y)
    floor, ceiling = f.start - _SCOPE_REACH, f.end + _SCOPE_REACH   # bounds by comparison: the hot path
    floor = lo if lo > floor else floor
    ceiling = hi if hi < ceiling else ceiling
    a = floor if floor > a else a
    b = ceiling if ceiling < b else b
    if b >= ceiling or tokens[b].text != ",":
        return a, b
    return a, _through_list(tokens, b, ceiling, mentions, mention_starts)


def _through_list(tokens: Sequence[Token], b: int, ceiling: int, mentions: Sequence[PlaceMention],
                  mention_starts: Sequence[int]) -> int:
    """ "killed in Latakia, Tartus and Homs provinces since Saturday": a segment that ends on a place
    followed by a comma and another place goes on through the list, to the end of its last segment."""
    for _ in range(12):
        if b + 1 >= ceiling or tokens[b].text != ",":
            break
        before = bisect.bisect_left(mention_starts, b) - 1
        after = bisect.bisect_left(mention_starts, b + 1)
        if before < 0 or mentions[before].end != b or after >= len(mentions) or mentions[after].start != b + 1:
            break
        b = mentions[after].end
        while b < ceiling and tokens[b].text not in _SEGMENT_BREAKS:
            b += 1
    return b


def _common(named: Sequence[PlaceMention], *, country_only: bool) -> str | None:
    """The smallest place holding every named place: the one place, their region, else their country.
    A place that holds another of the list is its context ("Yemen's Hadramout province"), not a member."""
    if len(named) == 1:   # the common case
        e = named[0].entry
        return e.country if country_only else e.name
    found = {m.entry.name: m.entry for m in named}
    countries = {e.country for e in found.values()}
    if country_only:
        return next(iter(countries)) if len(countries) == 1 else None
    kept = [e for e in found.values() if not (
        (e.level == "country" and any(o.country == e.name and o is not e for o in found.values()))
        or (e.level == "region" and any(o.region == e.region and o.depth > e.depth for o in found.values()))
        or (e.level == "area" and any(o.level != "area" for o in found.values())))]
    if len(kept) == 1:
        return kept[0].name
    regions = {e.region for e in kept}
    if len(regions) == 1 and None not in regions and len({e.country for e in kept}) == 1:
        return next(iter(regions))
    countries = {e.country for e in kept}
    return next(iter(countries)) if len(countries) == 1 and None not in countries else None


def carry_from(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure]) -> list[int | None]:
    """For each figure, the earlier figure whose since/scope/source it takes when it states none:
    a part's total; for a cumulative figure, the toll frame it continues ("Another 31 ...") or
    restates ("the toll rose to 1,018"). Incident figures, history and a new toll take nothing."""
    out: list[int | None] = []
    frame: int | None = None
    for i, f in enumerate(figures):
        lo, hi = spans[f.sentence]
        source: int | None = None
        if f.historical:
            out.append(None)
            continue
        if f.parent is not None:
            source = f.parent
        elif frame is not None and f.cumulative and continues(tokens, lo, hi, f):
            out.append(frame)   # "Another 31 ...": adds to the toll, which stays the frame
            continue
        elif frame is not None and f.cumulative and figures[frame].kind == f.kind and _restates(tokens, lo, f):
            source = frame      # "the toll had risen to 1,383": the toll's new value, the frame from now on
        out.append(source)
        if f.parent is None:
            frame = i if f.cumulative and not f.estimate else None
    return out


def _restates(tokens: Sequence[Token], lo: int, f: Figure) -> bool:
    """ "the toll had risen to 1,018", "the figure stood at 37": a toll noun just before the figure."""
    return any(tokens[k].low in W.TOLL_NOUNS for k in range(max(lo, f.start - 12), f.start))


def resolve(own: Sequence[object], sources: Sequence[int | None] | None) -> list[object]:
    """Each figure's own value, else (ABSENT) the value of the figure it carries from (`sources`, from
    carry_from; None: no figure carries), else None."""
    if sources is None:
        return [None if value is ABSENT else value for value in own]
    out: list[object] = []
    for value, source in zip(own, sources, strict=True):
        if value is ABSENT:
            value = out[source] if source is not None and source < len(out) else None
        out.append(value)
    return out
