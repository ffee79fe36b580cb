"""Grouping (pure): what a grouped route's flush sends, as Alertmanager's aggregation groups do.

A group (route node + group_by values) is flushed first `group_wait` after its first alert, then every
`group_interval`. A flush notifies when an alert joined or changed since the last notification, when
`repeat_interval` passed since it (the reminder), or — with `send_resolved` — when a notified alert
stopped holding. Every notification lists all the group's alerts that hold, not only the new ones.
The store applies the plan in one transaction with the notification's outbox rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from warnd.types import Alert, FlushPlan, GroupSnapshot, Severity

__all__ = ["FlushPlan", "GroupSnapshot", "lead_order", "plan_flush"]


def lead_order(alerts: Sequence[Alert]) -> tuple[Alert, ...]:
    """Most severe first, then the newest: the first is the one a subject line names."""
    return tuple(sorted(alerts, key=lambda a: (-a.severity.rank, -a.fired_at.timestamp(), -(a.id or 0))))


def plan_flush(group: GroupSnapshot, now: datetime, *, muted: str | None = None,
               inhibited: Mapping[str, str] | None = None,
               min_severity: Mapping[str, Severity] | None = None) -> FlushPlan:
    """What a flush of `group` at `now` sends.

    `muted`: why the route sends nothing now (a time interval), or None. `inhibited`: members an
    inhibit rule holds back, with the reason. `min_severity`: per channel, as for single alerts.
    """
    inhibited = inhibited or {}
    firing = [m for m in group.members if m.holds and m.dedup_key not in inhibited]
    resolved = [m for m in group.members if not m.holds and m.notified_alert_id is not None]
    gone = tuple(m.dedup_key for m in group.members if not m.holds and m.notified_alert_id is None)
    held = tuple((m.dedup_key, inhibited[m.dedup_key]) for m in group.members if m.holds and m.dedup_key in inhibited)
    remaining = [m for m in group.members if m.holds]
    next_flush = now + group.group_interval if remaining else None
    if muted is not None:
        # Nothing goes out; what changed is sent at the first flush after the window ends.
        return FlushPlan(None, drop=gone, inhibited=held, next_flush_at=now + group.group_interval
                         if (remaining or resolved) else None, note=f"muted: {muted}")
    changed = any(m.alert.id != m.notified_alert_id for m in firing)
    repeat = bool(firing) and (group.last_notified_at is None
                               or now - group.last_notified_at >= group.repeat_interval)
    drop = (*gone, *(m.dedup_key for m in resolved))
    status: str | None = None
    if firing and (changed or repeat or (resolved and group.send_resolved)):
        status = "firing"
    elif resolved and group.send_resolved:
        status = "resolved"
    note = None if status else ("inhibited: " + "; ".join(r for _, r in held) if held and not firing else None)
    if status is None:
        return FlushPlan(None, drop=drop, inhibited=held, next_flush_at=next_flush, note=note)
    listed = lead_order([m.alert for m in firing])
    gone_alerts = lead_order([m.alert for m in resolved]) if group.send_resolved else ()
    severity = max((a.severity for a in (*listed, *gone_alerts)), key=lambda s: s.rank)
    floor = min_severity or {}
    channels = tuple(c for c in group.channels if severity.rank >= floor.get(c, Severity.INFO).rank)
    return FlushPlan(status, listed, gone_alerts, channels, tuple(m.dedup_key for m in firing), drop, held,
                     next_flush, None)
