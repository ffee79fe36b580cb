"""Store: feed state between polls, and the leases that let several instances share the polling.
Mixed into `Store`; values out, never rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
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
        with self._read() as conn:
            return {r.feed: conv.feed_state(r) for r in conn.execute(select(FeedStateRow.__table__))}

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
        params = {"claim_feed": feed, "owner": owner, "now": now, "until": now + lease}
        with self._tx() as s:
            conn = s.connection()
            _ensure_feed_row(s, feed, self.dialect)
            if self.dialect == "postgresql":
                if conn.execute(_LOCK_FREE_ROW, params).first() is None:
                    return False  # leased to a live instance, or being claimed right now
                conn.execute(_SET_LEASE, params)
                return True
            return bool(conn.execute(_CLAIM_IF_FREE, params).rowcount)

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


# Every poll makes four store calls, a 304 included: claim the lease, read the state, write it
# (`_put_feed_state`, from `Store.ingest`), renew the lease until the next poll. Built per call,
# each statement had SQLAlchemy construct its expression and compute a cache key over the literal
# values, and the ORM read rows only to write them back: ~2.2 ms of CPU per poll on SQLite and
# ~4.6 ms on PostgreSQL, 10-20x the HTTP side of a 304 (~0.2 ms). The statements below are built
# once, with bind parameters, and run on the session's connection: ~0.7 ms and ~2.9 ms
# (`bench/feeds.py --store-per-poll`, bench/README.md).
_UPDATE_STATE = update(FeedStateRow).where(FeedStateRow.feed == bindparam("state_feed")).values({
    name: bindparam(name) for name in (
        "etag", "last_modified", "content_hash", "last_polled_at", "last_success_at", "last_new_item_at",
        "last_error_at", "last_error", "consecutive_failures", "items_seen", "next_poll_at", "latencies",
    )
})

_LEASE_FREE = or_(FeedStateRow.lease_owner.is_(None), FeedStateRow.lease_owner == bindparam("owner"),
                  FeedStateRow.lease_until.is_(None), FeedStateRow.lease_until <= bindparam("now"))
_CLAIM_IF_FREE = (update(FeedStateRow).where(FeedStateRow.feed == bindparam("claim_feed"), _LEASE_FREE)
                  .values(lease_owner=bindparam("owner"), lease_until=bindparam("until")))
_LOCK_FREE_ROW = (select(FeedStateRow.feed).where(FeedStateRow.feed == bindparam("claim_feed"), _LEASE_FREE)
                  .with_for_update(skip_locked=True))
_SET_LEASE = (update(FeedStateRow).where(FeedStateRow.feed == bindparam("claim_feed"))
              .values(lease_owner=bindparam("owner"), lease_until=bindparam("until")))
_INSERT_MISSING_ROW = {
    dialect: insert(FeedStateRow).values(feed=bindparam("new_feed"), consecutive_failures=0, items_seen=0, latencies=[])
    .on_conflict_do_nothing(index_elements=["feed"])
    for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


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
    insert_missing = _INSERT_MISSING_ROW.get(dialect)
    if insert_missing is not None:
        s.connection().execute(insert_missing, {"new_feed": feed})
        return
    if s.get(FeedStateRow, feed) is None:
        try:
            with s.begin_nested():
                s.add(FeedStateRow(feed=feed, consecutive_failures=0, items_seen=0, latencies=[]))
        except IntegrityError:
            pass  # another instance created it between our read and our insert
