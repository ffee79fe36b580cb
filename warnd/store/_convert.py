"""Row ↔ value conversions; ORM rows never leave `store/`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from warnd.types import (
    Alert,
    Casualty,
    CasualtyKind,
    Delivery,
    DeliveryStatus,
    Evidence,
    FeedState,
    Place,
    Qualifier,
    Severity,
    Signals,
)


def feed_state(row: Any) -> FeedState:
    """From a FeedStateRow, or a Core row of the feed_state table (the same attributes)."""
    return FeedState(
        feed=row.feed, etag=row.etag, last_modified=row.last_modified, content_hash=row.content_hash,
        last_polled_at=row.last_polled_at, last_success_at=row.last_success_at,
        last_new_item_at=row.last_new_item_at, last_error_at=row.last_error_at, last_error=row.last_error,
        consecutive_failures=row.consecutive_failures or 0, items_seen=row.items_seen or 0,
        next_poll_at=row.next_poll_at, latencies_s=tuple(row.latencies or ()),
    )


def signals_to_json(signals: Signals) -> dict[str, Any]:
    out = asdict(signals)
    out["casualties"] = [{**c, "kind": str(c["kind"]), "qualifier": str(c["qualifier"])} for c in out["casualties"]]
    return out


def signals_from_json(data: dict[str, Any]) -> Signals:
    return Signals(
        casualties=tuple(
            Casualty(CasualtyKind(c["kind"]), c["count"], Qualifier(c["qualifier"]), c["victims"], c["cumulative"],
                     c.get("location"))
            for c in data.get("casualties", ())
        ),
        places=tuple(Place(**p) for p in data.get("places", ())),
        targeted_groups=tuple(data.get("targeted_groups", ())),
        region=data.get("region"), country=data.get("country"), actors=tuple(data.get("actors", ())),
        event_type=data.get("event_type"),
    )


def evidence_to_json(ev: Evidence) -> dict[str, Any]:
    return {"title": ev.title, "feed": ev.feed, "link": ev.link, "published_at": ev.published_at.isoformat(),
            "value": ev.value}


def evidence_from_json(data: dict[str, Any]) -> Evidence:
    return Evidence(data["title"], data["feed"], data.get("link"), datetime.fromisoformat(data["published_at"]),
                    data.get("value"))


def alert(row: Any) -> Alert:
    """From an AlertRow, or a Core row of the alerts table (the same attributes)."""
    return Alert(
        rule=row.rule, dedup_key=row.dedup_key, severity=Severity(row.severity), title=row.title,
        labels=tuple(sorted(row.labels.items())), value=row.value, baseline=row.baseline,
        window=timedelta(seconds=row.window_s), sources=row.sources, fired_at=row.fired_at,
        evidence=tuple(evidence_from_json(e) for e in row.evidence),
        annotations=tuple(sorted(row.annotations.items())), escalation=row.escalation,
        previous_value=row.previous_value, notify=tuple(row.notify), metric=row.metric, kind=row.kind, id=row.id,
    )


def delivery(row: Any) -> Delivery:
    """From a DeliveryRow, or a Core row of the deliveries table."""
    return Delivery(
        id=row.id, alert_id=row.alert_id, channel=row.channel, status=DeliveryStatus(row.status),
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        created_at=row.created_at, sent_at=row.sent_at,
    )
