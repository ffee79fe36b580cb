"""`warnd backtest`: replay recorded items through the daemon's own extract → store → evaluate path.

A simulated clock is set to each item's published time, the item is ingested as if it had just been
polled, and the rules are evaluated; every alert that would have been sent is returned. The database
is a throwaway SQLite file, migrated like the real one.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from warnd.clock import FakeClock, utc
from warnd.config import RuleSet, Settings
from warnd.errors import ConfigError, Problem
from warnd.pipeline import Extract, Pipeline
from warnd.store import open_store
from warnd.types import Alert, Item


@dataclass(frozen=True, slots=True)
class BacktestItem:
    line: int
    item: Item


def read_items(src: TextIO, *, path: str) -> tuple[list[BacktestItem], list[Problem]]:
    """Parse backtest JSON Lines: {"id","feed","published","title","summary","link"}; bad lines are reported."""
    items: list[BacktestItem] = []
    problems: list[Problem] = []
    for n, raw in enumerate(src, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("a line must be a JSON object")
            published = utc(datetime.fromisoformat(str(data["published"]).replace("Z", "+00:00")))
            title, summary = str(data.get("title") or ""), str(data.get("summary") or data.get("text") or "")
            item = Item(
                feed=str(data.get("feed") or "backtest"), key=str(data["id"]), title=title, summary=summary,
                link=data.get("link"), published_at=published, guid=str(data["id"]),
                content_hash=hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest(),
            )
        except KeyError as e:
            problems.append(Problem(path, n, None, f"missing key {e.args[0]!r}"))
            continue
        except (ValueError, TypeError) as e:
            problems.append(Problem(path, n, None, str(e)))
            continue
        items.append(BacktestItem(n, item))
    items.sort(key=lambda b: b.item.published_at or datetime.min.replace(tzinfo=UTC))
    return items, problems


def run_backtest(items: list[BacktestItem], settings: Settings, rules: RuleSet, extractor: Extract, *,
                 start: datetime | None = None, end: datetime | None = None) -> Iterator[Alert]:
    """Yield the alerts the rules would have fired, in simulated time order."""
    if not items:
        return
    with tempfile.TemporaryDirectory(prefix="warnd-backtest-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'backtest.db'}", migrate=True)
        try:
            first_at = items[0].item.published_at
            assert first_at is not None
            clock = FakeClock(first_at)
            pipeline = Pipeline(store, extractor, settings, rules,
                                feed_tags={f.name: f.tags for f in settings.feeds})
            for entry in items:
                at = entry.item.published_at
                assert at is not None
                if end is not None and at > end:
                    break
                clock.set(at)
                pipeline.ingest(entry.item.feed, [entry.item], None, clock.now())
                fired = pipeline.evaluate(clock.now())
                if start is not None and at < start:
                    continue  # history before --from builds baselines but its alerts are not reported
                yield from fired
        finally:
            store.close()


def alert_json(alert: Alert) -> dict[str, Any]:
    """The backtest's JSON line for an alert."""
    return {
        "rule": alert.rule,
        "fired_at": alert.fired_at.isoformat(),
        "severity": str(alert.severity),
        "labels": alert.label_dict,
        "value": alert.value,
        "baseline": alert.baseline,
        "sources": alert.sources,
        "evidence": [
            {"title": e.title, "feed": e.feed, "link": e.link, "published_at": e.published_at.isoformat(),
             "value": e.value}
            for e in alert.evidence
        ],
        "title": alert.title,
        "escalation": alert.escalation,
        "previous_value": alert.previous_value,
        "dedup_key": alert.dedup_key,
        "silenced": False,
    }


__all__ = ["BacktestItem", "ConfigError", "alert_json", "read_items", "run_backtest"]
