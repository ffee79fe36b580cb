"""Console page times with a large history: 100,000 alerts and 1 M observations (SQLite; PostgreSQL too).

Fills a fresh database with a year of synthetic history (1 M observations of casualty figures and
community mentions over 200,000 items in 30 regions of 3 countries, 100,000 alerts with evidence,
two deliveries each, some feedback), starts the console on 127.0.0.1 (the daemon's own listener
and handlers) and asks each page over real HTTP, timing the whole request (query, template, bytes).
The goal is < 200 ms for the alerts page and a region page. See bench/README.md.

    python bench/console.py                         # SQLite, 100k alerts, 1M observations
    python bench/console.py --db postgres           # the PostgreSQL at WARND_BENCH_PG_URL (or the test one)
    python bench/console.py --alerts 10000 --observations 100000 --repeat 20

Left out: sign-in (argon2 costs ~50 ms once per session, not per page), the browser's own rendering,
and concurrent requests (the listener serves them on one event loop; the store runs one thread on SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warnd.clock import FakeClock  # noqa: E402
from warnd.config import RuleSet, Settings  # noqa: E402
from warnd.console import ConsoleApp  # noqa: E402
from warnd.health import HealthServer  # noqa: E402
from warnd.metrics import Metrics  # noqa: E402
from warnd.store import Store, StoreThread, open_store  # noqa: E402
from warnd.store.tables import AlertRow, DeliveryRow, FeedbackRow, ItemRow, ObservationRow  # noqa: E402

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COUNTRIES = {"Syria": 12, "Sudan": 10, "Nigeria": 8}
KINDS = ["killed", "injured", "displaced", "kidnapped", "missing"]
GROUPS = ["Alawite", "Christian", "Druze", "Kurdish", "Masalit"]
FEEDS = [f"feed-{i}" for i in range(50)]
RULES = ["deaths-jump", "mass-casualty", "first-targeting", "burst", "kidnap-threshold"]
SEVERITIES = ["info", "warning", "high", "critical"]


def regions() -> list[tuple[str, str]]:
    return [(country, f"{country}-region-{i}") for country, n in COUNTRIES.items() for i in range(n)]


def fill(store: Store, n_alerts: int, n_obs: int, rng: random.Random) -> None:
    places = regions()
    span_s = 365 * 86400
    n_items = max(1, n_obs // 5)
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        items, obs = [], []
        for i in range(n_items):
            country, region = rng.choice(places)
            at = NOW - timedelta(seconds=rng.randrange(span_s))
            items.append({"id": i + 1, "feed": rng.choice(FEEDS), "key": f"k{i}", "revision": 1, "current": True,
                          "title": f"{rng.randint(1, 60)} killed in {region}", "summary": "", "link": None,
                          "content_hash": f"{i:064x}", "first_seen_at": at, "observed_at": at, "region": region,
                          "country": country, "signals": {}, "notes": []})
            for _ in range(5):
                mention = rng.random() < 0.1
                obs.append({"item_id": i + 1, "feed": items[-1]["feed"], "observed_at": at,
                            "metric": "mention" if mention else rng.choice(KINDS),
                            "value": 1 if mention else rng.randint(1, 80), "region": region, "country": country,
                            "cumulative": not mention and rng.random() < 0.2, "superseded": False,
                            "targeted_group": rng.choice(GROUPS) if mention else None})
            if len(items) >= 5000:
                conn.execute(sa.insert(ItemRow), items)
                conn.execute(sa.insert(ObservationRow), obs)
                items, obs = [], []
        if items:
            conn.execute(sa.insert(ItemRow), items)
            conn.execute(sa.insert(ObservationRow), obs)
    t1 = time.perf_counter()
    with store.engine.begin() as conn:
        alerts, deliveries, feedback = [], [], []
        for i in range(n_alerts):
            country, region = rng.choice(places)
            at = NOW - timedelta(seconds=span_s * (n_alerts - i) / n_alerts)
            rule = rng.choice(RULES)
            labels = {"region": region}
            evidence = [{"title": f"{rng.randint(10, 900)} killed in {region}, report {j}", "feed": rng.choice(FEEDS),
                         "link": f"https://example.org/{i}/{j}", "published_at": at.isoformat(), "value": 40}
                        for j in range(3)]
            alerts.append({"id": i + 1, "rule": rule, "dedup_key": f"{rule}|region={region}|{i % 997}", "seq": i + 1,
                           "kind": "threshold", "metric": "killed", "severity": rng.choice(SEVERITIES), "title": "",
                           "labels": labels, "value": rng.randint(50, 2000), "baseline": rng.choice([None, 3.0]),
                           "window_s": 86400, "sources": rng.randint(1, 4), "fired_at": at, "evidence": evidence,
                           "annotations": {}, "notify": ["mail", "hook"], "escalation": False, "previous_value": None,
                           "silence_id": None, "trace": {"rule": rule, "verdict": "send", "window": "24h"},
                           "region": region, "country": country, "community": None})
            for channel in ("mail", "hook"):
                deliveries.append({"alert_id": i + 1, "channel": channel, "status": "sent", "attempts": 1,
                                   "created_at": at, "sent_at": at})
            if i % 50 == 0:
                feedback.append({"alert_id": i + 1, "verdict": rng.choice(["confirmed", "false_alarm"]), "note": "",
                                 "author": "bench", "created_at": at})
            if len(alerts) >= 5000:
                conn.execute(sa.insert(AlertRow), alerts)
                conn.execute(sa.insert(DeliveryRow), deliveries)
                conn.execute(sa.insert(FeedbackRow), feedback)
                alerts, deliveries, feedback = [], [], []
        if alerts:
            conn.execute(sa.insert(AlertRow), alerts)
            conn.execute(sa.insert(DeliveryRow), deliveries)
        if feedback:
            conn.execute(sa.insert(FeedbackRow), feedback)
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            for table in ("items", "observations", "alerts", "deliveries", "feedback"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
        # The steady state autovacuum keeps: statistics, and the visibility map index-only scans need.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with store.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"filled: {n_obs:,} observations in {t1 - t0:.0f}s, {n_alerts:,} alerts in {time.perf_counter() - t1:.0f}s",
          file=sys.stderr)


async def measure(store: Store, repeat: int) -> list[tuple[str, float, float, float, int]]:
    settings = Settings.model_validate({"http": {"listen": "127.0.0.1:0"}})
    db = StoreThread(store, workers=1 if store.dialect == "sqlite" else 4)
    console = ConsoleApp(store=store, db=db, settings=settings, rules=lambda: RuleSet((), ()),
                         clock=FakeClock(NOW), host="127.0.0.1")
    server = HealthServer("127.0.0.1:0", metrics=Metrics(), ready=_ready, extend=console.install)
    await server.start()
    _country, region = regions()[0]
    pages = [("/alerts", "alerts, first page"), ("/alerts?page=1000", "alerts, page 1,000"),
             (f"/alerts?region={region}", "alerts of a region"), ("/alerts?severity=critical&rule=burst", "alerts, 2 filters"),
             (f"/alerts/{len(RULES) * 1000}", "an alert"), (f"/regions/{region}?days=7", "region, 7 days"),
             (f"/regions/{region}?days=30", "region, 30 days"), (f"/regions/{region}?days=90", "region, 90 days"),
             ("/countries/Syria?days=30", "country, 30 days"), ("/rules", "rules"), ("/api/v1/alerts", "API alerts")]
    out = []
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as http:
            for path, name in pages:
                times = []
                size = 0
                for i in range(repeat + 2):
                    t = time.perf_counter()
                    async with http.get(path) as resp:
                        body = await resp.read()
                        assert resp.status == 200, (path, resp.status, body[:300])
                    if i >= 2:      # the first two warm the caches (templates, SQLite pages)
                        times.append((time.perf_counter() - t) * 1000)
                    size = len(body)
                times.sort()
                out.append((name, statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1], size))
    finally:
        await server.stop()
        db.shutdown()
    return out


async def _ready() -> dict[str, bool]:
    return {"bench": True}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--alerts", type=int, default=100_000)
    ap.add_argument("--observations", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(17)
    if args.db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="warnd-console-bench-")
        url, cleanup = f"sqlite:///{tmp}/bench.db", None
    else:
        base = os.environ.get("WARND_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"

        def cleanup() -> None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    store = open_store(url, migrate=True)
    try:
        fill(store, args.alerts, args.observations, rng)
        rows = asyncio.run(measure(store, args.repeat))
    finally:
        store.close()
        if cleanup:
            cleanup()
    print(f"\nconsole pages, {args.db}, {args.alerts:,} alerts, {args.observations:,} observations, "
          f"{args.repeat} requests each (ms, whole HTTP request)\n")
    print("| page | median | p95 | max | bytes |\n|---|---:|---:|---:|---:|")
    for name, med, p95, worst, size in rows:
        print(f"| {name} | {med:.1f} | {p95:.1f} | {worst:.1f} | {size:,} |")
    print(json.dumps({name: round(med, 1) for name, med, *_ in rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
