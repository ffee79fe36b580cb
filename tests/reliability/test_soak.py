"""Soak: the daemon runs for WARND_SOAK_S seconds (default 600) against a feed farm that changes at every
poll; its resident memory and open file descriptors must not grow.

The daemon's RSS (`/proc/<pid>/status` VmRSS) and fd count (`/proc/<pid>/fd`) are sampled every few
seconds; the median of the last third of the samples is compared with the median of the first third,
within a tolerance. The figures are printed as a table (`pytest -s` shows them).

    WARND_SOAK_S=60 pytest tests/reliability/test_soak.py -m soak -s
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.httpserver import RecordedRequest, Response
from tests.reliability.conftest import (
    Database,
    FarmItem,
    FeedFarm,
    Warnd,
    WebhookReceiver,
    rss,
    wait_for,
    write_config,
)

DURATION_S = float(os.environ.get("WARND_SOAK_S", "600"))
# The suite's per-test ceiling (pyproject: timeout = 600) is shorter than a full soak: this test gets
# its own, the soak's duration plus room for start-up, the warm-up and the drain.
pytestmark = [pytest.mark.soak, pytest.mark.slow, pytest.mark.timeout(DURATION_S + 300)]
SAMPLE_EVERY_S = max(1.0, min(10.0, DURATION_S / 60))
REGIONS = ["Latakia", "Tartus", "Homs", "Aleppo", "Idlib", "Hama", "Daraa", "Raqqa"]
RSS_TOLERANCE = 0.10            # the last third may use 10 % more memory than the first third ...
RSS_SLACK_KIB = 8 * 1024        # ... plus 8 MiB (allocator arenas, SQLite page cache warming up)
FD_SLACK = 4


def proc_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def proc_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class ChangingFeed:
    """Every request gets the previous items plus a new one; tolls rise so rules escalate now and then."""

    def __init__(self, name: str, region: str) -> None:
        self.name, self.region = name, region
        self.polls = 0
        self._lock = threading.Lock()

    def __call__(self, req: RecordedRequest) -> Response:
        with self._lock:
            self.polls += 1
            n = self.polls
        items = [FarmItem(f"{self.name}-{k}", f"{10 + 3 * k} civilians killed in shelling of {self.region}",
                          f"At least {10 + 3 * k} civilians were killed in {self.region}, report {k}. " * 5)
                 for k in range(max(1, n - 20), n + 1)]
        return Response(200, rss(self.name, items), {"Content-Type": "application/rss+xml"})


def table(samples: list[tuple[float, int, int]]) -> str:
    lines = [f"{'t (s)':>8} {'RSS (MiB)':>10} {'fds':>5}"]
    step = max(1, len(samples) // 20)
    for t, rss_kib, fds in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        lines.append(f"{t:8.0f} {rss_kib / 1024:10.1f} {fds:5d}")
    return "\n".join(lines)


def test_rss_and_file_descriptors_do_not_grow(tmp_path: Path, farm: FeedFarm, hooks: WebhookReceiver,
                                              make_warnd: Callable[..., Warnd]) -> None:
    feeds = {}
    changing = []
    for i, region in enumerate(REGIONS):
        name = f"soak{i}"
        feed = ChangingFeed(name, region)
        changing.append(feed)
        farm.route(name, feed)
        feeds[name] = farm.url(name)
    db_url = f"sqlite:///{tmp_path / 'warnd.db'}"
    cfg = write_config(tmp_path, database=db_url, feeds=feeds, hook_url=hooks.url, feed_interval="2s",
                       rules="""
rules:
  - id: killed-rising
    kind: threshold
    severity: critical
    match: {kind: killed}
    group_by: [region]
    condition: {at_least: 10}
    realert: 10s
    escalate_ratio: 1.2
""")
    warnd = make_warnd(cfg)
    warnd.upgrade()
    warnd.start()
    warnd.wait_started()
    samples: list[tuple[float, int, int]] = []
    started = time.monotonic()
    next_at = started
    while time.monotonic() - started < DURATION_S:
        assert warnd.running(), warnd.log_tail()
        samples.append((time.monotonic() - started, proc_rss_kib(warnd.pid), proc_fds(warnd.pid)))
        next_at += SAMPLE_EVERY_S
        time.sleep(max(0.0, next_at - time.monotonic()))
    polls = sum(f.polls for f in changing)
    db = Database(db_url)
    try:
        wait_for(lambda: "pending" not in db.statuses(), 30, "the outbox drained")
        items = db.scalar("SELECT count(*) FROM items")
        alerts = db.scalar("SELECT count(*) FROM alerts")
    finally:
        db.dispose()
    assert warnd.stop() == 0, warnd.log_tail()

    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]
    rss_first = statistics.median(s[1] for s in first)
    rss_last = statistics.median(s[1] for s in last)
    fd_first, fd_last = max(s[2] for s in first), max(s[2] for s in last)
    print(f"\nsoak: {DURATION_S:.0f} s, {len(samples)} samples, {polls} polls, {items} items, {alerts} alerts, "
          f"{len(hooks.accepted)} webhooks")
    print(table(samples))
    print(f"RSS median first third {rss_first / 1024:.1f} MiB, last third {rss_last / 1024:.1f} MiB "
          f"({(rss_last - rss_first) / 1024:+.1f} MiB); fds max first third {fd_first}, last third {fd_last}")
    assert polls >= len(REGIONS) * DURATION_S / 4, "the farm was hardly polled: the soak measured an idle daemon"
    assert rss_last <= rss_first * (1 + RSS_TOLERANCE) + RSS_SLACK_KIB, "resident memory grew"
    assert fd_last <= fd_first + FD_SLACK, "open file descriptors grew"
