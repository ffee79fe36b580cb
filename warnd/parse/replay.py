"""Replay: make a recorded feed file look current, for demos and end-to-end path tests.

A feed with ``replay: true`` is a recorded local file. On every poll that parses it:

* ``delta = now - newest``, where ``newest`` is the latest ``published_at`` (else
  ``updated_at``) among the items; every item's ``published_at`` and ``updated_at`` move by the
  same ``delta``. The newest item is therefore dated exactly ``now`` and the spacing between
  items (the "burst" a rule looks for) is kept. ``delta`` is whole seconds, so shifted dates
  stay readable.
* Dates in a recording are not rejected as "in the future" when parsed (`parse_feed` skips
  that check for ``replay: true`` feeds): a backtest clock may lie before the recording.
* Items without any date are left alone (the store dates them at first sight, i.e. now).
* Keys and content hashes are **not** touched: ``content_hash`` covers title and summary only,
  never dates. Polling the same file again gives the same keys and hashes, so the store sees
  no new item and no revision, however much time has passed. (The poller does not even parse
  an unchanged file: its body hash is the same.)
* Each shifted item gets a note ``replay: dates shifted by <delta>`` so nobody mistakes a demo
  alert for a live one when reading the evidence. `replay_delta` reads it back: extraction resolves
  "since Thursday" against the recorded date (the weekday the text means), then shifts the result.

Pure: `now` is passed in (the poller gives ``clock.now()``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from warnd.types import Item

__all__ = ["replay_delta", "replay_shift"]

_NOTE = "replay: dates shifted by "
_DELTA = re.compile(r"(?:(-?\d+) days?, )?(\d+):(\d\d):(\d\d)")


def replay_shift(items: Sequence[Item], now: datetime) -> tuple[Item, ...]:
    """Shift item dates so the newest item is `now`; keys and content hashes unchanged."""
    dated = [d for item in items if (d := item.published_at or item.updated_at) is not None]
    if not dated:
        return tuple(items)
    delta = now - max(dated)
    delta = timedelta(seconds=int(delta.total_seconds()))
    if not delta:
        return tuple(items)
    note = f"replay: dates shifted by {delta}"
    shifted = []
    for item in items:
        if item.published_at is None and item.updated_at is None:
            shifted.append(item)
            continue
        shifted.append(dataclasses.replace(
            item,
            published_at=item.published_at + delta if item.published_at else None,
            updated_at=item.updated_at + delta if item.updated_at else None,
            notes=(*item.notes, note),
        ))
    return tuple(shifted)


def replay_delta(item: Item) -> timedelta | None:
    """How far `replay_shift` moved the item's dates (from its note), or None for an item never shifted."""
    for note in item.notes:
        if note.startswith(_NOTE):
            m = _DELTA.fullmatch(note[len(_NOTE):])
            if m is not None:
                days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
                return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return None
