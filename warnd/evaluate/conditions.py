"""Rule conditions: given a group's observations, does the rule hold, with which value, on what evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from warnd.config.rules import JumpRule, NewValueRule, ThresholdRule
from warnd.types import Evidence, Observation

from .windows import aggregate, baseline_stat, daily_buckets

MAX_EVIDENCE = 10


@dataclass(frozen=True, slots=True)
class Candidate:
    """The outcome of one rule for one group at one time."""

    met: bool
    value: float
    baseline: float | None
    sources: int
    evidence: tuple[Evidence, ...]
    reason: str = ""


def evidence_of(observations: Sequence[Observation]) -> tuple[Evidence, ...]:
    """One entry per item, newest first, with the item's highest figure (its toll, not a sub-count)."""
    best: dict[int, Observation] = {}
    for o in observations:
        if o.item_id not in best or o.value > best[o.item_id].value:
            best[o.item_id] = o
    newest = sorted(best.values(), key=lambda o: (o.observed_at, o.id), reverse=True)[:MAX_EVIDENCE]
    return tuple(Evidence(o.title, o.feed, o.link, o.observed_at, o.value if o.metric != "mention" else None)
                 for o in newest)


def _supporting(observations: Sequence[Observation], how: str, needed: float | None) -> list[Observation]:
    """The observations that back the value: for `max`, the figures that meet the condition on their own."""
    if how == "max" and needed is not None:
        return [o for o in observations if o.value >= needed]
    return list(observations)


def _sources(observations: Sequence[Observation]) -> int:
    return len({o.feed for o in observations})


def threshold(rule: ThresholdRule, window: Sequence[Observation]) -> Candidate:
    value = aggregate(window, rule.aggregate)
    cond = rule.condition
    met = bool(window)
    if cond.at_least is not None:
        met = met and value >= cond.at_least
    if cond.at_most is not None:
        met = met and value <= cond.at_most
    support = _supporting(window, rule.aggregate, cond.at_least) if met else list(window)
    sources = _sources(support)
    if met and sources < rule.min_sources:
        return Candidate(False, value, None, sources, evidence_of(support),
                         f"{sources} source(s), rule needs {rule.min_sources}")
    return Candidate(met, value, None, sources, evidence_of(support))


def jump(rule: JumpRule, window: Sequence[Observation], history: Sequence[Observation],
         window_start: datetime) -> Candidate:
    """Window aggregate vs the baseline stat over `lookback` days before the window (empty days are 0)."""
    value = aggregate(window, rule.aggregate)
    days = max(1, round(rule.baseline.lookback / timedelta(days=1)))
    series = daily_buckets(history, window_start, days, rule.aggregate)
    base = baseline_stat(series, rule.baseline.stat)
    if rule.baseline.min_baseline_days:
        earliest = min((o.observed_at for o in history), default=None)
        known = (window_start - earliest) if earliest else timedelta(0)
        if known < timedelta(days=rule.baseline.min_baseline_days):
            return Candidate(False, value, base, _sources(window), evidence_of(window),
                             f"only {known.days} day(s) of history, rule needs {rule.baseline.min_baseline_days}")
    cond = rule.condition
    needed = base
    if cond.increase_at_least is not None:
        needed = max(needed, base + cond.increase_at_least)
    if cond.ratio_at_least is not None and base > 0:
        needed = max(needed, base * cond.ratio_at_least)
    # A zero baseline satisfies any ratio; the value must still be above the baseline to be a jump.
    met = value > base and value >= needed and value > 0
    support = _supporting(window, rule.aggregate, needed) if met else list(window)
    sources = _sources(support)
    if met and sources < rule.min_sources:
        return Candidate(False, value, base, sources, evidence_of(support),
                         f"{sources} source(s), rule needs {rule.min_sources}")
    return Candidate(met, value, base, sources, evidence_of(support))


def new_value(rule: NewValueRule, window: Sequence[Observation], before: Sequence[Observation]) -> Candidate:
    """The group's value appears in the window and was not seen in `lookback` before its first report.

    `window` is the group's observations in the window; `before` its observations in the lookback
    that precede the first one in the window.
    """
    if not window:
        return Candidate(False, 0, None, 0, ())
    sources = _sources(window)
    if before:
        return Candidate(False, float(len(window)), None, sources, evidence_of(window), "seen before")
    if sources < rule.min_sources:
        return Candidate(False, float(len(window)), None, sources, evidence_of(window),
                         f"{sources} source(s), rule needs {rule.min_sources}")
    return Candidate(True, float(len({o.item_id for o in window})), None, sources, evidence_of(window))
