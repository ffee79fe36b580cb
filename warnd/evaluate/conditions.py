"""Rule conditions: given a group's observations, does the rule hold, with which value, on what evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from warnd.config.rules import (
    FeedSilenceRule,
    FrequencyRule,
    JumpRule,
    KeywordRule,
    NewValueRule,
    ThresholdRule,
)
from warnd.types import Evidence, FeedState, Observation

from .keywords import phrase_matcher
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
    # The figure as the item states it, also when the rule counts what it newly reported.
    return tuple(Evidence(o.title, o.feed, o.link, o.observed_at,
                          (o.reported if o.reported is not None else o.value) if o.metric != "mention" else None)
                 for o in newest)


def _supporting(observations: Sequence[Observation], how: str, needed: float | None) -> list[Observation]:
    """The observations that back the value: for `max`, the figures that meet the condition on their own.

    Under the `new` measure (observations carry `reported`), a figure that newly reported nothing backs
    the value only as a corroboration: another report of an incident that counts, or the same level of
    a toll whose rise counts. A stale toll repeated today is no source for today's casualties.
    """
    backing = [o for o in observations if o.value >= needed] if how == "max" and needed is not None \
        else list(observations)
    if not any(o.reported is not None for o in observations):
        return backing
    counted = [o for o in backing if o.value > 0]
    incidents = {o.incident_id for o in counted if o.incident_id is not None}
    levels: dict[int, list[int]] = {}
    for o in counted:
        if o.series_id is not None and o.reported is not None:
            levels.setdefault(o.series_id, []).append(o.reported)
    return counted + [o for o in observations if o.value == 0 and not o.conflict and (
        o.incident_id in incidents or _repeats(o, levels.get(o.series_id or 0, ())))]


def _repeats(o: Observation, levels: Sequence[int]) -> bool:
    """Whether a toll report states a level that counts: the same figure, within a tenth of it, or a
    lower bound under it ("more than 1,000" repeats 1,018)."""
    if o.reported is None:
        return False
    return any(abs(o.reported - level) <= level / 10 or
               (o.qualifier in ("more_than", "at_least") and o.reported <= level) for level in levels)


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
         window_start: datetime, *, first_seen_at: datetime | None = None) -> Candidate:
    """Window aggregate vs the baseline stat over `lookback` days before the window (empty days are 0).

    `first_seen_at` is the group's oldest observation ever, for `min_baseline_days`; without it the
    oldest one in `history` is used (which cannot be older than `lookback`).
    """
    days = baseline_days(rule)
    series = daily_buckets(history, window_start, days, rule.aggregate)
    if first_seen_at is None:
        first_seen_at = min((o.observed_at for o in history), default=None)
    return jump_from_series(rule, window, series, window_start, first_seen_at=first_seen_at)


def baseline_days(rule: JumpRule) -> int:
    """The number of 24-hour baseline buckets of a jump rule."""
    return max(1, round(rule.baseline.lookback / timedelta(days=1)))


def jump_needed(rule: JumpRule, base: float) -> float:
    """The smallest value that is a jump over `base` (all given conditions hold)."""
    cond = rule.condition
    needed = base
    if cond.increase_at_least is not None:
        needed = max(needed, base + cond.increase_at_least)
    if cond.ratio_at_least is not None and base > 0:
        needed = max(needed, base * cond.ratio_at_least)
    return needed


def jump_holds(rule: JumpRule, value: float, base: float) -> bool:
    """The value condition alone (no sources, no history age). A zero baseline satisfies any ratio;
    the value must still be above the baseline to be a jump."""
    return value > base and value >= jump_needed(rule, base) and value > 0


def jump_from_series(rule: JumpRule, window: Sequence[Observation], series: Sequence[float],
                     window_start: datetime, *, first_seen_at: datetime | None) -> Candidate:
    """`jump` with the baseline's daily values already computed (by the store, in one query)."""
    value = aggregate(window, rule.aggregate)
    base = baseline_stat(series, rule.baseline.stat)
    if rule.baseline.min_baseline_days:
        known = (window_start - first_seen_at) if first_seen_at else timedelta(0)
        if known < timedelta(days=rule.baseline.min_baseline_days):
            return Candidate(False, value, base, _sources(window), evidence_of(window),
                             f"only {max(known.days, 0)} day(s) of history, rule needs "
                             f"{rule.baseline.min_baseline_days}")
    met = jump_holds(rule, value, base)
    needed = jump_needed(rule, base)
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


def frequency(rule: FrequencyRule, window: Sequence[Observation]) -> Candidate:
    """At least `condition.at_least` distinct matching items in the window (a burst of reports)."""
    value = aggregate(window, "count")
    sources = _sources(window)
    met = bool(window) and value >= rule.condition.at_least
    if met and sources < rule.min_sources:
        return Candidate(False, value, None, sources, evidence_of(window),
                         f"{sources} source(s), rule needs {rule.min_sources}")
    return Candidate(met, value, None, sources, evidence_of(window))


class TextItem(Protocol):
    """What a keyword rule reads of an item."""

    @property
    def id(self) -> int: ...
    @property
    def feed(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def link(self) -> str | None: ...
    @property
    def observed_at(self) -> datetime: ...


_T = TypeVar("_T", bound=TextItem)


def keyword_hits(rule: KeywordRule, items: Sequence[_T]) -> list[_T]:
    """The items whose title or summary contains one of the rule's phrases and none of `exclude`."""
    matcher = phrase_matcher(rule.phrases, rule.exclude)
    return [i for i in items if matcher.matches(f"{i.title}\n{i.summary}")]


def keyword(rule: KeywordRule, window: Sequence[TextItem]) -> Candidate:
    """At least `condition.at_least` items in the window match the phrases (and not `exclude`)."""
    hits = keyword_hits(rule, window)
    value = float(len(hits))
    sources = len({i.feed for i in hits})
    ordered = sorted(hits, key=lambda i: (i.observed_at, i.id), reverse=True)[:MAX_EVIDENCE]
    evidence = tuple(Evidence(i.title, i.feed, i.link, i.observed_at) for i in ordered)
    met = bool(hits) and value >= rule.condition.at_least
    if met and sources < rule.min_sources:
        return Candidate(False, value, None, sources, evidence, f"{sources} source(s), rule needs {rule.min_sources}")
    return Candidate(met, value, None, sources, evidence)


def feed_silence(rule: FeedSilenceRule, *, now: datetime, last_item_at: datetime | None,
                 state: FeedState | None, watched_since: datetime,
                 last_item: Evidence | None = None) -> Candidate:
    """Has the feed produced nothing for `silent_for`, or failed every poll for `failing_for`?

    The value is the hours the feed has been silent (or failing). A feed that never produced an
    item counts as silent since `watched_since` (when warnd started watching it).
    """
    evidence = (last_item,) if last_item is not None else ()
    reasons: list[str] = []
    value = 0.0
    if rule.silent_for is not None:
        known = [t for t in (last_item_at, state.last_new_item_at if state else None) if t is not None]
        since = max(known) if known else watched_since
        silent = now - since
        if silent >= rule.silent_for:
            value = max(value, silent / timedelta(hours=1))
            reasons.append(f"no new item since {since.isoformat()}")
    if rule.failing_for is not None and state is not None and state.consecutive_failures > 0:
        since = state.last_success_at or watched_since
        failing = now - since
        if failing >= rule.failing_for:
            value = max(value, failing / timedelta(hours=1))
            error = f": {state.last_error}" if state.last_error else ""
            reasons.append(f"{state.consecutive_failures} failed poll(s) since {since.isoformat()}{error}")
    return Candidate(bool(reasons), round(value, 2), None, 0, evidence, "; ".join(reasons))
