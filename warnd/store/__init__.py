"""The history: items, observations, alerts, the outbox and silences (SQLAlchemy 2; SQLite or PostgreSQL).

`Store` is synchronous and never called on the event loop: the daemon runs it in a worker thread
(`asyncio.to_thread`-style executor), so a slow disk or database never stalls polls or sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warnd.types import (
    Alert,
    Casualty,
    DeliveryStatus,
    FeedState,
    Item,
    Observation,
    ObservationFilter,
    Signals,
)

from . import _convert as conv
from ._console import (
    AlertFilter,
    AlertPage,
    AlertRecord,
    ConsoleReads,
    DecisionRecord,
    FeedbackRecord,
    SeriesPoint,
    console_columns,
)
from ._engine import make_engine
from ._fast import rows
from ._feeds import FeedStates, _put_feed_state
from ._groups import GroupQueue, GroupTarget, add_to_groups, holds
from ._outbox import DeliveryQueue
from ._progress import EvaluationProgress, RuleCatchUp, RuleFailure, RuleLag
from ._rules import OBSERVATION_COLUMNS, Group, RuleReads, StoredItem, _observation
from ._rules import observation_conditions as _conditions
from ._silences import Silence, Silences
from ._tolls import Figure, Obs, TollBook, TollReads
from .migrate import check_schema, current_revision, upgrade
from .tables import (
    AlertRow,
    AlertStateRow,
    CursorRow,
    DeliveryRow,
    IncidentRow,
    ItemRow,
    ObservationRow,
    TollSeriesRow,
)

__all__ = ["AlertFilter", "AlertPage", "AlertRecord", "AlertState", "DecisionRecord", "FeedbackRecord", "Group",
           "GroupTarget", "SeriesPoint", "IngestReport", "NewAlert", "RuleCatchUp", "RuleFailure", "RuleLag", "Silence",
           "Store",
           "StoreThread", "StoredItem", "open_store", "observed_time"]

_INGEST_LOCK = 0x7761726E64  # "warnd": the advisory lock key that orders ingest transactions

# A published time further ahead than this is a wrong clock or a bogus date: use the first-seen time.
_FUTURE_SLACK = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class IngestReport:
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    observations: int = 0
    state: FeedState | None = None   # the feed state as saved


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert decided by an evaluation, for `Store.record_alerts`."""

    alert: Alert
    channels: tuple[str, ...]
    silence_id: int | None = None      # recorded under this silence, not sent
    seen_count: int | None = None      # the group's alert count the decision saw (None: the current one)
    has_state: bool = True             # False: the decision saw no state for the group (its first alert)
    inhibited: str | None = None       # why it is recorded but not sent (an inhibit rule and its source)
    groups: tuple[GroupTarget, ...] = ()   # grouped route nodes that took it: it joins their groups
    muted: tuple[tuple[str, str], ...] = ()  # (channel, why): a time interval mutes that channel now
    trace: Mapping[str, Any] | None = None   # the decision trace (warnd.trace), stored with the alert


@dataclass(frozen=True, slots=True)
class AlertState:
    dedup_key: str
    rule: str
    labels: tuple[tuple[str, str], ...]
    firing: bool
    last_value: float | None
    last_sent_at: datetime | None
    alert_count: int


def observed_time(item: Item, first_seen_at: datetime) -> datetime:
    """When an item's facts happened, for windows: its published time, unless missing or in the future."""
    when = item.published_at or item.updated_at
    if when is None or when > first_seen_at + _FUTURE_SLACK:
        return first_seen_at
    return when


def open_store(url: str, *, migrate: bool = False, create: bool = False) -> Store:
    """Open the database at `url`; with `migrate`, bring the schema to head first; with `create`,
    only a database with no warnd schema yet (a new file) is brought to head.

    Raises:
        SchemaBehindError: the schema is older than this warnd (run `warnd db upgrade`).
        StoreError: the database cannot be reached.
    """
    engine = make_engine(url)
    if migrate or (create and current_revision(engine) is None):
        upgrade(engine)
    check_schema(engine)
    return Store(engine)


class Store(FeedStates, DeliveryQueue, GroupQueue, Silences, RuleReads, EvaluationProgress, TollReads,
            ConsoleReads):
    def close(self) -> None:
        self.engine.dispose()

    def unseen(self, feed: str, items: Sequence[Item]) -> list[Item]:
        """The items that are new, or whose content changed since their current revision."""
        if not items:
            return []
        keys = {i.key for i in items}
        with self._tx() as s:
            rows = s.execute(
                select(ItemRow.key, ItemRow.content_hash).where(
                    ItemRow.feed == feed, ItemRow.current.is_(True), ItemRow.key.in_(keys)
                )
            ).all()
            current = {key: content_hash for key, content_hash in rows}
        return [i for i in items if current.get(i.key) != i.content_hash]

    def ingest(self, feed: str, entries: Sequence[tuple[Item, Signals]], state: FeedState | None,
               now: datetime) -> IngestReport:
        """Store new items and revisions with their observations, and the feed's state, in one transaction.

        Core statements, a few per batch rather than an ORM `SELECT` and `flush` per item: one read of
        the current revisions, one multi-row insert of the items (ids back in order), one of the
        observations. Only the running tolls and incidents stay ORM objects (`TollBook`), flushed once
        before the observations that point to them are written.
        """
        new = revised = unchanged = n_obs = 0
        with self._tx() as s:
            if self.dialect == "postgresql" and entries:
                # Ids come from a sequence, and concurrent transactions could commit them out of order:
                # an evaluation cursor (id > last seen) would step over a row committed late, and its
                # alert would be lost. Serialising ingest transactions (they are short: fetching,
                # parsing and extraction happen before) makes ids commit in order. A poll with nothing
                # new (a 304) only writes its feed's state and does not wait for the lock.
                s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INGEST_LOCK})
            for run in _runs(entries):
                counts = _ingest_run(s, feed, run, now)
                new, revised, unchanged, n_obs = (new + counts[0], revised + counts[1], unchanged + counts[2],
                                                  n_obs + counts[3])
            if state is not None:
                if new or revised:
                    state = _bump(state, new + revised, now)
                _put_feed_state(s, state)
        return IngestReport(new, revised, unchanged, n_obs, state)

    # ---- observations (evaluation reads) ----------------------------------------------------

    def last_observation_id(self) -> int:
        with self._tx() as s:
            return int(s.scalar(select(func.max(ObservationRow.id))) or 0)

    def observations_after(self, after_id: int, limit: int = 10000) -> list[Observation]:
        """Observations stored after `after_id` (current revisions only), oldest first."""
        with self._read() as conn:
            found = rows(conn, _OBSERVATIONS_AFTER, {"after": after_id, "limit": limit})
        return [_observation(r) for r in found]

    def observations(self, flt: ObservationFilter, start: datetime, end: datetime, *,
                     before_id: int | None = None, limit: int | None = None) -> list[Observation]:
        """Observations matching `flt` with start <= observed_at <= end, newest first."""
        q = (
            select(*OBSERVATION_COLUMNS)
            .join(ItemRow, ItemRow.id == ObservationRow.item_id)
            .where(*_conditions(flt), ObservationRow.observed_at >= start, ObservationRow.observed_at <= end)
            .order_by(ObservationRow.observed_at.desc(), ObservationRow.id.desc())
        )
        if before_id is not None:
            q = q.where(ObservationRow.id < before_id)
        if limit is not None:
            q = q.limit(limit)
        with self._read() as conn:
            return [_observation(r, flt.measure) for r in conn.execute(q).all()]

    def cursor(self, name: str) -> int:
        with self._tx() as s:
            row = s.get(CursorRow, name)
            return row.position if row else 0

    def set_cursor(self, name: str, position: int, now: datetime) -> None:
        with self._tx() as s:
            row = s.get(CursorRow, name)
            if row is None:
                s.add(CursorRow(name=name, position=position, updated_at=now))
            else:
                row.position, row.updated_at = position, now

    def alert_states(self, dedup_keys: Sequence[str]) -> dict[str, AlertState]:
        """The alert states of many groups in one query."""
        if not dedup_keys:
            return {}
        out: dict[str, AlertState] = {}
        keys = list(dict.fromkeys(dedup_keys))
        with self._read() as conn:
            for i in range(0, len(keys), 500):
                for r in rows(conn, _ALERT_STATES, {"keys": keys[i:i + 500]}):
                    out[r.dedup_key] = _alert_state(r)
        return out

    def set_firing_many(self, firing: Mapping[str, bool], now: datetime) -> None:
        """Set the firing flag of many existing alert states in one transaction; absent states stay absent."""
        if not firing:
            return
        # Core, one expanding parameter: a cycle touches thousands of groups, most without a state yet.
        stmt = (update(AlertStateRow).where(AlertStateRow.dedup_key.in_(bindparam("keys", expanding=True)))
                .values(firing=bindparam("flag"), last_evaluated_at=bindparam("now")))
        with self._begin() as conn:
            for flag in (True, False):
                keys = [k for k, v in firing.items() if v is flag]
                for i in range(0, len(keys), 500):
                    conn.execute(stmt, {"keys": keys[i:i + 500], "flag": flag, "now": now})

    # ---- alerts -------------------------------------------------------------------------------

    def alert_state(self, dedup_key: str) -> AlertState | None:
        with self._tx() as s:
            row = s.get(AlertStateRow, dedup_key)
            return _alert_state(row) if row else None

    def record_alert(self, alert: Alert, channels: Sequence[str], now: datetime, *,
                     silence_id: int | None = None, seen_count: int | None = None) -> int | None:
        """Write an alert, its state and its outbox rows in one transaction (see `record_alerts`).

        Returns the alert id, or None when another instance recorded this alert first.
        """
        return self.record_alerts([NewAlert(alert, tuple(channels), silence_id, seen_count)], now)[0]

    def record_alerts(self, batch: Sequence[NewAlert], now: datetime) -> list[int | None]:
        """Write alerts with their states and outbox rows; returns their ids, None for each refused one.

        Each alert is recorded as number `seen_count + 1` of its group, and the group's state moves from
        `seen_count` to that number only if it still holds it: if another instance recorded an alert
        for the group after the decision, the changed count, the state's primary key or the unique
        (dedup_key, seq) key refuses this one. A batch is one transaction (a cycle records a rule's
        alerts together); when any of its alerts is refused, the batch is rolled back and recorded
        one alert per transaction, so that only the refused ones are lost to the other instance.
        """
        if len(batch) > 1:
            try:
                with self._begin() as conn:
                    return _write_alerts(conn, batch, now)
            except (IntegrityError, _Lost):
                pass
        out: list[int | None] = []
        for one in batch:
            try:
                with self._begin() as conn:
                    # Alone, the state is looked for even when the decision saw none: a state that
                    # appeared since is moved if it still holds the count, rather than refused.
                    out.extend(_write_alerts(conn, [replace(one, has_state=True)], now))
            except (IntegrityError, _Lost):
                out.append(None)
        return out

    def alerts(self, *, rule: str | None = None, since: datetime | None = None, until: datetime | None = None,
               limit: int = 100) -> list[Alert]:
        """Alerts newest first; `since` inclusive, `until` exclusive."""
        q = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
        if rule:
            q = q.where(AlertRow.rule == rule)
        if since:
            q = q.where(AlertRow.fired_at >= since)
        if until:
            q = q.where(AlertRow.fired_at < until)
        with self._tx() as s:
            return [conv.alert(r) for r in s.scalars(q)]

    def firing_alerts(self, now: datetime) -> list[Alert]:
        """The last alert of every group that still holds: flagged firing by its last evaluation, and
        that evaluation less than a window old (a group no new report touches stops holding then)."""
        q = (select(AlertRow, AlertStateRow.last_evaluated_at)
             .join(AlertStateRow, AlertStateRow.last_alert_id == AlertRow.id).where(AlertStateRow.firing.is_(True)))
        with self._tx() as s:
            rows = [(conv.alert(r), seen) for r, seen in s.execute(q).all()]
        return [a for a, seen in rows if holds(a, True, seen, now)]

    def published_alerts(self, *, limit: int = 50, alert_id: int | None = None) -> list[Alert]:
        """Alerts newest first that were meant to go out: not recorded under a silence, not inhibited
        (the CAP feed). With `alert_id`, that one alert if it is such an alert."""
        held = select(DeliveryRow.id).where(DeliveryRow.alert_id == AlertRow.id,
                                            DeliveryRow.status == str(DeliveryStatus.INHIBITED)).exists()
        q = select(AlertRow).where(AlertRow.silence_id.is_(None), ~held).order_by(AlertRow.id.desc()).limit(limit)
        if alert_id is not None:
            q = q.where(AlertRow.id == alert_id)
        with self._tx() as s:
            return [conv.alert(r) for r in s.scalars(q)]

    def alert_silence(self, alert_id: int) -> int | None:
        """The silence an alert was recorded under (not sent), or None when it went out."""
        with self._tx() as s:
            silence_id: int | None = s.scalar(select(AlertRow.silence_id).where(AlertRow.id == alert_id))
            return silence_id

    def alert(self, alert_id: int) -> Alert | None:
        with self._tx() as s:
            row = s.get(AlertRow, alert_id)
            return conv.alert(row) if row else None

    # ---- housekeeping -------------------------------------------------------------------------

    def prune(self, before: datetime) -> int:
        """Delete items (and their observations) first seen before `before`."""
        with self._tx() as s:
            ids = select(ItemRow.id).where(ItemRow.first_seen_at < before, ItemRow.observed_at < before)
            s.execute(delete(ObservationRow).where(ObservationRow.item_id.in_(ids)))
            res = s.execute(delete(ItemRow).where(ItemRow.first_seen_at < before, ItemRow.observed_at < before))
            # A series or incident with no report since `before` has no observation left to explain.
            s.execute(delete(TollSeriesRow).where(TollSeriesRow.last_at < before))
            s.execute(delete(IncidentRow).where(IncidentRow.last_at < before))
            return int(res.rowcount or 0)  # type: ignore[attr-defined]


_OBSERVATIONS_AFTER = (
    select(*OBSERVATION_COLUMNS).join(ItemRow.__table__, ItemRow.id == ObservationRow.item_id)
    .where(ObservationRow.id > bindparam("after"), ObservationRow.superseded.is_(False))
    .order_by(ObservationRow.id).limit(bindparam("limit")))
_ALERT_STATES = select(AlertStateRow.__table__).where(AlertStateRow.dedup_key.in_(bindparam("keys", expanding=True)))
_ALERT_COUNT = select(AlertStateRow.alert_count).where(AlertStateRow.dedup_key == bindparam("b_key"))
_INSERT_ALERT = insert(AlertRow).returning(AlertRow.id, sort_by_parameter_order=True)
# Moves a state from the count a decision saw to the next one (a NULL count is 0); SET comes from the parameters.
_MOVE_STATE = update(AlertStateRow).where(AlertStateRow.dedup_key == bindparam("b_key"),
                                          func.coalesce(AlertStateRow.alert_count, 0) == bindparam("b_seen"))
_INSERT_STATE = insert(AlertStateRow)
_INSERT_DELIVERY = insert(DeliveryRow)


class _Lost(Exception):
    """Another instance recorded an alert first: roll this transaction back."""


def _write_alerts(conn: Connection, batch: Sequence[NewAlert], now: datetime) -> list[int | None]:
    # Prebuilt Core statements, and executemany where the rows do not depend on each other: a cycle
    # can record a hundred alerts, and building statements (or the ORM's unit of work) cost more than
    # the database did.
    seen = [one.seen_count if one.seen_count is not None
            else conn.scalar(_ALERT_COUNT, {"b_key": one.alert.dedup_key}) or 0 for one in batch]
    ids = conn.execute(_INSERT_ALERT, [_alert_row(one, n + 1) for one, n in zip(batch, seen, strict=True)]).scalars().all()
    new_states: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for one, n, alert_id in zip(batch, seen, ids, strict=True):
        alert = one.alert
        state: dict[str, Any] = {"alert_count": n + 1, "last_alert_id": alert_id, "firing": True,
                                 "last_evaluated_at": now}
        if one.silence_id is None and one.inhibited is None:
            # A silenced (or inhibited) alert is recorded but not sent: it must not start the realert clock.
            state |= {"last_value": alert.value, "last_sent_at": alert.fired_at}
        moved = one.has_state and conn.execute(_MOVE_STATE, {"b_key": alert.dedup_key, "b_seen": n, **state}).rowcount
        if not moved:
            if n:
                raise _Lost   # another instance alerted for this group after our decision
            # The group's first alert; a state row that appeared meanwhile breaks the primary key.
            new_states.append({"dedup_key": alert.dedup_key, "rule": alert.rule, "labels": dict(alert.labels),
                               "alert_count": None, "last_value": None, "last_sent_at": None, **state})
        status = str(DeliveryStatus.SILENCED if one.silence_id is not None else
                     DeliveryStatus.INHIBITED if one.inhibited else DeliveryStatus.PENDING)
        muted = dict(one.muted) if status == DeliveryStatus.PENDING else {}
        deliveries.extend({"alert_id": alert_id, "channel": channel, "attempts": 0, "next_attempt_at": now,
                           "created_at": now,
                           "status": str(DeliveryStatus.MUTED) if channel in muted else status,
                           "last_error": muted.get(channel, one.inhibited)}
                          for channel in one.channels)
    if new_states:
        conn.execute(_INSERT_STATE, new_states)
    if deliveries:
        conn.execute(_INSERT_DELIVERY, deliveries)
    for one, alert_id in zip(batch, ids, strict=True):
        if one.groups and one.silence_id is None and one.inhibited is None:
            add_to_groups(conn, int(alert_id), one.alert, one.groups, now)
    return [int(i) for i in ids]


def _alert_row(one: NewAlert, seq: int) -> dict[str, Any]:
    a = one.alert
    return {"rule": a.rule, "dedup_key": a.dedup_key, "seq": seq, "kind": a.kind, "metric": a.metric,
            "severity": str(a.severity), "title": a.title, "labels": dict(a.labels), "value": a.value,
            "baseline": a.baseline, "window_s": int(a.window.total_seconds()), "sources": a.sources,
            "fired_at": a.fired_at, "evidence": [conv.evidence_to_json(e) for e in a.evidence],
            "annotations": dict(a.annotations), "notify": list(one.channels), "escalation": a.escalation,
            "previous_value": a.previous_value, "silence_id": one.silence_id, "tally": conv.tally_to_json(a.tally),
            "trace": dict(one.trace) if one.trace is not None else None, **console_columns(a.labels)}


def _counted(c: Casualty) -> bool:
    """Whether a figure becomes an observation that rules aggregate.

    Background history and projections are not casualties now (docs/extraction.md), and a part of a
    breakdown (`part_of` set) is already inside its total: observing both would let a `sum` rule add
    "40 killed" and its "22 in Kassala" to 62. The parts stay in the item's signals, for the alert text.
    """
    return not (c.historical or c.estimate or c.part_of is not None)


_INSERT_ITEMS = insert(ItemRow).returning(ItemRow.id, sort_by_parameter_order=True)
_INSERT_OBSERVATIONS = insert(ObservationRow)
_CURRENT = select(ItemRow.id, ItemRow.key, ItemRow.content_hash, ItemRow.revision, ItemRow.observed_at).where(
    ItemRow.feed == bindparam("feed"), ItemRow.current.is_(True), ItemRow.key.in_(bindparam("keys", expanding=True)))
_RETIRE = update(ItemRow).where(ItemRow.id.in_(bindparam("ids", expanding=True))).values(current=False)
_SUPERSEDE = update(ObservationRow).where(ObservationRow.item_id.in_(bindparam("ids", expanding=True))).values(
    superseded=True)


def _runs(entries: Sequence[tuple[Item, Signals]]) -> list[Sequence[tuple[Item, Signals]]]:
    """The entries cut where a key repeats: within a run every key is distinct, so one read of the
    current revisions serves it; a repeat (the same item twice in one body) sees the run before it."""
    runs: list[Sequence[tuple[Item, Signals]]] = []
    seen: set[str] = set()
    start = 0
    for i, (item, _) in enumerate(entries):
        if item.key in seen:
            runs.append(entries[start:i])
            start, seen = i, set()
        seen.add(item.key)
    if start < len(entries):
        runs.append(entries[start:])
    return runs


def _ingest_run(s: Session, feed: str, run: Sequence[tuple[Item, Signals]], now: datetime
                ) -> tuple[int, int, int, int]:
    """Store one run of distinct keys; (new, revised, unchanged, observations)."""
    conn = s.connection()
    current = {r.key: r for r in conn.execute(_CURRENT, {"feed": feed, "keys": [i.key for i, _ in run]})}
    new = revised = unchanged = 0
    todo: list[tuple[Item, Signals, Any]] = []
    rows: list[dict[str, Any]] = []
    for item, signals in run:
        prev = current.get(item.key)
        if prev is not None and prev.content_hash == item.content_hash:
            unchanged += 1
            continue
        revision, observed_at = 1, observed_time(item, now)
        if prev is not None:
            # An edited item (a toll updated in place) is a new revision; the old figures stay as
            # history but no longer count, so a sum never adds the old and the new version.
            revision = prev.revision + 1
            observed_at = max(prev.observed_at, min(item.updated_at or now, now))
            revised += 1
        else:
            new += 1
        todo.append((item, signals, prev))
        rows.append({
            "feed": feed, "key": item.key, "revision": revision, "current": True, "guid": item.guid,
            "title": item.title, "summary": item.summary, "link": item.link, "published_at": item.published_at,
            "updated_at": item.updated_at, "language": item.language, "content_hash": item.content_hash,
            "first_seen_at": now, "observed_at": observed_at, "region": signals.region,
            "country": signals.country, "signals": conv.signals_to_json(signals), "notes": list(item.notes)})
    if not rows:
        return new, revised, unchanged, 0
    if retired := [prev.id for _, _, prev in todo if prev is not None]:
        conn.execute(_RETIRE, {"ids": retired})
        conn.execute(_SUPERSEDE, {"ids": retired})
    ids = list(conn.execute(_INSERT_ITEMS, rows).scalars())
    observations: list[Obs] = []
    counted: list[tuple[list[Figure], str | None, int | None]] = []
    for (_, signals, prev), item_id, row in zip(todo, ids, rows, strict=True):
        obs, figures = _observations(item_id, feed, row["observed_at"], signals)
        observations.extend(obs)
        if figures:
            counted.append((figures, signals.event_type, prev.id if prev is not None else None))
    if counted:
        book = TollBook(s)   # per run: a run after the first reads what the one before it flushed
        book.prefetch([f for figures, _, _ in counted for f in figures])
        for figures, event, revises in counted:
            book.count(figures, feed=feed, event=event, revises=revises)
        s.flush()   # the new and changed series and incidents: their ids, before the rows that point to them
    if observations:
        conn.execute(_INSERT_OBSERVATIONS, [o.values() for o in observations])
    return new, revised, unchanged, len(observations)


def _observations(item_id: int, feed: str, observed_at: datetime, signals: Signals) -> tuple[list[Obs], list[Figure]]:
    # A figure belongs to the region of its own place: "9 killed in Baniyas" counts for Tartus even in an
    # item whose main region is Latakia. A running toll belongs to the place it covers (its scope): a toll
    # for the whole coast or the country is not the dateline city's, so it has no region of one
    # governorate. Figures without a resolved place take the item's region.
    where = {p.name: p for p in signals.places}
    rows: list[Obs] = []
    figures: list[Figure] = []
    for c in signals.casualties:
        if not _counted(c):
            continue
        scope = where.get(c.scope) if c.cumulative and c.scope else None
        name = c.scope if c.cumulative and c.scope else c.location
        place = scope or (where.get(c.location) if c.location else None)
        region = (place.region or (place.name if place.level == "region" else None)) if place else None
        country = (place.country or (place.name if place.level == "country" else None)) if place else None
        if scope is None:
            region, country = region or signals.region, country or signals.country
            if c.cumulative and c.scope is not None and c.scope == signals.country:
                region = None    # a country-wide toll in preset signals that list no places
        country = country or signals.country
        obs = Obs(item_id, feed, observed_at, str(c.kind), c.count, region, country, location=c.location,
                  victims=c.victims, qualifier=str(c.qualifier), cumulative=c.cumulative)
        rows.append(obs)
        figures.append(Figure(obs, c, name or region or country or "?"))
    for group in dict.fromkeys(signals.targeted_groups):
        rows.append(Obs(item_id, feed, observed_at, "mention", 1, signals.region, signals.country,
                        targeted_group=group))
    return rows, figures


def _bump(state: FeedState, n: int, now: datetime) -> FeedState:
    return replace(state, items_seen=state.items_seen + n, last_new_item_at=now)


def _alert_state(row: Any) -> AlertState:
    """From an AlertStateRow, or a Core row of the alert_state table (the same attributes)."""
    return AlertState(row.dedup_key, row.rule, tuple(sorted(row.labels.items())), row.firing, row.last_value,
                      row.last_sent_at, row.alert_count or 0)



T = TypeVar("T")


class StoreThread:
    """Runs Store calls on one worker thread, so the event loop never waits on the database."""

    def __init__(self, store: Store, *, workers: int = 1) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="warnd-store")

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, *args, **kwargs))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
