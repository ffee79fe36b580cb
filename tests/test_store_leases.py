"""Feed leases: two instances (two Store objects) on one database poll each feed once at a time.

Every test runs on SQLite and on PostgreSQL (the `db_url` fixture).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from warnd.store import Store, open_store
from warnd.store.tables import FeedStateRow
from warnd.types import FeedState

LEASE = timedelta(seconds=60)


@pytest.fixture
def other(store: Store, db_url: str) -> Iterator[Store]:
    """A second instance on the same database (the `store` fixture has migrated it)."""
    s = open_store(db_url)
    yield s
    s.close()


def lease_of(store: Store, feed: str) -> tuple[str | None, object]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(FeedStateRow.lease_owner, FeedStateRow.lease_until)
                           .where(FeedStateRow.feed == feed)).one()
    return row[0], row[1]


def test_claim_creates_the_row_and_a_second_instance_is_refused(store: Store, other: Store, clock) -> None:
    now = clock.now()
    assert store.claim_feed("monitor", "a", now, LEASE)
    assert not other.claim_feed("monitor", "b", now + timedelta(seconds=1), LEASE)
    assert lease_of(store, "monitor")[0] == "a"
    assert "monitor" in store.feed_states()


def test_the_holder_renews_its_lease(store: Store, other: Store, clock) -> None:
    now = clock.now()
    assert store.claim_feed("monitor", "a", now, LEASE)
    assert store.claim_feed("monitor", "a", now + timedelta(seconds=50), LEASE)
    # Renewed at +50 s: still held at +100 s, although the first lease ended at +60 s.
    assert not other.claim_feed("monitor", "b", now + timedelta(seconds=100), LEASE)


EXPIRY = [
    pytest.param(timedelta(seconds=59), False, id="before-expiry"),
    pytest.param(timedelta(seconds=60), True, id="at-expiry"),
    pytest.param(timedelta(hours=1), True, id="long-after"),
]


@pytest.mark.parametrize("later, taken", EXPIRY)
def test_an_expired_lease_is_taken_over(store: Store, other: Store, clock, later: timedelta, taken: bool) -> None:
    """An instance that died (SIGKILL, no release) stops holding its feeds when the lease runs out."""
    now = clock.now()
    assert store.claim_feed("monitor", "dead", now, LEASE)
    assert other.claim_feed("monitor", "alive", now + later, LEASE) is taken
    assert lease_of(store, "monitor")[0] == ("alive" if taken else "dead")


def test_release_frees_the_feed_only_for_its_owner(store: Store, other: Store, clock) -> None:
    now = clock.now()
    store.claim_feed("monitor", "a", now, LEASE)
    assert not other.release_feed("monitor", "b")
    assert not other.claim_feed("monitor", "b", now, LEASE)
    assert store.release_feed("monitor", "a")
    assert other.claim_feed("monitor", "b", now, LEASE)
    # "a" lost the lease to "b": releasing it again must not free b's lease.
    assert not store.release_feed("monitor", "a")
    assert lease_of(store, "monitor")[0] == "b"


def test_release_all_frees_every_feed_of_one_owner(store: Store, other: Store, clock) -> None:
    now = clock.now()
    for feed in ("f1", "f2", "f3"):
        assert store.claim_feed(feed, "a", now, LEASE)
    assert other.claim_feed("f4", "b", now, LEASE)
    assert store.release_all("a") == 3
    assert store.release_all("a") == 0
    assert all(other.claim_feed(feed, "b", now, LEASE) for feed in ("f1", "f2", "f3"))
    assert not store.claim_feed("f4", "a", now, LEASE)


def test_claim_keeps_the_feed_state(store: Store, other: Store, clock) -> None:
    now = clock.now()
    store.save_feed_state(FeedState(feed="monitor", etag='"v1"', items_seen=12, last_success_at=now))
    assert other.claim_feed("monitor", "b", now, LEASE)
    other.save_feed_state(FeedState(feed="monitor", etag='"v2"', items_seen=13, last_success_at=now))
    state = store.feed_states()["monitor"]
    assert (state.etag, state.items_seen) == ('"v2"', 13)
    assert lease_of(store, "monitor")[0] == "b"


@pytest.mark.parametrize("feed_exists", [False, True], ids=["new-feed", "known-feed"])
def test_racing_instances_one_wins(db_url: str, store: Store, clock, feed_exists: bool) -> None:
    """Eight instances claim the same feed at the same moment: exactly one gets it, none errors."""
    if feed_exists:
        store.save_feed_state(FeedState(feed="contested"))
    stores = [open_store(db_url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    results: dict[int, bool | BaseException] = {}

    def claim(i: int) -> None:
        barrier.wait()
        try:
            results[i] = stores[i].claim_feed("contested", f"instance-{i}", clock.now(), LEASE)
        except BaseException as e:
            results[i] = e

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.close()
    assert not [r for r in results.values() if isinstance(r, BaseException)], results
    winners = [i for i, won in results.items() if won is True]
    assert len(winners) == 1
    assert lease_of(store, "contested")[0] == f"instance-{winners[0]}"


def test_many_feeds_split_between_two_instances(store: Store, other: Store, clock) -> None:
    """Two instances walking the same feed list alternately end up with disjoint sets that cover it."""
    now = clock.now()
    feeds = [f"feed-{i}" for i in range(20)]
    got: dict[str, list[str]] = {"a": [], "b": []}
    for i, feed in enumerate(feeds):
        first, second = (("a", store), ("b", other)) if i % 2 else (("b", other), ("a", store))
        for owner, s in (first, second):
            if s.claim_feed(feed, owner, now, LEASE):
                got[owner].append(feed)
    assert sorted(got["a"] + got["b"]) == sorted(feeds)
    assert not set(got["a"]) & set(got["b"])
    assert got["a"] and got["b"]


@pytest.mark.postgres
def test_postgres_skips_a_row_locked_by_another_claim(pg_url: str, clock) -> None:
    """SKIP LOCKED: while one instance holds the row lock, another's claim returns at once with False."""
    a, b = open_store(pg_url, migrate=True), open_store(pg_url)
    try:
        assert a.claim_feed("monitor", "a", clock.now() - timedelta(hours=1), LEASE)  # long expired
        result: list[bool] = []
        claimer = threading.Thread(target=lambda: result.append(b.claim_feed("monitor", "b", clock.now(), LEASE)))
        with a.engine.connect() as conn, conn.begin():
            conn.execute(sa.select(FeedStateRow.feed).where(FeedStateRow.feed == "monitor").with_for_update())
            claimer.start()
            claimer.join(timeout=10)
            blocked = claimer.is_alive()
        claimer.join(timeout=10)  # the lock is released: a blocked claim would finish now
        assert not blocked, "claim_feed waited for a row lock instead of skipping it"
        assert result == [False]
        assert b.claim_feed("monitor", "b", clock.now(), LEASE)
    finally:
        a.close()
        b.close()
