"""`warnd status`: feeds (health), alert groups, outbox and silences, as a table or JSON."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any, TextIO

from warnd.config import RuleSet, Settings
from warnd.store import Store


def collect_status(settings: Settings, store: Store, now: datetime, rules: RuleSet | None = None) -> dict[str, Any]:
    states = store.feed_states()
    feeds = []
    for feed in settings.feeds:
        st = states.get(feed.name)
        lat = list(st.latencies_s) if st else []
        if st is None:
            health = "never polled"
        elif st.consecutive_failures:
            health = f"failing ({st.consecutive_failures}x)"
        else:
            health = "ok"
        feeds.append({
            "name": feed.name, "enabled": feed.enabled, "health": health,
            "last_success_at": st.last_success_at if st else None,
            "last_new_item_at": st.last_new_item_at if st else None,
            "last_error": st.last_error if st else None,
            "consecutive_failures": st.consecutive_failures if st else 0,
            "items_seen": st.items_seen if st else 0,
            "median_latency_s": round(statistics.median(lat), 3) if lat else None,
            "next_poll_at": st.next_poll_at if st else None,
        })
    alerts = store.alerts(limit=10)
    loaded = {r.rule.id for r in rules.rules} if rules is not None else None
    lagging = [{
        "rule": lag.rule, "loaded": loaded is None or lag.rule in loaded,
        "state": "failing" if lag.failures else "catching up",
        "failures": lag.failures, "failing_since": lag.first_failed_at, "last_failed_at": lag.last_failed_at,
        "retry_at": lag.retry_at, "last_error": lag.last_error, "position": lag.position,
        "waiting": store.backlog_size(lag.cursor, lag.position) if lag.position is not None else None,
    } for lag in sorted(store.rule_lags().values(), key=lambda lag: lag.rule)]
    return {
        "now": now,
        "database": store.dialect,
        "feeds": feeds,
        "outbox": store.outbox_counts(),
        "groups": [g for g in store.groups() if g["members"] or g["flush_at"] is not None],
        "rules_lagging": lagging,
        "silences": [{"id": s.id, "rule": s.rule, "labels": dict(s.matchers), "ends_at": s.ends_at,
                      "reason": s.reason} for s in store.silences(active_at=now)],
        "recent_alerts": [{"id": a.id, "rule": a.rule, "severity": str(a.severity), "labels": a.label_dict,
                           "value": a.value, "fired_at": a.fired_at} for a in alerts],
    }


def _ago(now: datetime, when: datetime | None) -> str:
    if when is None:
        return "-"
    secs = int((now - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(secs) >= size:
            return f"{secs // size}{unit} ago"
    return f"{secs}s ago"


def print_status(status: dict[str, Any], out: TextIO) -> None:
    now = status["now"]
    out.write(f"FEEDS ({len(status['feeds'])})\n")
    out.write(f"  {'name':<24} {'health':<16} {'last success':<14} {'items':>6} {'latency':>8}  last error\n")
    for f in status["feeds"]:
        lat = f"{f['median_latency_s']:.2f}s" if f["median_latency_s"] is not None else "-"
        err = (f["last_error"] or "")[:60] if f["consecutive_failures"] else ""
        out.write(f"  {f['name']:<24} {f['health']:<16} {_ago(now, f['last_success_at']):<14} "
                  f"{f['items_seen']:>6} {lat:>8}  {err}\n")
    ob = status["outbox"]
    out.write(f"\nOUTBOX  pending={ob.get('pending', 0)} sent={ob.get('sent', 0)} dead={ob.get('dead', 0)} "
              f"silenced={ob.get('silenced', 0)} inhibited={ob.get('inhibited', 0)} muted={ob.get('muted', 0)}\n")
    groups = status.get("groups", [])
    if groups:
        out.write(f"\nGROUPS ({len(groups)} open): grouped routes' alerts waiting for their next flush\n")
        for g in groups:
            labels = ", ".join(f"{k}={v}" for k, v in g["labels"].items()) or "(all)"
            due = g["flush_at"].strftime("%H:%M:%S") if g["flush_at"] else "-"
            note = f"  {g['last_note'][:80]}" if g["last_note"] else ""
            out.write(f"  {g['route']:<12} {labels:<40} alerts={g['members']} notified={g['notifications']} "
                      f"next={due}{note}\n")
    lagging = status["rules_lagging"]
    if lagging:
        out.write(f"\nRULES FAILING OR CATCHING UP ({len(lagging)}): their observations wait, nothing is skipped\n")
        for r in lagging:
            waiting = "-" if r["waiting"] is None else str(r["waiting"])
            retry = r["retry_at"].strftime("%H:%M:%S") if r["retry_at"] else "next cycle"
            note = "" if r["loaded"] else " (not in the loaded rules)"
            out.write(f"  {r['rule']:<28} {r['state']:<12} failures={r['failures']} since "
                      f"{_ago(now, r['failing_since'])} waiting={waiting} retry={retry}{note}\n")
            if r["last_error"]:
                out.write(f"    {r['last_error'][:100]}\n")
    out.write(f"\nSILENCES ({len(status['silences'])} active)\n")
    for s in status["silences"]:
        out.write(f"  #{s['id']} rule={s['rule'] or '*'} {s['labels']} until {s['ends_at']:%Y-%m-%d %H:%M} "
                  f"{s['reason']}\n")
    out.write(f"\nRECENT ALERTS ({len(status['recent_alerts'])})\n")
    for a in status["recent_alerts"]:
        labels = ", ".join(f"{k}={v}" for k, v in a["labels"].items())
        out.write(f"  #{a['id']:<5} {a['severity']:<8} {a['rule']:<28} {labels:<40} value={a['value']:g} "
                  f"{_ago(now, a['fired_at'])}\n")
