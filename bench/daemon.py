"""The whole daemon under a steady load: time-to-alert, CPU and RSS of `warnd run`.

A local feed farm (aiohttp) serves N feeds (default 1000) on 127.0.0.1; a local SMTP server
(aiosmtpd) accepts the alert emails; `warnd db upgrade` then `warnd run` run as a subprocess on a
generated config with R rules (default 100). After a warm-up of one poll interval the farm
publishes, every few seconds, a casualty item on a feed that has not had one ("At least 12
civilians were killed in Jableh."); exactly one rule matches that feed and fires. Time-to-alert is
the time from publication on the farm to the email being accepted by the SMTP server.

    .venv/bin/python bench/daemon.py                      # 1000 feeds, 100 rules, 5 minutes
    .venv/bin/python bench/daemon.py --minutes 1 --feeds 200 --interval 30   # a quick look
    .venv/bin/python bench/daemon.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

Targets (issue 8): p95 time-to-alert <= poll interval + 2 s; RSS flat over the run and < 150 MB.
See bench/README_daemon.md.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's warnd, also when another one is installed in the venv

from warnd.clock import SystemClock  # noqa: E402

SAMPLE_EVERY_S = 5.0
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")

# Background items: feed-like text that extracts no casualty figure, so nothing fires on it.
BACKGROUND = [
    "Market prices for bread steady in Aleppo",
    "Schools reopen after the holiday in Homs",
    "Road works on the coastal highway near Tartus",
    "Water supply restored in parts of Latakia",
    "Farmers report a good olive harvest in Idlib",
]
TRIGGER = "At least 12 civilians were killed in Jableh."


def feed_name(i: int) -> str:
    return f"bench-{i:04d}"


# ---- the farm ------------------------------------------------------------------------------------


@dataclass
class Feed:
    name: str
    items: list[tuple[str, str, str, float]] = field(default_factory=list)   # guid, title, summary, wall time
    version: int = 0

    def body(self) -> bytes:
        entries = "".join(
            f"<item><guid isPermaLink=\"false\">{escape(guid)}</guid><title>{escape(title)}</title>"
            f"<description>{escape(summary)}</description><link>http://farm.invalid/{escape(guid)}</link>"
            f"<pubDate>{format_datetime(_utc(at))}</pubDate></item>"
            for guid, title, summary, at in reversed(self.items)
        )
        return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
                f"<title>{self.name}</title><link>http://farm.invalid/</link><description>bench</description>"
                f"{entries}</channel></rss>").encode()


def _utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, UTC)


class Farm:
    """N RSS feeds with conditional GET (ETag), and a way to publish an item on one of them."""

    def __init__(self, n: int, wall_now: float) -> None:
        self.feeds = [Feed(feed_name(i)) for i in range(n)]
        for i, feed in enumerate(self.feeds):
            for k in range(3):
                title = BACKGROUND[(i + k) % len(BACKGROUND)]
                feed.items.append((f"{feed.name}-bg-{k}", title, title + ".", wall_now - 3600 * (k + 1)))
        self.requests = 0
        self.not_modified = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feeds/{name}.xml", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, feed: Feed) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{feed.name}.xml"

    def publish(self, index: int, wall_now: float) -> None:
        feed = self.feeds[index]
        feed.items.append((f"{feed.name}-alert", TRIGGER, TRIGGER, wall_now))
        feed.version += 1

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests += 1
        feed = self.feeds[int(request.match_info["name"].rsplit("-", 1)[1])]
        etag = f'"{feed.name}-v{feed.version}"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=feed.body(), headers={"ETag": etag, "Content-Type": "application/rss+xml"})


# ---- the SMTP server -----------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}   # feed name -> monotonic arrival times
        self.unmatched = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.monotonic()
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        text = str(msg["Subject"] or "")
        match = re.search(r"bench-\d{4}", text) or re.search(r"bench-\d{4}", msg.as_string())
        if match:
            self.arrivals.setdefault(match.group(0), []).append(at)
        else:
            self.unmatched += 1
        return "250 OK"


# ---- the config ----------------------------------------------------------------------------------


def write_config(work: Path, farm: Farm, smtp_port: int, args: argparse.Namespace) -> Path:
    rules_dir = work / "rules"
    rules_dir.mkdir()
    names = [f.name for f in farm.feeds]
    rules = ["rules:"]
    for r in range(args.rules):
        mine = names[r::args.rules]
        if not mine:
            continue
        rules += [
            f"  - id: bench-rule-{r:03d}",
            '    title: "Bench alert for {{ labels.feed }}"',
            "    severity: high",
            "    kind: threshold",
            "    signal: casualties",
            f"    match: {{kind: killed, feeds: [{', '.join(mine)}]}}",
            "    group_by: [feed]",
            "    window: 24h",
            "    aggregate: max",
            "    condition: {at_least: 1}",
            "    min_sources: 1",
            "    realert: 24h",
            "    notify: [bench-email]",
        ]
    (rules_dir / "bench.yaml").write_text("\n".join(rules) + "\n")
    feeds = "\n".join(f'  - {{name: {f.name}, url: "{farm.url(f)}", interval: {args.interval}s}}' for f in farm.feeds)
    database = args.database or f"sqlite:///{work / 'warnd.db'}"
    config = work / "warnd.yaml"
    config.write_text(f"""\
database: "{database}"
base_dir: "{ROOT}"
rules: ["{rules_dir}/*.yaml"]
templates: "{ROOT / 'templates'}"
evaluate_interval: 1m
fetch:
  concurrency: {args.concurrency}
  per_host: {args.per_host}
feeds:
{feeds}
channels:
  bench-email:
    type: email
    to: [desk@example.org]
    from: warnd-bench@example.org
    smtp: {{host: 127.0.0.1, port: {smtp_port}}}
outbox:
  interval: 1s
""")
    return config


# ---- /proc sampling --------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants (the daemon forks parse workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def sample(pid: int) -> tuple[float, float, float]:
    """(cpu seconds, rss MB of the main process, rss MB of the tree)."""
    cpu = main_rss = tree_rss = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            rss_pages = int(Path(f"/proc/{p}/statm").read_text().split()[1])
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICKS
        mb = rss_pages * PAGE / 1e6
        tree_rss += mb
        if p == pid:
            main_rss = mb
    return cpu, main_rss, tree_rss


@dataclass
class Sample:
    t: float          # seconds since the steady state began
    cpu_s: float
    rss_mb: float
    tree_rss_mb: float
    alerts: int


# ---- the run -------------------------------------------------------------------------------------


async def run_warnd(*argv: str, cwd: Path, log: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    handle = open(log, "ab")  # noqa: SIM115 - closed with the process
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "warnd.cli", *argv, cwd=cwd, env=env,
                                                stdout=handle, stderr=handle)
    handle.close()
    return proc


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def bench(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="warnd-bench-"))
    # Wall time only for the items' pubDate; every duration is measured on the monotonic clock.
    mono0, wall_start = time.monotonic(), SystemClock().now().timestamp()

    def wall() -> float:
        return wall_start + (time.monotonic() - mono0)

    farm = Farm(args.feeds, wall())
    await farm.start()
    inbox = Inbox()
    # aiosmtpd 1.4's Controller cannot start on port 0 (it connects to the port it was given to check
    # that it listens): take a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    config = write_config(work, farm, smtp_port, args)
    log = work / "warnd.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WARND_LOG_LEVEL": args.log_level}
    print(f"work dir {work}; farm http://127.0.0.1:{farm.port}/feeds/; smtp 127.0.0.1:{smtp_port}", flush=True)

    upgrade = await run_warnd("db", "upgrade", "--config", str(config), cwd=work, log=log, env=env)
    if await upgrade.wait() != 0:
        print(f"`warnd db upgrade` failed; see {log}", file=sys.stderr)
        return 1
    proc = await run_warnd("run", "--config", str(config), "--log-json", cwd=work, log=log, env=env)

    published: dict[str, float] = {}
    samples: list[Sample] = []
    warmup_s = args.warmup if args.warmup is not None else args.interval + 10
    steady_s = args.minutes * 60
    n_pub = min(args.feeds, int(steady_s / args.publish_every))
    order = list(range(args.feeds))
    random.Random(8).shuffle(order)
    try:
        print(f"warm-up {warmup_s:.0f}s (every feed polled once), then {args.minutes} min steady state, "
              f"{n_pub} items published", flush=True)
        await asyncio.sleep(warmup_s)
        if proc.returncode is not None:
            print(f"warnd exited during warm-up ({proc.returncode}); see {log}", file=sys.stderr)
            return 1
        t0 = time.monotonic()
        next_sample = 0.0
        for k in range(n_pub):
            due = k * args.publish_every
            while (now := time.monotonic() - t0) < due:
                if now >= next_sample:
                    cpu, rss, tree = sample(proc.pid)
                    samples.append(Sample(now, cpu, rss, tree, sum(len(v) for v in inbox.arrivals.values())))
                    next_sample += SAMPLE_EVERY_S
                await asyncio.sleep(min(0.2, due - now))
            index = order[k]
            farm.publish(index, wall())
            published[feed_name(index)] = time.monotonic()
            if proc.returncode is not None:
                print(f"warnd exited ({proc.returncode}); see {log}", file=sys.stderr)
                return 1
        while (now := time.monotonic() - t0) < steady_s:
            if now >= next_sample:
                cpu, rss, tree = sample(proc.pid)
                samples.append(Sample(now, cpu, rss, tree, sum(len(v) for v in inbox.arrivals.values())))
                next_sample += SAMPLE_EVERY_S
            await asyncio.sleep(0.2)
        # Let the last items' polls happen (one interval plus margin), then stop.
        deadline = time.monotonic() + args.interval + 15
        while time.monotonic() < deadline and not set(published) <= set(inbox.arrivals):
            await asyncio.sleep(0.5)
        cpu, rss, tree = sample(proc.pid)
        samples.append(Sample(time.monotonic() - t0, cpu, rss, tree, sum(len(v) for v in inbox.arrivals.values())))
        stop_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            code = await proc.wait()
        stop_s = time.monotonic() - stop_at
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        smtp.stop()
        await farm.stop()

    report(args, published, inbox, samples, code, stop_s, farm, log)
    return 0


def report(args: argparse.Namespace, published: dict[str, float], inbox: Inbox, samples: list[Sample],
           code: int, stop_s: float, farm: Farm, log: Path) -> None:
    latencies = [inbox.arrivals[f][0] - t for f, t in published.items() if f in inbox.arrivals]
    missing = sorted(set(published) - set(inbox.arrivals))
    duplicates = sum(len(v) - 1 for v in inbox.arrivals.values() if len(v) > 1)
    unexpected = sorted(set(inbox.arrivals) - set(published))
    target = args.interval + 2
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    span = samples[-1].t - samples[0].t if len(samples) > 1 else float("nan")
    cpu_pct = (samples[-1].cpu_s - samples[0].cpu_s) / span * 100 if len(samples) > 1 else float("nan")
    rss = [s.rss_mb for s in samples]
    tree = [s.tree_rss_mb for s in samples]
    slope = statistics.linear_regression([s.t / 60 for s in samples], rss).slope if len(samples) > 2 else 0.0

    print()
    print(f"warnd daemon bench: {args.feeds} feeds, {args.rules} rules, poll interval {args.interval}s, "
          f"{args.minutes} min steady state, database {'sqlite' if not args.database else args.database.split(':')[0]}")
    print(f"farm: {farm.requests} requests ({farm.not_modified} answered 304)")
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| time-to-alert p50 | {p50:.1f} s | |")
    print(f"| time-to-alert p95 | {p95:.1f} s | <= {target} s {'ok' if p95 <= target else 'MISSED'} |")
    print(f"| time-to-alert max | {max(latencies, default=float('nan')):.1f} s | |")
    print(f"| alerts received / published | {len(latencies)} / {len(published)} | all |")
    print(f"| missing, duplicates, unexpected | {len(missing)}, {duplicates}, {len(unexpected)} | 0, 0, 0 |")
    print(f"| CPU (process tree, steady state) | {cpu_pct:.1f} % of one core | |")
    print(f"| RSS main process start / end / max | {rss[0]:.0f} / {rss[-1]:.0f} / {max(rss):.0f} MB | < 150 MB "
          f"{'ok' if max(rss) < 150 else 'MISSED'} |")
    print(f"| RSS trend | {slope:+.2f} MB/min | flat |")
    print(f"| RSS process tree (with parse workers) max | {max(tree):.0f} MB | |")
    print(f"| SIGTERM to exit | {stop_s:.1f} s, exit {code} | <= 10 s, 0 |")
    print()
    print("| minute | RSS MB | tree RSS MB | CPU % | emails so far |")
    print("|---|---|---|---|---|")
    prev = samples[0]
    for s in samples[1:]:
        if int(s.t // 60) != int(prev.t // 60) or s is samples[-1]:
            dt = s.t - prev.t
            cpu = (s.cpu_s - prev.cpu_s) / dt * 100 if dt > 0 else float("nan")
            print(f"| {s.t / 60:.1f} | {s.rss_mb:.0f} | {s.tree_rss_mb:.0f} | {cpu:.1f} | {s.alerts} |")
            prev = s
    if missing:
        print(f"\nmissing alerts for: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}")
    if inbox.unmatched:
        print(f"{inbox.unmatched} emails named no bench feed")
    print(f"\ndaemon log (JSON lines): {log}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5, help="steady-state duration (default 5)")
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--rules", type=int, default=100)
    p.add_argument("--interval", type=int, default=60, help="poll interval of every feed, seconds (default 60)")
    p.add_argument("--publish-every", type=float, default=2.0, help="seconds between published items (default 2)")
    p.add_argument("--warmup", type=float, default=None, help="seconds before publishing (default interval + 10)")
    p.add_argument("--concurrency", type=int, default=50, help="fetch.concurrency (default 50)")
    p.add_argument("--per-host", type=int, default=50,
                   help="fetch.per_host (default 50: the farm is one host standing in for 1000)")
    p.add_argument("--database", help="SQLAlchemy URL (default: SQLite in the work dir); an empty PostgreSQL "
                                      "database or schema")
    p.add_argument("--log-level", default="INFO")
    return asyncio.run(bench(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
