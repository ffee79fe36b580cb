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

from collections.abc import Sequence
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
})
_PERFECT = frozenset({"has", "have"})
_ADVERBS = frozenset({"now", "already", "so", "far", "reportedly", "since", "also", "together", "altogether",
                      "in", "total", "thus"})
_CONTINUERS = frozenset({"another", "further", "additional"})
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


def carry_tolls(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], figures: Sequence[Figure]) -> None:
    """Set the cumulative flag of `figures` (in text order) from event scope and the toll frame."""
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
        if not f.cumulative and (event_scope(tokens, lo, f.anchor) or event_scope(tokens, lo, _verb_of(tokens, lo, f))
                                 or _shares_scope(tokens, scoped, f)) \
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
    if k < lo or tokens[k].low not in _PERFECT:
        return False
    top = k - 1
    if top - 1 >= lo and tokens[top].low in {"which", "that"} and tokens[top - 1].text == ",":
        top -= 2  # "the conflict, which has displaced ...": the relative clause's subject is the noun before it
    for j in range(top, max(lo - 1, top - _SUBJECT_REACH), -1):
        low = tokens[j].low
        if low in EVENT_NOUNS:
            return True
        if low in _BREAKS:
            return False
    return False


def _shares_scope(tokens: Sequence[Token], scoped: Figure | None, f: Figure) -> bool:
    """ "The offensive has killed 1,237 and driven 340,000 from their homes": the second verb is
    coordinated with the first and shares its event subject."""
    if scoped is None or scoped.sentence != f.sentence or not scoped.end <= f.anchor < scoped.end + 4:
        return False
    return f.anchor > 0 and tokens[f.anchor - 1].low == "and"


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
    if f.end < hi and tokens[f.end].low in _AFTER_CONTINUERS:
        return True
    # the figure's own predicate: between the number and its state word, or just before its verb
    if f.anchor >= f.end:
        window = range(f.end, min(f.anchor, f.end + 8))
    else:
        window = range(max(lo, f.anchor - 3), f.anchor)
    return any(tokens[k].low in _STATIVE for k in window)


def _fixed_span(tokens: Sequence[Token], lo: int, hi: int, f: Figure) -> bool:
    """A day, a week, "overnight", "in recent weeks" in the figure's own segment: an incident's span."""
    a, b = max(f.segment[0], lo), min(f.segment[1], hi)
    for k in range(min(f.start, b) - 1, a - 1, -1):
        if tokens[k].low in _REPORTED:
            a = k + 1  # "said on Sunday that the war has killed ...": the day of the statement, not the span
            break
    return any(tokens[k].low in _FIXED_SPAN for k in range(a, b))
