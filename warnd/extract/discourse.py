"""Discourse state: what a toll stated once means for the figures after it, and for itself.

An item states a running toll and then continues it — "Another 21 are missing", "a further 96 have
died", "12 people remain missing" — or breaks it down in a later sentence. This pass walks the
item's figures in order, keeping the last toll frame (a cumulative figure that is not a part), and:

- marks a figure cumulative when its subject is a whole event rather than one incident: the war,
  conflict, insurgency, offensive, siege or a disaster season "has killed / has left / has displaced"
  (present perfect with an event subject, EXTRACT_FORMAT.md "since the war began");
- carries the frame's cumulative flag to a later figure that continues it: one opened by "another",
  "a further", "N more", or stated in the present perfect or with "remain", and not pinned to a
  fixed span ("on Monday", "overnight", "this week");
- gives every part of a breakdown its total's flag (the guide: sub-counts take the total's flag);
- leaves historical figures out of it: a past event's toll is closed, never cumulative.

A figure that is neither continues nothing: it closes the frame ("This week 20 were killed").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from warnd.extract.tokens import Token

if TYPE_CHECKING:  # casualties.py runs this pass at the end of find_figures
    from warnd.extract.casualties import Figure

# Nouns naming a whole event whose casualties accumulate, as opposed to one incident ("a raid").
EVENT_NOUNS = frozenset({
    "war", "wars", "conflict", "conflicts", "violence", "insurgency", "insurgencies", "offensive", "offensives",
    "siege", "sieges", "fighting", "feud", "feuds", "campaign", "crisis", "unrest", "uprising", "rebellion",
    "hostilities", "clashes", "crackdown", "wave", "spate", "cycle", "invasion", "occupation", "famine",
    "drought", "epidemic", "outbreak", "pandemic", "cholera", "floods", "flooding", "monsoon", "rains",
    "season", "bombardment", "blockade", "attacks", "raids", "strikes", "bombings", "killings",
    # disasters whose toll is updated as it is counted ("the quake has killed 2,300")
    "quake", "earthquake", "earthquakes", "storm", "storms", "cyclone", "typhoon", "hurricane", "flood",
    "landslides", "tsunami", "heatwave", "wildfire", "wildfires", "disaster", "eruption", "mudslides",
    "downpours", "deluge", "emergency", "persecution", "genocide", "revolt", "disease", "virus", "malaria",
    "measles", "dengue", "ebola", "mpox", "diphtheria", "fever",
})
# events that last: in "have died in the insurgency" the event is the count's scope even when it is
# not the subject; "in the fighting" needs a stated duration ("in the two-year fighting")
LASTING_EVENTS = frozenset({"war", "wars", "conflict", "conflicts", "insurgency", "insurgencies", "rebellion",
                            "uprising", "crisis", "hostilities", "occupation", "famine", "drought", "epidemic",
                            "outbreak", "pandemic", "siege", "blockade", "revolt", "genocide", "invasion",
                            "campaign", "offensive", "season", "crackdown"})
_DURATION = frozenset({"year", "years", "decade", "decades", "month", "months", "week-long", "long",
                       "years-long", "decades-long", "months-long", "ongoing", "protracted", "lengthy",
                       "year-long", "decade-long"})
_PERFECT = frozenset({"has", "have"})
_ADVERBS = frozenset({"now", "already", "so", "far", "reportedly", "since", "also", "together", "altogether",
                      "in", "total", "thus"})
_CONTINUERS = frozenset({"another", "further", "additional", "remaining"})
# a present state after the number continues an open toll: "... and at least 11,000 are missing"
_PRESENT = frozenset({"are", "is"})
_STATES = frozenset({"missing", "injured", "wounded", "displaced", "homeless", "detained", "held", "hospitalised",
                     "hospitalized", "unaccounted", "captive", "buried", "dead"})
# "Children account for 290 of the dead": a part of the toll named before it
_INCIDENT = frozenset({"after", "when", "following"})   # a state caused by one incident
_OF_THE_TOLL = frozenset({"dead", "victims", "fatalities", "casualties", "killed", "deaths", "wounded",
                          "injured", "missing", "displaced", "total", "toll"})
_AFTER_CONTINUERS = frozenset({"more", "others", "other"})
_STATIVE = frozenset({"have", "has", "remain", "remains", "remained", "still"})
_FIXED_SPAN = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                         "overnight", "yesterday", "today", "tonight", "week", "weekend", "morning",
                         "evening", "afternoon", "hours", "night", "when", "day", "days", "weeks",
                         "recent", "past"})
_REPORTED = frozenset({"that", "said", "says", "told", "reported"})
_SUBJECT_REACH = 14   # tokens before the verb searched for the event subject
_BREAKS = frozenset({",", ";", ":", "(", ")", "—", "–", "said", "says", "told", "after", "when", "while",
                     "as", "before", "that", "which", "who"})


def carry_tolls(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure],
                words: Collection[str] | None = None) -> None:
    """Set the cumulative flag of `figures` (in text order) from event scope and the toll frame.
    `words` (the item's lower-cased words, when the caller has them) lets it skip the scans whose cue
    words the item lacks: most items name no lasting event, no area and no "since"."""
    if words is None:
        words = {t.low for t in tokens}
    events = not EVENT_NOUNS.isdisjoint(words)
    lasting = not LASTING_EVENTS.isdisjoint(words) or (events and not _DURATION.isdisjoint(words))
    area = events and not _AREA.isdisjoint(words)
    since = "since" in words
    frame: Figure | None = None
    scoped: Figure | None = None      # the last figure made cumulative by its event subject
    for f in figures:
        lo, hi = spans[f.sentence]
        if f.historical:
            f.cumulative = False  # a past event's toll is closed: "ten years since ..." is no running total
            continue
        if f.parent is not None:
            # a part takes its total's flag, unless pinned to a span of its own ("126 over the past day")
            total = figures[f.parent]
            f.cumulative = (f.cumulative or total.cumulative) and not _fixed_span(tokens, lo, hi, f)
            continue
        subject = not f.cumulative and (event_scope(tokens, lo, f.anchor)
                                        or event_scope(tokens, lo, _verb_of(tokens, lo, f)))
        # a day inside the event subject ("Heavy rains that began on Friday have killed 40") dates the
        # event, not the count: only the verb's side of the sentence can pin it to a span
        if subject and not _fixed_span(tokens, lo, hi, f, start=min(f.anchor, _verb_of(tokens, lo, f))) \
                or not f.cumulative and (_shares_scope(tokens, scoped, f)
                                         or (lasting and in_lasting_event(tokens, lo, hi, f))
                                         or (area and _area_total(tokens, lo, f))
                                         or (since and _since_later(tokens, lo, hi, f))) \
                and not _fixed_span(tokens, lo, hi, f):
            f.cumulative = True
            scoped = f
        if not f.cumulative and frame is not None and f.historical == frame.historical \
                and continues(tokens, lo, hi, f):
            f.cumulative = True
        if f.cumulative and not f.estimate:
            frame = f
        elif frame is not None and f.segment != frame.segment:
            frame = None


_HEDGES = frozenset({"an", "estimated", "at", "least", "more", "than", "some", "about", "nearly", "over", "up",
                     "to", "almost", "roughly", "around"})


def _verb_of(tokens: Sequence[Token], lo: int, f: Figure) -> int:
    """The word right before the figure's hedge: the verb in "has left an estimated 530,000 people dead",
    whose state word after the number is the figure's anchor."""
    k = f.start - 1
    while k > lo and tokens[k].low in _HEDGES:
        k -= 1
    return k


def event_scope(tokens: Sequence[Token], lo: int, anchor: int) -> bool:
    """Whether the verb at `anchor` is a present perfect ("has killed") whose subject is an event, also
    through a relative pronoun ("Yemen's war, which has killed ...")."""
    k = anchor - 1
    while k >= lo and tokens[k].low in _ADVERBS:
        k -= 1
    if k >= lo and tokens[k].low == "and":
        # "The epidemic has infected 12,000 and killed 230": a verb coordinated with a perfect one
        j = k - 1
        while j >= lo and j > k - 8 and tokens[j].low not in _PERFECT and tokens[j].low not in _BREAKS:
            j -= 1
        k = j if j >= lo and tokens[j].low in _PERFECT else k
    if k < lo or tokens[k].low not in _PERFECT:
        return False
    top = k - 1
    if top - 1 >= lo and tokens[top].low in {"which", "that"} and tokens[top - 1].text == ",":
        top -= 2  # "the conflict, which has displaced ...": the relative clause's subject is the noun before it
    return _event_subject(tokens, lo, top)


def _event_subject(tokens: Sequence[Token], lo: int, top: int) -> bool:
    """An event noun in the subject ending at token `top`, before any clause break. A relative clause
    or an apposition inside the subject is stepped over ("Heavy rains that began on Friday have
    killed", "The outbreak, the worst in two decades, has killed")."""
    floor = max(lo - 1, top - _SUBJECT_REACH)
    commas = 0
    for j in range(top, floor, -1):
        low = tokens[j].low
        if low in EVENT_NOUNS:
            return True
        if low in {"that", "which"}:
            continue
        if low == "," and commas == 0 \
                and any(tokens[k].text == "," for k in range(j - 1, max(floor, j - _SUBJECT_REACH), -1)):
            commas = 1  # the closing comma of an apposition: go on to its opening one
            continue
        if low == "," and commas == 1:
            commas = 2
            continue
        if low in _BREAKS:
            return False
    return False


def _shares_scope(tokens: Sequence[Token], scoped: Figure | None, f: Figure) -> bool:
    """ "The offensive has killed 1,237 and driven 340,000 from their homes", "The conflict has left
    3,000 dead and 9,000 wounded": the second verb or object is coordinated with the first and shares
    its event subject."""
    if scoped is None or scoped.sentence != f.sentence:
        return False
    if scoped.end <= f.anchor < scoped.end + 4 and f.anchor > 0 and tokens[f.anchor - 1].low == "and":
        return True
    k = f.start - 1
    while k > scoped.end and tokens[k].low in _HEDGES:
        k -= 1
    return scoped.anchor < f.start and k < scoped.end + 4 and tokens[k].low == "and" \
        and all(tokens[j].kind == "word" for j in range(scoped.end, k))


_IN_EVENT = frozenset({"in", "during", "throughout", "over", "since"})
_SCOPE_REACH = 10   # tokens after the figure's verb searched for "in the <event>"


def in_lasting_event(tokens: Sequence[Token], lo: int, hi: int, f: Figure) -> bool:
    """ "More than 40,000 people have died in the four-decade insurgency", "killed in the two-year
    war": a count whose scope is a lasting event, named in the figure's clause after its verb. A bare
    lasting event needs the present perfect ("have been killed in the war"); one with a stated
    duration ("the two-year war", "the decades-long conflict") is a whole-event total in any tense."""
    at = max(f.anchor, f.end)
    perfect = any(tokens[k].low in _PERFECT for k in range(max(lo, min(f.anchor, f.start) - 4), at))
    k = at
    end = min(hi, at + _SCOPE_REACH)
    while k < end and tokens[k].low not in _IN_EVENT:
        if tokens[k].low in _BREAKS or tokens[k].kind == "num":
            return False
        k += 1
    if k >= end:
        return False
    duration = False
    for j in range(k + 1, min(hi, k + 10)):   # "in the four-decade Turkey-PKK conflict"
        low = tokens[j].low
        if low in _DURATION:
            duration = True
        elif low in LASTING_EVENTS or (duration and low in EVENT_NOUNS):
            return duration or perfect
        elif low in _BREAKS or tokens[j].text == ".":
            return False
    return False


_AREA = frozenset({"across", "nationwide", "countrywide"})


def _area_total(tokens: Sequence[Token], lo: int, f: Figure) -> bool:
    """ "Cyclone Ditwah left 193 people dead and 228 missing across the island", "Floods killed 40
    people across the region": an event's toll over a whole area is its running total, in any tense."""
    a, b = f.segment
    if not any(tokens[k].low in _AREA for k in range(max(a, f.start), b)):
        return False
    return _event_subject(tokens, lo, min(f.anchor, _verb_of(tokens, lo, f)) - 1)


_SINCE_REACH = 24   # tokens after the figure searched for a "since" that an apposition pushed away
_SINCE_STOPS = frozenset({";", "said", "says", "told", "but", "while", "whereas", "and"})


def _since_later(tokens: Sequence[Token], lo: int, hi: int, f: Figure) -> bool:
    """ "Some 85,000 people have fled fighting in Upper Nile, a state of about 1.6 million people, since
    February": a perfect figure's "since" after an apposition still starts its count."""
    at = max(f.anchor, f.end)
    if not any(tokens[k].low in _PERFECT for k in range(max(lo, min(f.anchor, f.start) - 4), at)):
        return False
    for k in range(at, min(hi, at + _SINCE_REACH)):
        low = tokens[k].low
        if low in _SINCE_STOPS:
            return False
        if low == "since":
            return k > lo and tokens[k - 1].text == "," and k + 1 < hi and tokens[k + 1].kind in {"word", "num"} \
                and tokens[k + 1].low not in {"then", "when"}
    return False


def continues(tokens: Sequence[Token], lo: int, hi: int, f: Figure) -> bool:
    """Whether figure `f` continues the toll before it (see the module docstring)."""
    return _continuation_cue(tokens, lo, hi, f) and not _fixed_span(tokens, lo, hi, f)


def _continuation_cue(tokens: Sequence[Token], lo: int, hi: int, f: Figure) -> bool:
    before = f.start - 1
    while before >= lo and tokens[before].low in {"a", "an", "at", "least", "some", "about", "nearly", "more",
                                                  "than", "over", "up", "to", "estimated"}:
        before -= 1
    if before >= lo and tokens[before].low in _CONTINUERS:
        return True
    a = max(lo, f.segment[0])
    if any(tokens[k].low == "alone" and k > a and tokens[k - 1].is_cap for k in range(a, f.start)):
        return True  # "in Beledweyne alone 90,000 ...", "Naga City alone reported 41 dead": a place's part
    if f.end < hi and tokens[f.end].low in _AFTER_CONTINUERS:
        return True
    if f.end + 1 < hi and tokens[f.end].low == "of" and (tokens[f.end + 1].low in _OF_THE_TOLL or (
            f.end + 2 < hi and tokens[f.end + 1].low in {"the", "those"} and tokens[f.end + 2].low in _OF_THE_TOLL)):
        return True  # "290 of the dead", "12 of those killed"
    if f.anchor > f.end and any(tokens[k].low in _PRESENT for k in range(f.end, f.anchor)) \
            and tokens[f.anchor].low in _STATES \
            and not any(tokens[k].low in _INCIDENT for k in range(f.anchor, min(hi, f.segment[1]))):
        return True  # "... and at least 11,000 are missing under the rubble" (not "... after a boat capsized")
    # the figure's own predicate: between the number and its state word, or just before its verb
    if f.anchor >= f.end:
        window = range(f.end, min(f.anchor, f.end + 8))
    else:
        window = range(max(lo, f.anchor - 3), f.anchor)
    return any(tokens[k].low in _STATIVE for k in window)


def _fixed_span(tokens: Sequence[Token], lo: int, hi: int, f: Figure, start: int | None = None) -> bool:
    """A day, a week, "overnight", "in recent weeks" in the figure's own segment (from `start` on, when
    given): an incident's span."""
    a, b = max(f.segment[0], lo, start if start is not None else lo), min(f.segment[1], hi)
    for k in range(min(f.start, b) - 1, a - 1, -1):
        if tokens[k].low in _REPORTED:
            a = k + 1  # "said on Sunday that the war has killed ...": the day of the statement, not the span
            break
    return any(tokens[k].low in _FIXED_SPAN for k in range(a, b))
