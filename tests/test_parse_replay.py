"""replay_shift: a recorded feed fires "today" without creating revisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warnd.config.settings import FeedSettings
from warnd.parse import parse_feed, replay_shift
from warnd.types import Item

DATA = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)


def item(key: str, published: datetime | None, updated: datetime | None = None) -> Item:
    return Item(feed="f", key=key, title=key, published_at=published, updated_at=updated, content_hash=f"h-{key}")


def test_newest_becomes_now_spacing_kept() -> None:
    t = datetime(2026, 2, 11, 10, tzinfo=UTC)
    shifted = replay_shift([item("a", t), item("b", t - timedelta(hours=3), t - timedelta(hours=1)), item("c", None)], NOW)
    assert [i.published_at for i in shifted] == [NOW, NOW - timedelta(hours=3), None]
    assert shifted[1].updated_at == NOW - timedelta(hours=1)
    assert shifted[2] == item("c", None)  # undated: left for the store's first-seen time
    assert all(any(n.startswith("replay: dates shifted by") for n in i.notes) for i in shifted[:2])


@pytest.mark.parametrize("items", [
    pytest.param([], id="empty"),
    pytest.param([item("x", None)], id="no-dates"),
    pytest.param([item("x", NOW)], id="already-now"),
])
def test_nothing_to_shift(items: list[Item]) -> None:
    assert replay_shift(items, NOW) == tuple(items)


def test_updated_only_items_count_as_dated() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert replay_shift([item("a", None, t)], NOW)[0].updated_at == NOW


def test_repeated_replays_same_keys_and_hashes() -> None:
    feed = FeedSettings(name="demo", url="demo/recorded.rss", replay=True)
    body = (DATA / "un_news.rss").read_bytes()
    # A backtest clock may lie before the recording: dates are not dropped as "future".
    early = datetime(2020, 1, 1, tzinfo=UTC)
    first = replay_shift(parse_feed(body, feed=feed, url=feed.url, fetched_at=early).items, early)
    later = replay_shift(parse_feed(body, feed=feed, url=feed.url, fetched_at=NOW).items, NOW)
    assert first[0].published_at == early and later[0].published_at == NOW
    assert [(i.key, i.content_hash) for i in first] == [(i.key, i.content_hash) for i in later]
