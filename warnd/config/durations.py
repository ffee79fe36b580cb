"""Durations as operators write them: 30s, 5m, 24h, 14d, 2w, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+$")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ORDER = ("w", "d", "h", "m", "s", "ms")   # a compound names each unit once, largest first: 1h30m, not 30m1h


def parse_duration(value: Any) -> timedelta:
    """Parse `72h`, `3d`, `1h30m`, or a number of seconds.

    Raises:
        ValueError: with a message that shows the accepted form.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration (e.g. 72h, 3d)")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{value!r} is not a duration: it is negative")
        return timedelta(seconds=value)
    if isinstance(value, str) and _WHOLE.match(value):
        parts = _PART.findall(value)
        ranks = [_ORDER.index(u) for _, u in parts]
        if ranks != sorted(set(ranks)):
            # `1h1h` or `1m30m` is a typo, not 2h or 31m: say so rather than guess.
            raise ValueError(f"{value!r} is not a duration: each unit once, largest first (e.g. 1h30m)")
        return timedelta(seconds=sum(float(n) * _UNIT_S[u] for n, u in parts))
    raise ValueError(f"{value!r} is not a duration (e.g. 72h, 3d)")


def format_duration(value: timedelta) -> str:
    """Render a timedelta the way operators write it and desks read it: 24h, 48h, 3d, 14d, 90s, 1h30m.

    The one formatter of warnd (config, rule texts, alerts, digests): whole days from 3 days on,
    whole hours below (a 48h window reads as 48 hours, not "2d"), else hours, minutes and seconds.
    """
    total = int(value.total_seconds())
    if total == 0:
        return "0s"
    if total % 86400 == 0 and total >= 3 * 86400:
        return f"{total // 86400}d"
    if total % 3600 == 0:
        return f"{total // 3600}h"
    out = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)

Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)]


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"{format_duration(value)!r} must be longer than 0s")
    return value


# A span that cannot be empty: a window, an interval, a lookback.
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _seconds(value: Any) -> Any:
    # `timeout_s: 20` stays seconds; `timeout_s: 1m30s` is read by the same parser as every duration.
    return parse_duration(value).total_seconds() if isinstance(value, str) else value


# A `*_s` key: a number of seconds, or a duration written like every other (`20s`, `2m`).
Seconds = Annotated[float, BeforeValidator(_seconds)]
