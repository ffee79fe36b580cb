"""Row ↔ value conversions; ORM rows never leave `store/`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from warnd.types import (
    Alert,
    Casualty,
    CasualtyKind,
    Delivery,
    DeliveryStatus,
    Evidence,
    FeedState,
    IncidentView,
    Place,
    Qualifier,
    SeriesPoint,
    Severity,
    Signals,
    Tally,
    TollView,
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
    """The JSON of an item's signals (what `dataclasses.asdict` gives, the enums and dates as strings),
    field by field: `asdict` deep-copies every value and cost ~0.2 ms an item at ingest."""
    return {
        "casualties": [{"kind": str(c.kind), "count": c.count, "qualifier": str(c.qualifier), "victims": c.victims,
                        "cumulative": c.cumulative, "location": c.location, "part_of": c.part_of,
                        "historical": c.historical, "estimate": c.estimate,
                        "since": c.since.isoformat() if c.since else None, "scope": c.scope,
                        "attributed_to": c.attributed_to} for c in signals.casualties],
        "places": [{"name": p.name, "level": p.level, "region": p.region, "country": p.country} for p in signals.places],
        "targeted_groups": list(signals.targeted_groups), "region": signals.region, "country": signals.country,
        "actors": list(signals.actors), "event_type": signals.event_type,
        "language": signals.language, "read": signals.read,
    }


def _casualty(c: dict[str, Any]) -> Casualty:
    since = c.get("since")
    return Casualty(CasualtyKind(c["kind"]), c["count"], Qualifier(c["qualifier"]), c["victims"], c["cumulative"],
                    c.get("location"), part_of=c.get("part_of"), historical=bool(c.get("historical")),
                    estimate=bool(c.get("estimate")), since=date.fromisoformat(since) if since else None,
                    scope=c.get("scope"), attributed_to=c.get("attributed_to"))


def signals_from_json(data: dict[str, Any]) -> Signals:
    return Signals(
        casualties=tuple(_casualty(c) for c in data.get("casualties", ())),
        places=tuple(Place(**p) for p in data.get("places", ())),
        targeted_groups=tuple(data.get("targeted_groups", ())),
        region=data.get("region"), country=data.get("country"), actors=tuple(data.get("actors", ())),
        event_type=data.get("event_type"), language=data.get("language"), read=data.get("read", True),
    )


def evidence_to_json(ev: Evidence) -> dict[str, Any]:
    return {"title": ev.title, "feed": ev.feed, "link": ev.link, "published_at": ev.published_at.isoformat(),
            "value": ev.value}


def evidence_from_json(data: dict[str, Any]) -> Evidence:
    return Evidence(data["title"], data["feed"], data.get("link"), datetime.fromisoformat(data["published_at"]),
                    data.get("value"))


def tally_to_json(tally: Tally | None) -> dict[str, Any] | None:
    if tally is None:
        return None
    return {
        "measure": tally.measure,
        "tolls": [{"kind": t.kind, "scope": t.scope, "since": t.since.isoformat() if t.since else None,
                   "source": t.source, "value": t.value, "previous": t.previous,
                   "previous_at": t.previous_at.isoformat() if t.previous_at else None, "new": t.new,
                   "points": [{"at": p.at.isoformat(), "value": p.value, "source": p.source, "feed": p.feed,
                               "conflict": p.conflict, "victims": p.victims} for p in t.points]}
                  for t in tally.tolls],
        "incidents": [{"kind": i.kind, "place": i.place, "count": i.count, "at": i.at.isoformat(),
                       "counts": list(i.counts), "sources": list(i.sources), "within_toll": i.within_toll}
                      for i in tally.incidents],
    }


def tally_from_json(data: dict[str, Any] | None) -> Tally | None:
    if not data:
        return None
    return Tally(
        measure=data["measure"],
        tolls=tuple(TollView(
            kind=t["kind"], scope=t["scope"], since=date.fromisoformat(t["since"]) if t.get("since") else None,
            source=t["source"], value=t["value"], previous=t.get("previous"),
            previous_at=datetime.fromisoformat(t["previous_at"]) if t.get("previous_at") else None,
            new=t.get("new"),
            points=tuple(SeriesPoint(datetime.fromisoformat(p["at"]), p["value"], p["source"], p["feed"],
                                     bool(p.get("conflict")), p.get("victims")) for p in t.get("points", ())))
            for t in data.get("tolls", ())),
        incidents=tuple(IncidentView(
            kind=i["kind"], place=i["place"], count=i["count"], at=datetime.fromisoformat(i["at"]),
            counts=tuple(i.get("counts", ())), sources=tuple(i.get("sources", ())),
            within_toll=bool(i.get("within_toll"))) for i in data.get("incidents", ())),
    )


def alert(row: Any) -> Alert:
    """From an AlertRow, or a Core row of the alerts table (the same attributes)."""
    return Alert(
        rule=row.rule, dedup_key=row.dedup_key, severity=Severity(row.severity), title=row.title,
        labels=tuple(sorted(row.labels.items())), value=row.value, baseline=row.baseline,
        window=timedelta(seconds=row.window_s), sources=row.sources, fired_at=row.fired_at,
        evidence=tuple(evidence_from_json(e) for e in row.evidence),
        annotations=tuple(sorted(row.annotations.items())), escalation=row.escalation,
        previous_value=row.previous_value, notify=tuple(row.notify), metric=row.metric, kind=row.kind, id=row.id,
        tally=tally_from_json(row.tally),
    )


def delivery(row: Any) -> Delivery:
    """From a DeliveryRow, or a Core row of the deliveries table."""
    return Delivery(
        id=row.id, alert_id=row.alert_id, channel=row.channel, status=DeliveryStatus(row.status),
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        created_at=row.created_at, sent_at=row.sent_at,
    )
