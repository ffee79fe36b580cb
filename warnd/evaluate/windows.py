"""Aggregates over a window and baselines over a lookback: pure functions of observations."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from warnd.types import Observation

Aggregate = Literal["max", "sum", "count", "distinct_sources"]
Stat = Literal["median", "mean", "p90", "max"]


def aggregate(observations: Sequence[Observation], how: Aggregate) -> float:
    """The window's value. Tolls are cumulative and repeated across outlets, hence `max` by default."""
    if not observations:
        return 0.0
    if how == "max":
        return float(max(o.value for o in observations))
    if how == "sum":
        return float(sum(o.value for o in observations))
    if how == "count":
        return float(len({o.item_id for o in observations}))
    return float(len({o.feed for o in observations}))


def daily_buckets(observations: Sequence[Observation], end: datetime, days: int, how: Aggregate) -> list[float]:
    """Aggregate per 24-hour bucket counted back from `end`; a bucket with no report is 0.

    Buckets are 24h spans ending at the window start, not calendar days, so a daylight-saving day or
    a time zone never makes one bucket 23 or 25 hours long.
    """
    buckets: list[list[Observation]] = [[] for _ in range(days)]
    for o in observations:
        age = end - o.observed_at
        if age <= timedelta(0):
            continue
        index = int(age.total_seconds() // 86400)
        if index < days:
            buckets[index].append(o)
    return [aggregate(b, how) for b in buckets]


def baseline_stat(series: Sequence[float], stat: Stat) -> float:
    if not series:
        return 0.0
    if stat == "median":
        return float(statistics.median(series))
    if stat == "mean":
        return float(statistics.fmean(series))
    if stat == "max":
        return float(max(series))
    ordered = sorted(series)  # p90, nearest-rank
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])
