"""Feed state in the store: what a poll writes (every poll, a 304 included) is what the next poll reads.

Every test runs on SQLite and on PostgreSQL (the `db_url` fixture). Leases: test_store_leases.py.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from warnd.store import Store
from warnd.types import FeedState

T0 = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)

FULL = FeedState(
    feed="sana", etag='"v7"', last_modified="Sat, 08 Mar 2025 11:00:00 GMT", content_hash="ab" * 32,
    last_polled_at=T0, last_success_at=T0 - timedelta(minutes=5), last_new_item_at=T0 - timedelta(hours=2),
    last_error_at=T0 - timedelta(days=1), last_error="feed 'sana': HTTP 503 Service Unavailable",
    consecutive_failures=2, items_seen=1018, next_poll_at=T0 + timedelta(minutes=10),
    latencies_s=(0.051, 0.0489, 1.5),
)


@pytest.mark.parametrize("state", [
    pytest.param(FULL, id="every-field"),
    pytest.param(FeedState("bare"), id="defaults"),
])
def test_saved_state_reads_back_equal(store: Store, state: FeedState) -> None:
    store.save_feed_state(state)
    assert store.feed_state(state.feed) == state
    assert store.feed_states() == {state.feed: state}


@pytest.mark.parametrize("change", [
    pytest.param({"etag": None, "last_modified": None}, id="validators-dropped"),
    pytest.param({"last_error": None, "last_error_at": None, "consecutive_failures": 0}, id="recovered"),
    pytest.param({"latencies_s": (), "next_poll_at": T0 + timedelta(days=1)}, id="latencies-emptied"),
    pytest.param({"etag": '"v8"', "items_seen": 1020, "last_polled_at": T0 + timedelta(minutes=10)}, id="next-poll"),
])
def test_saving_again_overwrites_every_field(store: Store, change: dict[str, object]) -> None:
    store.save_feed_state(FULL)
    updated = dataclasses.replace(FULL, **change)
    store.save_feed_state(updated)
    assert store.feed_state("sana") == updated


def test_a_304_poll_stores_its_state_without_items(store: Store) -> None:
    """The daemon stores a 304 as an ingest of no items: only the state changes."""
    store.save_feed_state(FULL)
    polled = dataclasses.replace(FULL, last_polled_at=T0 + timedelta(minutes=10), last_success_at=T0 + timedelta(minutes=10),
                                 consecutive_failures=0, latencies_s=(*FULL.latencies_s, 0.05))
    report = store.ingest("sana", [], polled, T0 + timedelta(minutes=10))
    assert (report.new, report.revised, report.state) == (0, 0, polled)
    assert store.feed_state("sana") == polled


def test_state_of_a_feed_never_claimed_is_created(store: Store) -> None:
    # `warnd rules test` and a first ingest write a state before any lease created the row.
    report = store.ingest("new-feed", [], FeedState("new-feed", etag='"a"', last_polled_at=T0), T0)
    assert store.feed_state("new-feed") == report.state == FeedState("new-feed", etag='"a"', last_polled_at=T0)


def test_saving_one_feed_leaves_the_others(store: Store) -> None:
    other = FeedState("reliefweb", etag='"r1"', items_seen=3)
    store.save_feed_state(other)
    store.save_feed_state(FULL)
    store.save_feed_state(dataclasses.replace(FULL, etag='"v8"'))
    assert store.feed_states()["reliefweb"] == other


def test_a_first_claim_creates_an_empty_state(store: Store) -> None:
    assert store.claim_feed("first", "a", T0, timedelta(seconds=60))
    assert store.feed_state("first") == FeedState("first")
    store.save_feed_state(FULL)
    assert store.claim_feed("sana", "a", T0, timedelta(seconds=60))  # the row exists: the claim keeps its state
    assert store.feed_state("sana") == FULL
