"""Routing and grouping cost: the pure decisions per alert, and the store's group writes and flushes.

    .venv/bin/python bench/routing.py                        # SQLite in a temp dir, default sizes
    .venv/bin/python bench/routing.py --alerts 5000 --groups 200 --routes 50
    .venv/bin/python bench/routing.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints one table. Rows: `match_routes` (a tree of --routes regex/equality routes, 3 levels),
`inhibition` (--alerts targets against 200 firing sources, 2 rules), `record (grouped)` (alerts
recorded with their group membership, one transaction per 100), `flush` (every due group, one
transaction each, notification + outbox rows). Leaves out: rendering and sending (bench/deliver.py),
evaluation (bench/rules.py), PostgreSQL contention between instances.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warnd.config.routing import InhibitRule, Route
from warnd.config.settings import RoutingSettings
from warnd.grouping import plan_flush
from warnd.routing import Inhibitor, build_tree, group_key, group_labels, match_routes
from warnd.store import GroupTarget, NewAlert, open_store
from warnd.types import Alert, Severity

T0 = datetime(2025, 3, 9, 12, tzinfo=UTC)
REGIONS = [f"Region{i:03d}" for i in range(400)]


def tree(routes: int) -> Route:
    desks = [{"matchers": [f'region=~"Region{i:02d}.*"'], "receiver": [f"desk{i}"], "group_by": ["region"],
              "routes": [{"matchers": ["severity=critical"], "receiver": [f"pager{i}"]}]} for i in range(routes)]
    return Route.model_validate({"receiver": ["all"], "routes": [{"receiver": ["archive"], "continue": True}, *desks]})


def alerts(n: int) -> list[Alert]:
    sev = list(Severity)
    return [Alert(rule=f"rule{i % 7}", dedup_key=f"rule{i % 7}|{REGIONS[i % len(REGIONS)]}|{i}", severity=sev[i % 4],
                  title="", labels=(("region", REGIONS[i % len(REGIONS)]), ("country", "Syria")), value=10 + i,
                  baseline=0, window=timedelta(hours=24), sources=2, fired_at=T0, metric="killed", kind="threshold")
            for i in range(n)]


def timed(label: str, count: int, fn) -> tuple[str, int, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return label, count, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=2000)
    ap.add_argument("--routes", type=int, default=20)
    ap.add_argument("--database", default=None)
    ap.add_argument("--no-groups", action="store_true", help="record the same alerts without group membership")
    args = ap.parse_args()
    root = build_tree(tree(args.routes), RoutingSettings())
    batch = alerts(args.alerts)
    labels = [{**a.label_dict, "severity": str(a.severity), "rule": a.rule} for a in batch]
    rules = [InhibitRule.model_validate({"source_matchers": ['rule="rule0"'], "target_matchers": ['rule!="rule0"'],
                                         "equal": ["region"]}),
             InhibitRule.model_validate({"source_matchers": ["severity=critical"],
                                         "target_matchers": ["severity=info"], "equal": ["country", "region"]})]
    sources = [(i, {**labels[i], "__dedup_key": batch[i].dedup_key}) for i in range(min(200, len(batch)))]
    inhibitor = Inhibitor(rules, sources)
    rows = [timed("match_routes", len(labels), lambda: [match_routes(root, lab) for lab in labels]),
            timed("inhibition", len(labels), lambda: [inhibitor.check(lab) for lab in labels])]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url, migrate=True)
        try:
            decided = []
            for a in batch:
                node = match_routes(root, {**a.label_dict, "severity": str(a.severity)})[-1]
                t = GroupTarget(group_key(node, a.label_dict), node.id, group_labels(node, a.label_dict), node.channels,
                                timedelta(0), timedelta(minutes=5), timedelta(hours=4), False)
                decided.append(NewAlert(a, (), groups=() if args.no_groups else (t,), has_state=False, seen_count=0))

            def record() -> None:
                for i in range(0, len(decided), 100):
                    store.record_alerts(decided[i:i + 100], T0)
            rows.append(timed("record (grouped)", len(decided), record))
            due = store.due_groups(T0, limit=100_000)

            def flush() -> None:
                for gid in due:
                    store.flush_group(gid, T0, lambda g: plan_flush(replace(g), T0))
            rows.append(timed(f"flush ({len(due)} groups)", len(due), flush))
        finally:
            store.close()
    print(f"{'step':<22} {'count':>7} {'seconds':>9} {'per item µs':>12}")
    for label, count, secs in rows:
        print(f"{label:<22} {count:>7} {secs:>9.3f} {secs / max(count, 1) * 1e6:>12.1f}")


if __name__ == "__main__":
    main()
