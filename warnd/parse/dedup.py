"""Item identity: the dedup key, the content hash, and collapsing repeats within one feed body.

* **Key** (`item_key`): the guid, trimmed of surrounding whitespace and compared exactly (RSS
  guids are case-sensitive, so ``DUP-B`` is not ``dup-B``); else the link; else a hash of
  title + summary. Prefixed ``guid:``, ``link:`` or ``hash:`` so that a permalink guid that
  equals another item's link cannot merge two different items. An empty guid counts as none
  (feedparser gives ``''`` for ``<guid></guid>``). Keys longer than 512 characters are
  replaced by a hash of themselves so they fit an index.
* **Content hash** (`content_hash`): of title + summary only — not dates, links or notes —
  so a replayed (date-shifted) item or a re-fetched unchanged one hashes the same, and a
  changed toll under the same key is a new hash, i.e. a revision (the store decides).
* **Dedup** (`dedup_items`): one item per key; the latest revision wins (newest of
  updated/published; on a tie, or without dates, the one listed first, because feeds list
  newest first). The survivors keep the order in which their keys first appeared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from warnd.types import Item

__all__ = ["content_hash", "dedup_items", "item_key"]

_MAX_KEY_CHARS = 512
_NO_DATE = datetime.min.replace(tzinfo=UTC)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_hash(title: str, summary: str) -> str:
    """Hash of an item's title and summary: a new value under the same key is a revision."""
    return _digest(f"{title}\x1f{summary}")


def item_key(guid: str | None, link: str | None, title: str, summary: str) -> str:
    """The dedup key: guid (trimmed, case-sensitive), else link, else a hash of title+summary."""
    guid = (guid or "").strip()
    if guid:
        key = f"guid:{guid}"
    elif link:
        key = f"link:{link.strip()}"
    else:
        return f"hash:{content_hash(title, summary)}"
    if len(key) > _MAX_KEY_CHARS:
        return f"{key[:4]}-sha256:{_digest(key)}"
    return key


def _revision_at(item: Item) -> datetime:
    return item.updated_at or item.published_at or _NO_DATE


def dedup_items(items: Iterable[Item]) -> tuple[Item, ...]:
    """One item per key, the latest revision of each, in order of first appearance."""
    best: dict[str, Item] = {}
    for item in items:
        held = best.get(item.key)
        # Strictly newer only: on a tie the earlier-listed item stays (feeds list newest first).
        if held is None or _revision_at(item) > _revision_at(held):
            best[item.key] = item
    return tuple(best.values())
