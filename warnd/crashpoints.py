"""Crash injection for reliability tests: the process SIGKILLs itself at a named step boundary.

Armed only by `WARND_CRASH_AT=<point>[:<n>]` (read in `warnd.config`, passed in by the CLI): the
n-th time (default the first) the daemon reaches that point it dies on the spot, exactly as a
power cut or the OOM killer would stop it, with no cleanup. Unarmed, `reach()` is a set lookup.

Points, in pipeline order:
"""

from __future__ import annotations

import os
import signal
from collections import Counter

POINTS = {
    "before_fetch": "a feed poll is about to start (its lease is taken)",
    "after_fetch": "a feed was fetched and parsed; nothing of it is stored",
    "after_ingest_commit": "items, their signals and the feed state are committed",
    "before_alert_commit": "an alert was decided; it is not recorded yet",
    "after_alert_commit": "an alert and its outbox rows are committed",
    "between_rules": "a rule of the evaluation cycle was evaluated and its alerts recorded; its progress is not saved",
    "after_evaluate": "an evaluation cycle recorded its alerts and moved its cursor",
    "before_group_commit": "a group flush wrote its notification and outbox rows; not committed",
    "after_group_commit": "a group's notification and its outbox rows are committed",
    "after_claim": "outbox rows are leased to this instance; nothing sent",
    "before_send": "a delivery is about to be handed to its channel",
    "after_send_before_mark": "a channel accepted a delivery; it is not marked sent",
    "after_mark_sent": "a delivery is marked sent",
    "after_release": "shutdown released this instance's leases",
}
__doc__ = (__doc__ or "") + "\n".join(f"- `{name}`: {what}" for name, what in POINTS.items()) + "\n"

_armed: dict[str, int] = {}
_seen: Counter[str] = Counter()


def arm(spec: str | None) -> None:
    """Arm from `point[:n]`; an unknown point is an error so a typo never makes a test pass vacuously."""
    _armed.clear()
    _seen.clear()
    if not spec:
        return
    for part in spec.split(","):
        name, _, nth = part.strip().partition(":")
        if name not in POINTS:
            raise ValueError(f"WARND_CRASH_AT: unknown crash point {name!r} (points: {', '.join(POINTS)})")
        _armed[name] = int(nth) if nth else 1


def reach(point: str) -> None:
    """Die here if this point is armed and this is its n-th reach."""
    if not _armed or point not in _armed:
        return
    _seen[point] += 1
    if _seen[point] == _armed[point]:
        os.kill(os.getpid(), signal.SIGKILL)
