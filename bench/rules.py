"""Rule evaluation cost per cycle vs history size, on SQLite and PostgreSQL.

100 rules (threshold, jump, new_value, frequency, keyword, feed_silence) over a synthetic history
of casualty figures and community mentions in 500 regions of 20 countries from 50 feeds; each cycle
stores 1,000 new items and times `Pipeline.evaluate` — the daemon's own evaluation path. The
history has a constant density (2,740 observations a day, so 1M observations are a year), the way a
real history grows: older, not denser. See bench/README_rules.md.

    python bench/rules.py                                   # SQLite and PostgreSQL, 10k/100k/1M
    python bench/rules.py --db sqlite --sizes 10000,100000  # quicker
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warnd.config import Settings, load_rules  # noqa: E402
from warnd.pipeline import EVALUATE_CURSOR, ITEMS_CURSOR, Pipeline  # noqa: E402
from warnd.rulestest import PresetExtractor  # noqa: E402
from warnd.store import Store, open_store  # noqa: E402
from warnd.store.tables import ItemRow, ObservationRow  # noqa: E402
from warnd.types import Casualty, CasualtyKind, FeedState, Item, Signals  # noqa: E402

PG_URL = os.environ.get("WARND_BENCH_PG_URL",
                        os.environ.get("WARND_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
PER_DAY = 2740                     # observations a day: 1M observations = one year
COUNTRIES = [f"Country{c:02d}" for c in range(20)]
REGIONS = [(f"Region{r:03d}", COUNTRIES[r % 20]) for r in range(500)]
FEEDS = [f"feed{f:02d}" for f in range(50)]
GROUPS = ["Alawite", "Christian", "Druze", "Kurdish", "Ismaili", "Yazidi"]
METRICS = ["killed"] * 10 + ["injured"] * 4 + ["displaced", "kidnapped"] + ["mention"] * 4
WORDS = "clashes shelling raid convoy checkpoint village market strike patrol curfew".split()


def make_rules(path: Path, n: int) -> None:
    """n rules: mostly per-country (like real desks), one in ten spanning every region."""
    kinds = ["threshold"] * 30 + ["jump"] * 30 + ["new_value"] * 15 + ["frequency"] * 15 + ["keyword"] * 5 \
        + ["feed_silence"] * 5
    rules = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        where = {} if i % 10 == 0 else {"country": COUNTRIES[i % 20]}
        rule: dict[str, object] = {"id": f"r{i:03d}-{kind.replace('_', '-')}", "kind": kind, "realert": "24h"}
        if kind == "threshold":
            rule |= {"match": {"kind": "killed", **where}, "group_by": ["region"],
                     "aggregate": "sum" if i % 3 == 0 else "max", "condition": {"at_least": 100 + 10 * (i % 10)},
                     "min_sources": 1 + i % 2}
        elif kind == "jump":
            rule |= {"match": {"kind": ["killed", "injured"], **where}, "group_by": ["region"],
                     "baseline": {"lookback": "14d", "stat": ["median", "mean", "p90", "max"][i % 4],
                                  "min_baseline_days": i % 3},
                     "condition": {"increase_at_least": 100, "ratio_at_least": 3}}
        elif kind == "new_value":
            rule |= {"signal": "mentions", "match": where, "group_by": ["region", "targeted_group"],
                     "window": "72h", "lookback": "30d"}
        elif kind == "frequency":
            rule |= {"match": where, "group_by": ["region"], "window": "6h", "condition": {"at_least": 8}}
        elif kind == "keyword":
            rule |= {"match": where, "group_by": ["country"], "phrases": ["massacre", "mass grave", "ethnic cleansing"],
                     "exclude": ["anniversary"]}
        else:
            rule |= {"match": {"feeds": FEEDS[i % 5 * 10:i % 5 * 10 + 10]}, "silent_for": "6h"}
        rules.append(rule)
    path.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False))


def bulk_history(store: Store, size: int, rng: random.Random) -> None:
    """`size` observations (one per item) spread evenly over size / PER_DAY days before NOW."""
    span_s = size / PER_DAY * 86400
    items_t = ItemRow.__table__
    obs_t = ObservationRow.__table__
    batch = 20000
    with store.engine.begin() as conn:
        for start in range(0, size, batch):
            items, obs = [], []
            for i in range(start, min(size, start + batch)):
                at = NOW - timedelta(seconds=span_s * (1 - i / size)) - timedelta(hours=2)
                region, country = REGIONS[rng.randrange(500)]
                feed = FEEDS[rng.randrange(50)]
                metric = rng.choice(METRICS)
                title = f"{rng.choice(WORDS)} {rng.choice(WORDS)} in {region}"
                if rng.random() < 0.01:
                    title += " massacre"
                items.append({"id": i + 1, "feed": feed, "key": f"h{i}", "revision": 1, "current": True,
                              "guid": f"h{i}", "title": title, "summary": "", "link": None, "published_at": at,
                              "content_hash": hashlib.md5(title.encode()).hexdigest(), "first_seen_at": at,
                              "observed_at": at, "region": region, "country": country, "signals": {}, "notes": []})
                value = 1 if metric == "mention" else int(rng.paretovariate(1.3) * 3)
                # Incident figures, each its own incident: what each newly reported is its count.
                obs.append({"id": i + 1, "item_id": i + 1, "feed": feed, "observed_at": at, "metric": metric,
                            "value": value, "region": region, "country": country, "victims": "people",
                            "qualifier": "exact", "cumulative": False, "superseded": False,
                            "new_count": 0 if metric == "mention" else value, "conflict": False,
                            "targeted_group": rng.choice(GROUPS) if metric == "mention" else None})
            conn.execute(sa.insert(items_t), items)
            conn.execute(sa.insert(obs_t), obs)
        if store.dialect == "postgresql":
            for table in ("items", "observations"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    with store.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


def new_items(cycle: int, n: int, now: datetime, rng: random.Random) -> list[Item]:
    out = []
    for j in range(n):
        region, country = REGIONS[rng.randrange(500)]
        feed = FEEDS[rng.randrange(50)]
        metric = rng.choice(METRICS)
        title = f"{rng.choice(WORDS)} in {region} ({cycle}-{j})"
        if rng.random() < 0.01:
            title += ": a massacre"
        casualties = () if metric == "mention" else (
            Casualty(CasualtyKind(metric), int(rng.paretovariate(1.3) * 3)),)
        groups = (rng.choice(GROUPS),) if metric == "mention" else ()
        at = now - timedelta(minutes=rng.randrange(0, 180))      # some arrive late
        out.append(Item(feed=feed, key=f"c{cycle}-{j}", title=title, published_at=at,
                        content_hash=hashlib.md5(title.encode()).hexdigest(),
                        signals=Signals(casualties=casualties, region=region, country=country,
                                        targeted_groups=groups)))
    return out


def run_one(url: str, size: int, rules_path: Path, cycles: int, per_cycle: int,
            sqlite_cache_mb: int = 0, profile: cProfile.Profile | None = None,
            history_cache: Path | None = None, warmup: int = 0) -> dict[str, float]:
    rng = random.Random(-size)     # the new items; the history has its own generator
    cached = None
    if history_cache is not None and url.startswith("sqlite:///"):
        # The history is deterministic (seeded by its size): build it once, copy it for later runs.
        history_cache.mkdir(parents=True, exist_ok=True)
        cached = history_cache / f"history-{size}.db"
        if cached.exists():
            shutil.copyfile(cached, url.removeprefix("sqlite:///"))
    store = open_store(url, migrate=True)
    if sqlite_cache_mb and store.dialect == "sqlite":
        @sa.event.listens_for(store.engine, "checkout")
        def _cache(dbapi_conn: object, _record: object, _proxy: object) -> None:
            dbapi_conn.execute(f"PRAGMA cache_size=-{sqlite_cache_mb * 1024}")  # type: ignore[attr-defined]
    try:
        t = time.perf_counter()
        if cached is None or not cached.exists():
            bulk_history(store, size, random.Random(size))
            if cached is not None:
                with store.engine.begin() as conn:
                    conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
                shutil.copyfile(url.removeprefix("sqlite:///"), cached)
        load_s = time.perf_counter() - t
        settings = Settings.model_validate({"feeds": [{"name": f, "url": f"{f}.rss", "tags": ["bench"]}
                                                      for f in FEEDS]})
        pipeline = Pipeline(store, PresetExtractor(), settings, load_rules([rules_path]))
        now = NOW
        # The daemon has been evaluating all along: the cursors stand at the end of the history.
        store.set_cursor(EVALUATE_CURSOR, store.last_observation_id(), now)
        store.set_cursor(ITEMS_CURSOR, store.last_item_id(), now)
        pipeline.evaluate(now)       # the feed_silence rules' first look (not timed)
        times, cpu, ingest, alerts = [], [], [], 0
        states: dict[str, datetime | None] = {}
        for c in range(warmup + cycles):
            now += timedelta(hours=8)    # 1,000 items per 8h: the history's own density
            by_feed: dict[str, list[Item]] = defaultdict(list)
            for it in new_items(c, per_cycle, now, rng):
                by_feed[it.feed].append(it)
            t = time.perf_counter()
            for feed, items in by_feed.items():     # with its feed state, as the daemon does
                state = FeedState(feed=feed, last_polled_at=now, last_success_at=now,
                                  last_new_item_at=states.get(feed))
                report = pipeline.ingest(feed, items, state, now)
                if report.state is not None:
                    states[feed] = report.state.last_new_item_at
            ingest_s = time.perf_counter() - t
            if c < warmup:      # untimed: a daemon's statements and keys are cached after its first cycles
                pipeline.evaluate(now)
                continue
            t, cpu_t = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            alerts += len(pipeline.evaluate(now))
            if profile is not None:
                profile.disable()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - cpu_t)
            ingest.append(ingest_s)
        return {"load_s": load_s, "eval_ms": statistics.median(times) * 1000, "eval_max_ms": max(times) * 1000,
                "cpu_ms": statistics.median(cpu) * 1000,
                "ingest_ms": statistics.median(ingest) * 1000, "alerts": alerts / cycles}
    finally:
        store.close()


def pg_schema_url() -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}", schema


def drop_schema(schema: str) -> None:
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--sizes", default="10000,100000,1000000", help="history sizes (observations)")
    ap.add_argument("--rules", type=int, default=100)
    ap.add_argument("--new", type=int, default=1000, help="new items per cycle")
    ap.add_argument("--cycles", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=0,
                    help="untimed cycles first (the steady state of a running daemon: compiled statements and "
                         "alert keys cached); default 0, every timed cycle from a fresh process")
    ap.add_argument("--sqlite-cache-mb", type=int, default=0,
                    help="experiment: SQLite page cache per connection (default: SQLite's 2 MB)")
    ap.add_argument("--profile", metavar="FILE",
                    help="write a cProfile of the timed evaluations (all sizes) to FILE (slows them down)")
    ap.add_argument("--history-cache", metavar="DIR", type=Path,
                    help="SQLite: keep each built history in DIR and copy it on later runs (quicker iterations)")
    args = ap.parse_args()
    profile = cProfile.Profile() if args.profile else None
    sizes = [int(s) for s in args.sizes.split(",")]
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows = []
    with tempfile.TemporaryDirectory(prefix="warnd-bench-rules-") as tmp:
        rules_path = Path(tmp) / "bench-rules.yaml"
        make_rules(rules_path, args.rules)
        for db in dbs:
            for size in sizes:
                schema = None
                if db == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'bench-{size}.db'}"
                else:
                    url, schema = pg_schema_url()
                try:
                    r = run_one(url, size, rules_path, args.cycles, args.new, args.sqlite_cache_mb, profile,
                                args.history_cache, args.warmup)
                finally:
                    if schema:
                        drop_schema(schema)
                rows.append((db, size, r))
                print(f"{db:8} {size:>9,} history  eval median {r['eval_ms']:7.1f} ms  max {r['eval_max_ms']:7.1f} ms"
                      f"  cpu {r['cpu_ms']:7.1f} ms"
                      f"  ingest {r['ingest_ms']:6.0f} ms  alerts/cycle {r['alerts']:5.1f}  (load {r['load_s']:.0f}s)",
                      file=sys.stderr, flush=True)
    if profile is not None:
        profile.dump_stats(args.profile)
        print(f"profile written to {args.profile} (python -m pstats {args.profile})", file=sys.stderr)
    print(f"\n{args.rules} rules, {args.new} new items per cycle, {args.cycles} cycles"
          f"{f' after {args.warmup} untimed' if args.warmup else ''}; "
          f"evaluation time per cycle (median; max)\n")
    print("| database   |   history | eval / cycle (median) | eval (max) | warnd CPU / cycle | ingest / cycle "
          "| alerts / cycle |")
    print("|------------|----------:|----------------------:|-----------:|------------------:|---------------:"
          "|---------------:|")
    for db, size, r in rows:
        print(f"| {db:10} | {size:>9,} | {r['eval_ms']:18.1f} ms | {r['eval_max_ms']:7.1f} ms "
              f"| {r['cpu_ms']:14.1f} ms | {r['ingest_ms']:11.0f} ms | {r['alerts']:14.1f} |")
    for db in dbs:
        mine = [(s, r["eval_ms"]) for d, s, r in rows if d == db]
        if len(mine) > 1:
            print(f"\n{db}: largest / smallest history: {mine[-1][1] / mine[0][1]:.2f}x "
                  f"({mine[0][0]:,} → {mine[-1][0]:,} observations)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
