"""Store: feed state between polls, and the leases that let several instances share the polling.
Mixed into `Store`; values out, never rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warnd.types import FeedState

from . import _convert as conv
from ._base import StoreBase
from .tables import DeliveryRow, FeedStateRow


class FeedStates(StoreBase):
    """Feed state and feed-poll leases of `Store`."""

    # ---- feeds -------------------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        with self._tx() as s:
            return {r.feed: conv.feed_state(r) for r in s.scalars(select(FeedStateRow))}

    def feed_state(self, feed: str) -> FeedState | None:
        """One feed's state, read fresh (another instance may have polled it)."""
        with self._tx() as s:
            row = s.get(FeedStateRow, feed)
            return conv.feed_state(row) if row else None

    def clear_leases(self) -> int:
        """Drop every lease: only for a single-instance store (SQLite) whose lock this process holds."""
        with self._tx() as s:
            feeds = s.execute(update(FeedStateRow).where(FeedStateRow.lease_owner.is_not(None))
                              .values(lease_owner=None, lease_until=None))
            rows = s.execute(update(DeliveryRow).where(DeliveryRow.lease_owner.is_not(None))
                             .values(lease_owner=None, lease_until=None))
            return int(feeds.rowcount or 0) + int(rows.rowcount or 0)  # type: ignore[attr-defined]

    def save_feed_state(self, state: FeedState) -> None:
        with self._tx() as s:
            _put_feed_state(s, state)

    # ---- feed leases: several instances on one PostgreSQL share the polling --------------------

    def claim_feed(self, feed: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take, or renew, the lease on polling `feed` for `owner` until `now + lease`.

        Returns True when `owner` holds the lease afterwards: it was free, expired
        (`lease_until <= now`) or already `owner`'s. The feed_state row is created when missing.
        On PostgreSQL the row is taken with `SELECT … FOR UPDATE SKIP LOCKED`, so an instance
        never waits for another that is claiming the same feed, it moves on; on SQLite (one
        writer at a time) a conditional UPDATE decides.
        """
        free = or_(FeedStateRow.lease_owner.is_(None), FeedStateRow.lease_owner == owner,
                   FeedStateRow.lease_until.is_(None), FeedStateRow.lease_until <= now)
        with self._tx() as s:
            _ensure_feed_row(s, feed, self.dialect)
            if self.dialect == "postgresql":
                row = s.scalars(select(FeedStateRow).where(FeedStateRow.feed == feed, free)
                                .with_for_update(skip_locked=True)).first()
                if row is None:
                    return False  # leased to a live instance, or being claimed right now
                row.lease_owner, row.lease_until = owner, now + lease
                return True
            res = s.execute(update(FeedStateRow).where(FeedStateRow.feed == feed, free)
                            .values(lease_owner=owner, lease_until=now + lease))
            return bool(res.rowcount)  # type: ignore[attr-defined]  # CursorResult has rowcount

    def release_feed(self, feed: str, owner: str) -> bool:
        """Give up `owner`'s lease on `feed`; False when `owner` did not hold it (expired and taken)."""
        with self._tx() as s:
            res = s.execute(update(FeedStateRow)
                            .where(FeedStateRow.feed == feed, FeedStateRow.lease_owner == owner)
                            .values(lease_owner=None, lease_until=None))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def release_all(self, owner: str) -> int:
        """Give up every lease `owner` holds, on feeds and on outbox rows (a clean shutdown).

        Returns how many feeds and deliveries were released.
        """
        with self._tx() as s:
            feeds = s.execute(update(FeedStateRow).where(FeedStateRow.lease_owner == owner)
                              .values(lease_owner=None, lease_until=None))
            deliveries = s.execute(update(DeliveryRow).where(DeliveryRow.lease_owner == owner)
                                   .values(lease_owner=None, lease_until=None))
            return int(feeds.rowcount or 0) + int(deliveries.rowcount or 0)  # type: ignore[attr-defined]


# Every poll writes its feed's state, a 304 included. The ORM way (read the row, set its
# attributes, flush) cost a SELECT, the unit of work, and a statement cache key computed over the
# literal values: ~410 µs of CPU per write on SQLite and ~1.1 ms on PostgreSQL, more than the
# whole HTTP side of a 304 (~200 µs). One prepared UPDATE: ~130 µs and ~650 µs
# (`bench/feeds.py --state-writes`, bench/README.md).
_UPDATE_STATE = update(FeedStateRow).where(FeedStateRow.feed == bindparam("state_feed")).values({
    name: bindparam(name) for name in (
        "etag", "last_modified", "content_hash", "last_polled_at", "last_success_at", "last_new_item_at",
        "last_error_at", "last_error", "consecutive_failures", "items_seen", "next_poll_at", "latencies",
    )
})


def _put_feed_state(s: Session, state: FeedState) -> None:
    """Write `state` over its feed's row, or create the row; the lease columns are left alone.

    The UPDATE goes through the session's connection, past the ORM: no caller holds a
    `FeedStateRow` of this feed in the session, so none can go stale.
    """
    values = {
        "etag": state.etag, "last_modified": state.last_modified, "content_hash": state.content_hash,
        "last_polled_at": state.last_polled_at, "last_success_at": state.last_success_at,
        "last_new_item_at": state.last_new_item_at, "last_error_at": state.last_error_at,
        "last_error": state.last_error, "consecutive_failures": state.consecutive_failures,
        "items_seen": state.items_seen, "next_poll_at": state.next_poll_at, "latencies": list(state.latencies_s),
    }
    if not s.connection().execute(_UPDATE_STATE, {"state_feed": state.feed, **values}).rowcount:
        s.add(FeedStateRow(feed=state.feed, **values))


def _ensure_feed_row(s: Session, feed: str, dialect: str) -> None:
    """Create the feed_state row of `feed` unless it exists, without failing when another instance does too."""
    insert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        if s.get(FeedStateRow, feed) is None:
            try:
                with s.begin_nested():
                    s.add(FeedStateRow(feed=feed, consecutive_failures=0, items_seen=0, latencies=[]))
            except IntegrityError:
                pass  # another instance created it between our read and our insert
        return
    s.execute(insert(FeedStateRow).values(feed=feed, consecutive_failures=0, items_seen=0, latencies=[])
              .on_conflict_do_nothing(index_elements=["feed"]))
