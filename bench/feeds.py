"""Feed ingestion benchmark: warnd's Fetcher + Poller against a local feed farm.

    python bench/feeds.py                          # 4 rounds, prints a table
    python bench/feeds.py --feeds 1000 --items 20 --latency-ms 50 --broken 0.02 --timeout 5
    python bench/feeds.py --compare-clients        # aiohttp vs httpx, fetch only (bench/README.md)
    python bench/feeds.py --store-per-poll sqlite:////tmp/w.db   # the store calls of a 304 poll, apart

The farm is a **separate process** (this file with ``--serve``: a minimal asyncio HTTP/1.1 server)
listening on 127.0.0.1 on ``--hosts`` ports, so the per-host connection limit applies as it
would across real servers. Each feed answers after ``--latency-ms``, with ETag and
Last-Modified, and 304 to a matching conditional GET. A control endpoint changes a fraction
of the feeds (two new items on top) and marks a fraction as broken (500, hang, or truncated
XML, in equal parts).

Rounds (all feeds polled concurrently through one Poller, parsing in a 2-process pool):

1. cold            — fresh state, every feed answers 200 and is parsed
2. unchanged       — state from round 1: every feed answers 304, nothing is parsed
3. changed         — 10 % of the feeds got new items: 10 % parsed, 90 % 304
4. cold+broken     — fresh state with ``--broken`` of the feeds failing (hangs cost the timeout)

Columns: wall seconds; feeds/s; CPU seconds of warnd (this process + its parse workers) and,
separately, of the farm; peak RSS summed over warnd + workers + farm (sampled every 20 ms)
and warnd's own share.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_WORDS = ("shelter convoy displacement clinic water flood road market access border checkpoint families "
          "reported partners district governorate rations vaccination cholera measles supplies damaged "
          "relief engineers restored overnight residents monitors gunfire casualties villages coastal").split()


# ---------------------------------------------------------------------------------------------
# The farm (runs in its own process)


def _item(rng: random.Random, feed: int, n: int, when: datetime) -> str:
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 10))).capitalize()
    desc = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(30, 60)))
    return (f"<item><title>{title}</title><link>https://farm.example/{feed}/{n}</link>"
            f"<description>&lt;p&gt;{desc}.&lt;/p&gt;</description><guid isPermaLink=\"false\">f{feed}-i{n}</guid>"
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>")


def _feed_body(feed: int, version: int, items: int) -> bytes:
    rng = random.Random(feed * 1_000_003 + version)
    base = datetime(2026, 2, 11, 12, tzinfo=UTC)
    newest = version * 2 + items  # each version adds two items on top
    body = "".join(_item(rng, feed, n, base - timedelta(minutes=10 * (newest - n)))
                   for n in range(newest, newest - items, -1))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Farm feed {feed}</title>'
            f"<link>https://farm.example/{feed}</link><description>bench</description>{body}</channel></rss>").encode()


def serve(args: argparse.Namespace) -> None:
    """The farm: a minimal HTTP/1.1 keep-alive server on asyncio, no framework.

    Deliberately not aiohttp.web: the farm shares the 2 cores and the memory budget with warnd,
    and a framework would add ~30 MB and its own CPU to every number.
    """
    from urllib.parse import parse_qs, urlsplit

    versions = [0] * args.feeds
    broken: dict[int, str] = {}
    latency = args.latency_ms / 1000

    def response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
        head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": str(len(body))}.items())
        return f"HTTP/1.1 {status}\r\n{head}\r\n".encode() + body

    def control(action: str, query: dict[str, list[str]]) -> bytes:
        rng = random.Random(query.get("seed", ["1"])[0])
        chosen = rng.sample(range(args.feeds), round(args.feeds * float(query.get("fraction", ["0"])[0])))
        if action == "change":
            for i in chosen:
                versions[i] += 1
        elif action == "broken":
            broken.clear()
            for n, i in enumerate(chosen):
                broken[i] = ("500", "hang", "truncated")[n % 3]
        return response("200 OK", {"Content-Type": "application/json"}, json.dumps({"chosen": len(chosen)}).encode())

    async def answer(head: bytes) -> bytes | None:
        lines = head.decode("latin-1").split("\r\n")
        target = urlsplit(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if target.path.startswith("/_control/"):
            return control(target.path.rsplit("/", 1)[1], parse_qs(target.query))
        i = int(target.path.rsplit("/", 1)[1])
        await asyncio.sleep(latency)
        mode = broken.get(i)
        if mode == "500":
            return response("500 Internal Server Error", {}, b"internal error")
        if mode == "hang":
            return None
        v = versions[i]
        validators = {"ETag": f'"{i}-{v}"',
                      "Last-Modified": format_datetime(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=v), usegmt=True)}
        if headers.get("if-none-match") == validators["ETag"]:
            return response("304 Not Modified", validators)
        # Built on every request, not cached: 1000 cached bodies would be ~15 MB of the farm's RSS.
        body = _feed_body(i, v, args.items)
        if mode == "truncated":
            body = body[: len(body) // 2]
        return response("200 OK", {**validators, "Content-Type": "application/rss+xml; charset=utf-8"}, body)

    class Connection(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.buffer = b""
            self.busy: asyncio.Task[None] | None = None

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            self._next()

        def _next(self) -> None:
            # Clients here do not pipeline; still, answer requests one at a time, in order.
            if self.busy is None and b"\r\n\r\n" in self.buffer:
                head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
                self.busy = asyncio.ensure_future(self._serve(head))

        async def _serve(self, head: bytes) -> None:
            reply = await answer(head)
            if reply is None:  # a hanging feed: never answer, keep the connection open
                return
            self.transport.write(reply)  # type: ignore[attr-defined]
            self.busy = None
            self._next()

        def connection_lost(self, exc: Exception | None) -> None:
            if self.busy is not None:
                self.busy.cancel()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(Connection, "127.0.0.1", 0, backlog=1024) for _ in range(args.hosts)]
        print(json.dumps({"ports": [srv.sockets[0].getsockname()[1] for srv in servers]}), flush=True)
        await asyncio.Event().wait()

    # The farm dies with its parent: the parent holds our stdin open, EOF means it is gone.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    asyncio.run(main())


# ---------------------------------------------------------------------------------------------
# Measurement helpers


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def _proc_pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """Peak RSS and PSS of some processes, sampled every 20 ms **in a process of its own**.

    Reading ``/proc/<pid>/smaps_rollup`` walks the target's page tables: ~0.5 ms of kernel time
    per read of an 80 MB process, ~0.1 CPU-s per second for 3–4 processes. A sampler thread
    inside the warnd process had that charged to warnd (a third of the unchanged round's CPU);
    in its own process it costs the machine the same, like the farm, but is not counted as warnd.
    """

    def __init__(self, pids: list[int], *, farm_pid: int) -> None:
        self.pids, self.farm_pid = pids, farm_pid
        self.peak_total = self.peak_own = 0.0
        self.peaks: dict[int, float] = {}
        self.peak_pss_total = self.peak_pss_own = 0.0
        self.cpu_s = 0.0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> RssSampler:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--sample", ",".join(map(str, self.pids)), "--farm-pid", str(self.farm_pid)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._proc.stdout is not None
        self._proc.stdout.readline()  # "sampling": the first sample is taken
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None
        out, _ = self._proc.communicate("stop\n")  # the sampler takes a last sample and reports
        report = json.loads(out)
        self.peaks = {int(pid): mb for pid, mb in report["peaks"].items()}
        self.peak_total, self.peak_own = report["peak_total"], report["peak_own"]
        self.peak_pss_total, self.peak_pss_own = report["peak_pss_total"], report["peak_pss_own"]
        self.cpu_s = report["cpu_s"]


def sample(args: argparse.Namespace) -> None:
    """The memory sampler (its own process): peaks of RSS and PSS until a line on stdin, then a JSON report."""
    pids = [int(p) for p in args.sample.split(",")]
    peaks: dict[int, float] = {}
    peak = {"peak_total": 0.0, "peak_own": 0.0, "peak_pss_total": 0.0, "peak_pss_own": 0.0}

    def one() -> None:
        sizes = {pid: _proc_rss_mb(pid) for pid in pids}
        for pid, mb in sizes.items():
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
        pss = {pid: _proc_pss_mb(pid) for pid in pids}
        for key, values in (("peak_total", sizes), ("peak_pss_total", pss)):
            peak[key] = max(peak[key], sum(values.values()))
        for key, values in (("peak_own", sizes), ("peak_pss_own", pss)):
            peak[key] = max(peak[key], sum(v for p, v in values.items() if p != args.farm_pid))

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    one()
    print("sampling", flush=True)
    while not stop.wait(0.02):
        one()
    one()
    print(json.dumps({"peaks": peaks, **peak, "cpu_s": time.process_time()}), flush=True)


@dataclass
class Round:
    name: str
    wall_s: float
    feeds: int
    cpu_s: float
    loop_cpu_s: float
    farm_cpu_s: float
    parsed: int
    errors: int
    items: int
    healthy_s: float  # when every poll that did not time out had finished


def _start_farm(args: argparse.Namespace) -> tuple[subprocess.Popen[str], list[int]]:
    farm = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--feeds", str(args.feeds), "--items", str(args.items),
         "--latency-ms", str(args.latency_ms), "--hosts", str(args.hosts)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert farm.stdout is not None
    ports = json.loads(farm.stdout.readline())["ports"]
    return farm, ports


async def _control(session: Any, port: int, action: str, fraction: float, seed: int) -> None:
    async with session.post(f"http://127.0.0.1:{port}/_control/{action}?fraction={fraction}&seed={seed}") as r:
        await r.read()


def _parse_warmup(_: int) -> int:
    import warnd.parse  # noqa: F401  (imports feedparser in the worker before the clock starts)
    return os.getpid()


# ---------------------------------------------------------------------------------------------
# The warnd rounds


async def run_rounds(args: argparse.Namespace) -> list[Round]:
    from warnd.clock import SystemClock
    from warnd.config.settings import FeedSettings, FetchSettings
    from warnd.fetch import Fetcher, make_http_session
    from warnd.poll import Poller, make_parse_executor
    from warnd.types import FeedState

    args.load_before = Path("/proc/loadavg").read_text().split()[0]  # other work on the machine skews every number
    farm, ports = _start_farm(args)
    pool = make_parse_executor(args.workers or None, nice=args.nice)
    args.workers = pool._max_workers
    worker_pids = set(pool.map(_parse_warmup, range(args.workers * 4)))
    worker_pids = {p.pid for p in pool._processes.values()}  # all workers, warmed or not
    logging.getLogger("warnd").setLevel(logging.ERROR)  # one line per poll is for the daemon, not here
    settings = FetchSettings(timeout_s=args.timeout, connect_timeout_s=args.timeout, concurrency=args.concurrency,
                             per_host=args.per_host, jitter=0.1)
    feeds = [FeedSettings(name=f"farm-{i}", url=f"http://127.0.0.1:{ports[i % len(ports)]}/feed/{i}")
             for i in range(args.feeds)]
    clock = SystemClock()
    rounds: list[Round] = []
    sampler = RssSampler([os.getpid(), *worker_pids, farm.pid], farm_pid=farm.pid)
    try:
        with sampler:
            async with make_http_session(settings) as session:
                poller = Poller(Fetcher(settings, session=session, clock=clock), clock=clock, executor=pool)

                async def one_round(name: str, states: list[FeedState]) -> list[FeedState]:
                    main0 = time.process_time()
                    cpu0 = main0 + sum(_proc_cpu_s(p) for p in worker_pids)
                    farm0 = _proc_cpu_s(farm.pid)
                    t0 = time.perf_counter()
                    done_at: list[tuple[float, bool]] = []

                    async def timed(f: FeedSettings, s: FeedState) -> Any:
                        result = await poller.poll(f, s)
                        done_at.append((time.perf_counter() - t0, "no complete answer" in (result.error or "")))
                        return result

                    async with asyncio.TaskGroup() as tg:
                        tasks = [tg.create_task(timed(f, s)) for f, s in zip(feeds, states, strict=True)]
                    wall = time.perf_counter() - t0
                    results = [t.result() for t in tasks]
                    healthy_s = max((at for at, hung in done_at if not hung), default=0.0)
                    if args.verbose:
                        lat = sorted(r.state.latencies_s[-1] for r in results if r.state.latencies_s)
                        print(f"{name}: fetch latency p50 {lat[len(lat) // 2]:.3f} p99 {lat[int(len(lat) * .99)]:.3f} "
                              f"max {lat[-1]:.3f}", file=sys.stderr)
                    main1 = time.process_time()
                    cpu = main1 + sum(_proc_cpu_s(p) for p in worker_pids) - cpu0
                    rounds.append(Round(
                        name, wall, len(feeds), cpu, main1 - main0, _proc_cpu_s(farm.pid) - farm0,
                        parsed=sum(1 for r, s in zip(results, states, strict=True)
                                   if r.error is None and r.state.content_hash != s.content_hash) +
                        sum(1 for r in results if r.error and "not a feed" in r.error),
                        errors=sum(1 for r in results if r.error), items=sum(len(r.items) for r in results),
                        healthy_s=healthy_s,
                    ))
                    return [r.state for r in results]

                fresh = [FeedState(f.name) for f in feeds]
                states = await one_round("cold", fresh)
                states = await one_round("unchanged (304)", states)
                await _control(session, ports[0], "change", 0.10, seed=2)
                states = await one_round("changed (10%)", states)
                await _control(session, ports[0], "change", 0.10, seed=3)
                await _control(session, ports[0], "broken", args.broken, seed=4)
                await one_round(f"cold, {args.broken:.0%} broken", fresh)
    finally:
        pool.shutdown(cancel_futures=True)
        farm.terminate()
        farm.wait()
    print_table(args, rounds, sampler)
    return rounds


def print_table(args: argparse.Namespace, rounds: list[Round], sampler: RssSampler) -> None:
    print(f"\nwarnd feed bench: {args.feeds} feeds x {args.items} items, {args.latency_ms} ms latency, "
          f"{args.hosts} hosts, concurrency {args.concurrency} (per host {args.per_host}), "
          f"{args.workers} parse workers (nice +{args.nice}), timeout {args.timeout:g}s, {os.cpu_count()} CPUs, "
          f"load average at start: {args.load_before}\n")
    header = (f"{'round':<22}{'wall s':>8}{'feeds/s':>9}{'CPU s':>8}{'(loop)':>8}{'farm CPU s':>11}"
              f"{'parsed':>8}{'errors':>8}{'items':>8}")
    print(header)
    print("-" * len(header))
    for r in rounds:
        print(f"{r.name:<22}{r.wall_s:>8.2f}{r.feeds / r.wall_s:>9.0f}{r.cpu_s:>8.2f}{r.loop_cpu_s:>8.2f}{r.farm_cpu_s:>11.2f}"
              f"{r.parsed:>8}{r.errors:>8}{r.items:>8}")
    for r in rounds:
        if r.healthy_s < r.wall_s - 0.5:
            print(f"{r.name}: every feed that answered was done after {r.healthy_s:.2f} s; the rest is "
                  f"hanging feeds waiting out the {args.timeout:g} s timeout")
    own = sampler.peaks.get(os.getpid(), 0.0)
    workers = [mb for pid, mb in sampler.peaks.items() if pid not in (os.getpid(), sampler.farm_pid)]
    print(f"\npeak RSS per process: warnd {own:.0f} MB, parse workers {' + '.join(f'{w:.0f}' for w in workers)} MB, "
          f"farm {sampler.peaks.get(sampler.farm_pid, 0.0):.0f} MB")
    print(f"peak of summed RSS: {sampler.peak_total:.0f} MB with the farm, {sampler.peak_own:.0f} MB without")
    print(f"peak of summed PSS (shared pages counted once): {sampler.peak_pss_total:.0f} MB with the farm, "
          f"{sampler.peak_pss_own:.0f} MB without")
    print(f"memory sampler (its own process, not in warnd's CPU): {sampler.cpu_s:.2f} CPU-s over the whole run")


# ---------------------------------------------------------------------------------------------
# Client comparison (fetch only: conditional GET, read body, no parse)


async def compare_clients(args: argparse.Namespace) -> None:
    import aiohttp
    import httpx

    farm, ports = _start_farm(args)
    urls = [f"http://127.0.0.1:{ports[i % len(ports)]}/feed/{i}" for i in range(args.feeds)]
    etags: dict[str, dict[str, str]] = {"aiohttp": {}, "httpx": {}}
    sem = asyncio.Semaphore(args.concurrency)
    print(f"\nfetch-only rounds, {args.feeds} feeds, {args.latency_ms} ms latency, concurrency {args.concurrency}\n")
    print(f"{'client':<10}{'round':<12}{'wall s':>8}{'CPU s':>8}{'ms CPU/req':>11}")
    try:
        for client in ("aiohttp", "httpx"):
            if client == "aiohttp":
                session: Any = aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                    limit=args.concurrency, limit_per_host=args.per_host))
            else:
                session = httpx.AsyncClient(limits=httpx.Limits(max_connections=args.concurrency,
                                                                max_keepalive_connections=args.concurrency))

            async def get(url: str, client: str = client, session: Any = session) -> None:
                headers = {"If-None-Match": etags[client][url]} if url in etags[client] else {}
                async with sem:
                    if client == "aiohttp":
                        async with session.get(url, headers=headers) as r:
                            await r.read()
                            etag = r.headers.get("ETag")
                    else:
                        r = await session.get(url, headers=headers)
                        etag = r.headers.get("ETag")
                if etag:
                    etags[client][url] = etag

            for name in ("cold", "unchanged"):
                cpu0, t0 = time.process_time(), time.perf_counter()
                async with asyncio.TaskGroup() as tg:
                    for url in urls:
                        tg.create_task(get(url))
                wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                print(f"{client:<10}{name:<12}{wall:>8.2f}{cpu:>8.2f}{cpu * 1000 / len(urls):>11.2f}")
            if client == "aiohttp":
                await session.close()
            else:
                await session.aclose()
    finally:
        farm.terminate()
        farm.wait()


# ---------------------------------------------------------------------------------------------
# The store work of a poll in the daemon, measured apart: the rounds above have no store


def store_per_poll(args: argparse.Namespace) -> None:
    """CPU of the store calls `Daemon.poll_feed` makes around a ``304``, per call and in total.

    In order: claim the feed's lease, read its state, store the poll (`Store.ingest` of no items:
    only the state is written), renew the lease until the next poll.
    """
    import dataclasses
    import statistics

    from warnd.store import open_store
    from warnd.types import FeedState

    store = open_store(args.store_per_poll, migrate=True)
    now = datetime(2026, 2, 11, 12, tzinfo=UTC)
    lease = timedelta(seconds=args.timeout + 30)
    feeds = [f"bench-{i}" for i in range(args.feeds)]
    for feed in feeds:  # rows and states exist, as after the daemon's first poll of each feed
        store.claim_feed(feed, "bench", now, lease)
        store.ingest(feed, [], FeedState(feed, etag=f'"{feed}-0"', last_modified=format_datetime(now, usegmt=True),
                                         last_success_at=now, latencies_s=(0.05,) * 20), now)
    calls: dict[str, list[float]] = {"claim": [], "read state": [], "write state": [], "renew": []}
    for _ in range(5):
        now += timedelta(minutes=5)
        spent = dict.fromkeys(calls, 0.0)
        for feed in feeds:
            cpu0 = time.process_time()
            store.claim_feed(feed, "bench", now, lease)
            cpu1 = time.process_time()
            state = store.feed_state(feed)
            assert state is not None
            cpu2 = time.process_time()
            polled = dataclasses.replace(state, last_polled_at=now, last_success_at=now, next_poll_at=now + lease,
                                         latencies_s=(*state.latencies_s, 0.05)[-20:])
            cpu3 = time.process_time()
            store.ingest(feed, [], polled, now)
            cpu4 = time.process_time()
            store.claim_feed(feed, "bench", now, lease)
            cpu5 = time.process_time()
            for name, took in zip(calls, (cpu1 - cpu0, cpu2 - cpu1, cpu4 - cpu3, cpu5 - cpu4), strict=True):
                spent[name] += took
        for name, total in spent.items():
            calls[name].append(total / len(feeds) * 1e6)
    store.close()
    medians = {name: statistics.median(us) for name, us in calls.items()}
    print(f"{store.dialect}, {len(feeds)} feeds, load average {Path('/proc/loadavg').read_text().split()[0]}: "
          f"µs CPU per call (median of 5 rounds)")
    for name, us in medians.items():
        print(f"  {name:<12}{us:>7.0f}")
    print(f"  {'per poll':<12}{sum(medians.values()):>7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=25, help="farm ports, i.e. distinct hosts for per-host limits")
    parser.add_argument("--broken", type=float, default=0.02, help="fraction of feeds broken in the last round")
    parser.add_argument("--timeout", type=float, default=5.0, help="fetch timeout in seconds")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0, help="parse processes (default: cores - 1, min 1)")
    parser.add_argument("--nice", type=int, default=5, help="priority step of the parse workers")
    parser.add_argument("--compare-clients", action="store_true", help="aiohttp vs httpx, fetch only")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the warnd process into FILE")
    parser.add_argument("--store-per-poll", metavar="DB_URL",
                        help="CPU of the store calls around a 304 poll on this database, instead of the rounds")
    parser.add_argument("--verbose", action="store_true", help="print fetch latency percentiles per round")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sample", help=argparse.SUPPRESS)
    parser.add_argument("--farm-pid", type=int, default=-1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
    elif args.sample:
        sample(args)
    elif args.compare_clients:
        asyncio.run(compare_clients(args))
    elif args.store_per_poll:
        store_per_poll(args)
    elif args.profile:
        import cProfile
        cProfile.runctx("asyncio.run(run_rounds(args))", globals(), {"args": args}, args.profile)
    else:
        asyncio.run(run_rounds(args))


if __name__ == "__main__":
    main()
