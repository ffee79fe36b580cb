"""Store: the groups of grouped routes — members added with their alert, flushes that write a
notification and its outbox rows in one transaction. Mixed into `Store`; values out, never rows.

Several instances: a flush takes its group row with `FOR NO KEY UPDATE SKIP LOCKED` (PostgreSQL) and
re-reads `flush_at` under the lock, so one instance flushes a group once; `(group_id, seq)` is unique
besides. Adding a member upserts the group row, so recording an alert waits at most for the one flush
transaction that holds that group (a few statements, no network I/O inside it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from warnd.types import Alert, DeliveryStatus, FlushPlan, GroupSnapshot, Member, Notification

from . import _convert as conv
from ._base import StoreBase
from .tables import (
    AlertRow,
    AlertStateRow,
    DeliveryRow,
    GroupMemberRow,
    NotificationGroupRow,
    NotificationRow,
)


@dataclass(frozen=True, slots=True)
class GroupTarget:
    """A grouped route node that took an alert, and the alert's group there."""

    key: str
    route: str
    labels: tuple[tuple[str, str], ...]
    channels: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    send_resolved: bool


@functools.cache
def _upserts(dialect: str) -> tuple[Any, Any]:
    """The group and member upserts, built once per dialect (building them per alert cost more than
    the database did); the values come from the parameters."""
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    group: Any = ins(NotificationGroupRow)
    group = group.on_conflict_do_update(index_elements=["key"], set_={
        "channels": group.excluded.channels, "group_interval_s": group.excluded.group_interval_s,
        "repeat_interval_s": group.excluded.repeat_interval_s, "send_resolved": group.excluded.send_resolved,
        # A group that emptied waits group_wait again; a live one keeps its schedule.
        "flush_at": func.coalesce(NotificationGroupRow.flush_at, group.excluded.flush_at),
    }).returning(NotificationGroupRow.id)
    member: Any = ins(GroupMemberRow)
    member = member.on_conflict_do_update(index_elements=["group_id", "dedup_key"],
                                          set_={"alert_id": member.excluded.alert_id})
    return group, member


def add_to_groups(conn: Connection, alert_id: int, alert: Alert, targets: Sequence[GroupTarget], now: datetime) -> None:
    """Put an alert (just inserted on `conn`) into its groups; an empty group is due `group_wait` from now."""
    group_upsert, member_upsert = _upserts(conn.dialect.name)
    for t in targets:
        group_id = conn.execute(group_upsert, {
            "key": t.key, "route": t.route, "labels": dict(t.labels), "channels": list(t.channels),
            "group_wait_s": int(t.group_wait.total_seconds()), "group_interval_s": int(t.group_interval.total_seconds()),
            "repeat_interval_s": int(t.repeat_interval.total_seconds()), "send_resolved": t.send_resolved,
            "created_at": now, "flush_at": now + t.group_wait, "notifications": 0}).scalar_one()
        conn.execute(member_upsert, {"group_id": group_id, "dedup_key": alert.dedup_key, "alert_id": alert_id,
                                     "added_at": now})


def holds(alert: Alert, firing: bool | None, evaluated_at: datetime | None, now: datetime) -> bool:
    """Whether an alert group still holds: its last evaluation found the condition met, and that
    evaluation (or the alert) is less than a window old — a group no new report touches is not
    evaluated again, and stops holding once its window has passed."""
    if not firing:
        return False
    seen = max(alert.fired_at, evaluated_at) if evaluated_at is not None else alert.fired_at
    return seen + alert.window > now


class GroupQueue(StoreBase):
    """The notification groups of `Store`."""

    def due_groups(self, now: datetime, limit: int = 100) -> list[int]:
        with self._read() as conn:
            q = (select(NotificationGroupRow.id).where(NotificationGroupRow.flush_at <= now)
                 .order_by(NotificationGroupRow.flush_at).limit(limit))
            return [int(i) for i in conn.scalars(q)]

    def flush_group(self, group_id: int, now: datetime,
                    plan: Callable[[GroupSnapshot], FlushPlan], *,
                    before_commit: Callable[[], None] = lambda: None) -> FlushPlan | None:
        """Flush one due group: `plan` decides from its snapshot; the notification, its outbox rows and
        the group's next state are one transaction. None when the group is not due (any more) or
        another instance holds it."""
        with self._tx() as s:
            row = s.scalar(select(NotificationGroupRow).where(
                NotificationGroupRow.id == group_id, NotificationGroupRow.flush_at <= now)
                .with_for_update(skip_locked=True, key_share=True))
            if row is None:
                return None
            members = list(s.execute(
                select(GroupMemberRow, AlertRow, AlertStateRow.firing, AlertStateRow.last_evaluated_at)
                .join(AlertRow, AlertRow.id == GroupMemberRow.alert_id)
                .outerjoin(AlertStateRow, AlertStateRow.dedup_key == GroupMemberRow.dedup_key)
                .where(GroupMemberRow.group_id == group_id).order_by(GroupMemberRow.id)).all())
            snapshot = GroupSnapshot(
                id=row.id, key=row.key, route=row.route, labels=tuple(sorted(row.labels.items())),
                channels=tuple(row.channels), group_interval=timedelta(seconds=row.group_interval_s),
                repeat_interval=timedelta(seconds=row.repeat_interval_s), send_resolved=row.send_resolved,
                last_notified_at=row.last_notified_at, notifications=row.notifications,
                members=tuple(Member(m.dedup_key, alert, m.notified_alert_id, holds=holds(alert, firing, seen, now))
                              for m, alert, firing, seen in ((m, conv.alert(a), f, e) for m, a, f, e in members)))
            result = plan(snapshot)
            by_key = {m.dedup_key: m for m, _a, _f, _e in members}
            if result.status is not None:
                row.notifications += 1
                row.last_notified_at = now
                note = NotificationRow(group_id=row.id, seq=row.notifications, status=result.status,
                                       alert_ids=[a.id for a in result.firing],
                                       resolved_ids=[a.id for a in result.resolved], created_at=now)
                s.add(note)
                s.flush()
                lead = (result.firing or result.resolved)[0]
                if result.channels:   # none when every channel's min_severity is above the alerts'
                    s.execute(insert(DeliveryRow), [
                        {"alert_id": lead.id, "channel": ch, "status": str(DeliveryStatus.PENDING), "attempts": 0,
                         "next_attempt_at": now, "created_at": now, "notification": note.id}
                        for ch in result.channels])
                for key in result.notified:
                    by_key[key].notified_alert_id = by_key[key].alert_id
            for key, reason in result.inhibited:
                by_key[key].inhibited = reason[:2000]
            for key in result.drop:
                s.delete(by_key[key])
            row.flush_at = result.next_flush_at
            row.last_note = result.note
            before_commit()
            return result

    def notification(self, notification_id: int) -> Notification | None:
        with self._tx() as s:
            return _notification(s, notification_id)

    def groups(self) -> list[dict[str, Any]]:
        """Every group with members, for `warnd status` and tests: key, route, labels, members, flush_at."""
        with self._tx() as s:
            counts = dict(s.execute(select(GroupMemberRow.group_id, func.count()).group_by(GroupMemberRow.group_id)).all())
            return [{"id": g.id, "key": g.key, "route": g.route, "labels": g.labels, "members": int(counts.get(g.id, 0)),
                     "flush_at": g.flush_at, "notifications": g.notifications, "last_note": g.last_note}
                    for g in s.scalars(select(NotificationGroupRow).order_by(NotificationGroupRow.id))]

    def forget_empty_groups(self) -> int:
        """Delete groups with no member and no schedule (housekeeping); their notifications go with them,
        once every outbox row of those notifications is sent (a dead letter keeps its group for a retry)."""
        with self._tx() as s:
            members = select(GroupMemberRow.group_id)
            res = s.execute(delete(NotificationGroupRow).where(
                NotificationGroupRow.flush_at.is_(None), NotificationGroupRow.id.not_in(members),
                ~select(DeliveryRow.id).join(NotificationRow, NotificationRow.id == DeliveryRow.notification)
                .where(NotificationRow.group_id == NotificationGroupRow.id,
                       DeliveryRow.status != str(DeliveryStatus.SENT)).exists()))
            return int(res.rowcount or 0)  # type: ignore[attr-defined]


def _notification(s: Any, notification_id: int) -> Notification | None:
    row = s.get(NotificationRow, notification_id)
    if row is None:
        return None
    group = s.get(NotificationGroupRow, row.group_id)
    ids = [*row.alert_ids, *row.resolved_ids]
    alerts = {a.id: conv.alert(a) for a in s.scalars(select(AlertRow).where(AlertRow.id.in_(ids)))} if ids else {}
    return Notification(id=row.id, group=tuple(sorted(group.labels.items())) if group else (),
                        route=group.route if group else "", status=row.status, seq=row.seq,
                        alerts=tuple(alerts[i] for i in row.alert_ids if i in alerts),
                        resolved=tuple(alerts[i] for i in row.resolved_ids if i in alerts))

