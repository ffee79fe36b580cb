"""Durations as operators write them: 30s, 5m, 24h, 14d, 2w, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+$")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


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
        return timedelta(seconds=sum(float(n) * _UNIT_S[u] for n, u in _PART.findall(value)))
    raise ValueError(f"{value!r} is not a duration (e.g. 72h, 3d)")


def format_duration(value: timedelta) -> str:
    """Render a timedelta the way operators write it: 24h, 14d, 90s, 1h30m."""
    total = int(value.total_seconds())
    if total == 0:
        return "0s"
    if total % 86400 == 0 and total >= 2 * 86400:
        return f"{total // 86400}d"   # 14d; but 24h, not 1d: windows read better in hours
    out = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)

Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)]
