"""`warnd backtest`: replay recorded items through the daemon's own extract → store → evaluate path.

A simulated clock is set to each item's published time, the item is ingested as if it had just been
polled, and the rules are evaluated; every alert that would have been sent is returned. The database
is a throwaway SQLite file, migrated like the real one.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from warnd.clock import FakeClock, utc
from warnd.config import RuleSet, Settings
from warnd.deliver.render import alert_sentence, default_headline
from warnd.deliver.tally_text import tally_json
from warnd.errors import ConfigError, Problem
from warnd.parse.feed import EARLIEST_PLAUSIBLE
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
            if published < EARLIEST_PLAUSIBLE:
                # As when parsing a feed: 1970-01-01 is epoch 0 from a broken export, and a simulated
                # clock starting there would tick through decades. Old dates after the floor are fine.
                raise ValueError(f"published {published:%Y-%m-%d} is before {EARLIEST_PLAUSIBLE:%Y-%m-%d}: "
                                 "a placeholder, not a date")
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
                 start: datetime | None = None, end: datetime | None = None,
                 tick: timedelta | None = None) -> Iterator[Alert]:
    """Yield the alerts the rules would have fired, in simulated time order.

    Rules are evaluated after each item; with `tick`, also at every tick of simulated time from the
    first item on (until `end`, else the last item), so time-driven rules — `feed_silence`, and
    `realert` running out while a condition still holds — fire when the daemon would have fired them.
    """
    if not items:
        return
    if tick is not None and tick <= timedelta(0):
        raise ValueError("tick must be longer than 0s")
    with tempfile.TemporaryDirectory(prefix="warnd-backtest-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'backtest.db'}", migrate=True)
        try:
            first_at = items[0].item.published_at
            assert first_at is not None
            clock = FakeClock(first_at)
            pipeline = Pipeline(store, extractor, settings, rules,
                                feed_tags={f.name: f.tags for f in settings.feeds if f.enabled})
            for at, entry in _timeline(items, first_at, end, tick):
                clock.set(at)
                if entry is not None:
                    pipeline.ingest(entry.item.feed, [entry.item], None, clock.now())
                fired = pipeline.evaluate(clock.now())
                if start is not None and at < start:
                    continue  # history before --from builds baselines but its alerts are not reported
                yield from fired
        finally:
            store.close()


def _timeline(items: list[BacktestItem], first_at: datetime, end: datetime | None,
              tick: timedelta | None) -> Iterator[tuple[datetime, BacktestItem | None]]:
    """The evaluation times: each item's time (with the item), and each tick between (without one)."""
    next_tick = first_at + tick if tick else None
    last_at = first_at
    for entry in items:
        at = entry.item.published_at
        assert at is not None
        if end is not None and at > end:
            break
        while next_tick is not None and tick is not None and next_tick < at:
            yield next_tick, None
            next_tick += tick
        yield at, entry
        last_at = at
    stop = end if end is not None else last_at
    while next_tick is not None and tick is not None and next_tick <= stop:
        if next_tick > last_at:
            yield next_tick, None
        next_tick += tick


@dataclass(frozen=True, slots=True)
class RuleSummary:
    """How a rule behaved over a backtest."""

    rule: str
    kind: str
    alerts: int = 0
    escalations: int = 0
    first_fired_at: datetime | None = None
    max_value: float | None = None


def summarize(alerts: Iterable[Alert], rules: RuleSet) -> list[RuleSummary]:
    """One row per rule (enabled ones that never fired included, so a rule that is too strict shows)."""
    rows = {r.id: RuleSummary(r.id, r.kind) for r in rules.enabled()}
    for a in alerts:
        row = rows.get(a.rule) or RuleSummary(a.rule, a.kind)
        rows[a.rule] = RuleSummary(
            row.rule, row.kind, row.alerts + 1, row.escalations + int(a.escalation),
            min(row.first_fired_at, a.fired_at) if row.first_fired_at else a.fired_at,
            max(row.max_value, a.value) if row.max_value is not None else a.value)
    return sorted(rows.values(), key=lambda r: r.rule)


def format_summary(rows: Sequence[RuleSummary]) -> str:
    """The summary as a plain-text table (for stderr)."""
    header = ("rule", "kind", "alerts", "escalations", "first fired (UTC)", "max value")
    body = [(r.rule, r.kind, str(r.alerts), str(r.escalations),
             r.first_fired_at.strftime("%Y-%m-%d %H:%M") if r.first_fired_at else "-",
             f"{r.max_value:g}" if r.max_value is not None else "-") for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
             for row in (header, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


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
        # What a desk would read: the subject's headline and the opening sentence.
        "headline": default_headline(alert),
        "summary": alert_sentence(alert),
        **tally_json(alert),
    }


__all__ = ["BacktestItem", "ConfigError", "RuleSummary", "alert_json", "format_summary", "read_items", "run_backtest",
           "summarize"]
