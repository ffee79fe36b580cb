"""Item identity: keys, content hash, latest revision wins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warnd.parse import content_hash, dedup_items, item_key
from warnd.types import Item


@pytest.mark.parametrize("guid, link, expected", [
    pytest.param("dup-A", "https://x/a", "guid:dup-A", id="guid-wins"),
    pytest.param("  dup-B  ", None, "guid:dup-B", id="guid-trimmed"),
    pytest.param("DUP-B", None, "guid:DUP-B", id="guid-case-sensitive"),
    pytest.param("", "https://x/e", "link:https://x/e", id="empty-guid-falls-back-to-link"),
    pytest.param(None, "https://x/c?utm_source=rss", "link:https://x/c?utm_source=rss", id="link"),
    pytest.param("https://x/a", "https://x/d", "guid:https://x/a", id="permalink-guid-is-a-guid"),
])
def test_item_key(guid: str | None, link: str | None, expected: str) -> None:
    assert item_key(guid, link, "t", "s") == expected


def test_item_key_hash_fallback_and_long_keys() -> None:
    assert item_key(None, None, "t", "s") == f"hash:{content_hash('t', 's')}"
    long_key = item_key("g" * 2000, None, "t", "s")
    assert long_key.startswith("guid-sha256:") and len(long_key) < 100


def test_content_hash_depends_on_title_and_summary_only() -> None:
    assert content_hash("a", "b") != content_hash("a", "c")
    assert content_hash("ab", "") != content_hash("a", "b")  # separator between the fields


def item(key: str, title: str, at: datetime | None) -> Item:
    return Item(feed="f", key=key, title=title, published_at=at, content_hash=content_hash(title, ""))


T8, T11 = datetime(2026, 2, 11, 8, tzinfo=UTC), datetime(2026, 2, 11, 11, tzinfo=UTC)


@pytest.mark.parametrize("items, expected", [
    pytest.param([item("k", "v1", T8), item("k", "v2", T11), item("k", "v2 repeat", T11)], ["v2"], id="latest-wins-tie-first"),
    pytest.param([item("k", "new", T11), item("k", "old", T8)], ["new"], id="newest-first-feed"),
    pytest.param([item("k", "first", None), item("k", "second", None)], ["first"], id="no-dates-first-listed"),
    pytest.param([item("a", "a", None), item("b", "b", None), item("a", "a2", T8)], ["a2", "b"], id="order-of-first-appearance"),
])
def test_dedup_items(items: list[Item], expected: list[str]) -> None:
    assert [i.title for i in dedup_items(items)] == expected


_guids = st.one_of(st.none(), st.text(max_size=20))
_links = st.one_of(st.none(), st.text(max_size=30))


@given(_guids, _links, st.text(max_size=50), st.text(max_size=50))
def test_key_is_stable_and_whitespace_insensitive(guid: str | None, link: str | None, title: str, summary: str) -> None:
    key = item_key(guid, link, title, summary)
    assert key == item_key(guid, link, title, summary)
    padded = f"  {guid}\n" if guid is not None else None
    assert item_key(padded, link, title, summary) == key
    assert key.split(":", 1)[0] in ("guid", "link", "hash", "guid-sha256", "link-sha256")


@given(st.lists(st.tuples(st.sampled_from("abc"), st.text(max_size=5)), max_size=20))
def test_dedup_is_idempotent_and_unique(pairs: list[tuple[str, str]]) -> None:
    items = [item(k, t, None) for k, t in pairs]
    once = dedup_items(items)
    assert dedup_items(once) == once
    assert len({i.key for i in once}) == len(once) == len({k for k, _ in pairs})
