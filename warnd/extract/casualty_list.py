"""From the figures of an item to its casualty list: repeats merged, breakdowns pointing at their total.

A figure is one mention. Two mentions are one figure only when they are the same statement made
twice — the same (kind, count) in different sentences (a title and its summary) — never two mentions
in one sentence ("the dead were three soldiers and three civilians" has two threes). A sub-count's
`part_of` is the position of its total in the final list, after merging.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from warnd.extract.casualties import Figure
from warnd.types import Casualty, Qualifier


class TollFacts(NamedTuple):
    """What one figure counts (toll_scope.py, attribution.py): `Casualty.since/scope/attributed_to`."""

    since: date | None = None
    scope: str | None = None
    attributed_to: str | None = None


NO_FACTS = TollFacts()   # a figure that states none (shared, so that most figures allocate nothing)


def casualty_list(figures: Sequence[Figure], depth: Mapping[str, int],
                  facts: Sequence[TollFacts] | None = None) -> tuple[Casualty, ...]:
    """The item's casualties in text order; `depth` ranks places (deeper = more specific); `facts`,
    one per figure, fill since/scope/attributed_to (a repeat keeps the first statement's, filling
    what it lacks from the later one)."""
    out: list[Casualty] = []
    position: dict[int, int] = {}          # figure index -> index in `out`
    first_of: dict[tuple[str, int, bool], tuple[int, int]] = {}   # key -> (out index, sentence)
    for i, f in enumerate(figures):
        key = (f.kind.value, f.count, f.historical)
        seen = first_of.get(key)
        fact = facts[i] if facts is not None else None
        if seen is not None and seen[1] != f.sentence and _compatible(out[seen[0]], f):
            position[i] = seen[0]
            out[seen[0]] = _with_facts(_merge(out[seen[0]], f, depth), fact)
            continue
        part_of = position.get(f.parent) if f.parent is not None else None
        position[i] = len(out)
        if seen is None:
            first_of[key] = (len(out), f.sentence)
        part_of = part_of if part_of != len(out) else None
        if fact is None or fact is NO_FACTS:
            out.append(f.casualty(part_of))
        else:   # built once, with its facts (dataclasses.replace would cost several times more)
            out.append(Casualty(f.kind, f.count, f.qualifier, f.victims, f.cumulative, f.location, part_of,
                                f.historical, f.estimate, *fact))
    return tuple(out)


def _with_facts(c: Casualty, fact: TollFacts | None) -> Casualty:
    if fact is None or fact == NO_FACTS or (c.since is not None and c.scope is not None
                                             and c.attributed_to is not None):
        return c
    return Casualty(c.kind, c.count, c.qualifier, c.victims, c.cumulative, c.location, c.part_of, c.historical,
                    c.estimate, c.since or fact.since, c.scope or fact.scope, c.attributed_to or fact.attributed_to)



def _compatible(old: Casualty, f: Figure) -> bool:
    """A repeat names the same victims, or leaves them general on one side."""
    return old.victims == f.victims or "people" in (old.victims, f.victims)


def _merge(old: Casualty, f: Figure, depth: Mapping[str, int]) -> Casualty:
    """Keep what the fuller statement adds: a hedge, the victims, a more specific place, a toll flag."""
    location = old.location
    if f.location is not None and (location is None or depth.get(f.location, 0) > depth.get(location, 0)):
        location = f.location
    return dataclasses.replace(
        old,
        qualifier=old.qualifier if old.qualifier != Qualifier.EXACT else f.qualifier,
        victims=old.victims if old.victims != "people" else f.victims,
        location=location,
        cumulative=old.cumulative or f.cumulative,
        estimate=old.estimate and f.estimate,
    )
