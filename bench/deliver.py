"""Delivery throughput: N alerts to a local aiosmtpd and to a local signature-checking webhook receiver.

    /work/main/.venv/bin/python bench/deliver.py                 # 1,000 alerts per channel
    /work/main/.venv/bin/python bench/deliver.py -n 5000 --smtp-connections 4 --concurrency 64

Each receiver runs in its own process (as a real relay would), so the numbers are the sender's cost
plus loopback I/O. All alerts are enqueued at t=0 (or at `--rate` per second); "enqueue→accepted" is
the time from a message's enqueueing until the receiver's 250/2xx for it, "send" is the time inside
`Sender.send` (render + protocol).
Targets (ARCHITECTURE/issue 7): ≥ 200 emails/s and ≥ 500 webhooks/s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import multiprocessing as mp
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from warnd.clock import SystemClock  # noqa: E402
from warnd.config.settings import EmailChannelConfig, WebhookChannelConfig  # noqa: E402
from warnd.deliver import EmailSender, WebhookSender  # noqa: E402
from warnd.types import Alert, Delivery, DeliveryStatus, Evidence, Severity  # noqa: E402

SECRET = "bench-secret"
REGIONS = ("Latakia", "Tartus", "Homs", "North Darfur", "Ituri", "North Kivu")


# ------------------------------------------------------------------ receivers (child processes)


def _smtp_receiver(port_out: mp.Queue, stop: mp.Event) -> None:
    from aiosmtpd.smtp import SMTP

    class Count:
        n = 0

        async def handle_DATA(self, server, session, envelope):
            Count.n += 1
            return "250 2.0.0 queued"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = Count()
        server = await loop.create_server(lambda: SMTP(handler, hostname="bench.mx", loop=loop), "127.0.0.1", 0)
        port_out.put(server.sockets[0].getsockname()[1])
        while not stop.is_set():
            await asyncio.sleep(0.05)
        server.close()
        port_out.put(Count.n)

    asyncio.run(main())


def _webhook_receiver(port_out: mp.Queue, stop: mp.Event) -> None:
    from aiohttp import web

    seen: set[str] = set()
    accepted = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal accepted
        body = await request.read()
        ts, sig = request.headers["X-Warnd-Timestamp"], request.headers["X-Warnd-Signature"]
        expected = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            return web.Response(status=401)
        if sig in seen:
            return web.Response(status=409)
        seen.add(sig)
        accepted += 1
        return web.Response(status=204)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/hook", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await runner.cleanup()
        port_out.put(accepted)

    asyncio.run(main())


# ------------------------------------------------------------------ the sender side


def make_alerts(n: int) -> list[Alert]:
    at = datetime(2026, 2, 11, 6, 30, tzinfo=UTC)
    out = []
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        ev = tuple(Evidence(f"Report {j} from {region}: at least {100 + i} killed", f"feed-{j}",
                            f"https://feed-{j}.example.org/{i}", at - timedelta(minutes=j), 100 + i) for j in range(3))
        out.append(Alert(rule="bench-jump", dedup_key=f"bench-jump|region={region}", severity=Severity.CRITICAL,
                         title="", labels=(("region", region),), value=float(100 + i), baseline=4.0,
                         window=timedelta(hours=24), sources=3, fired_at=at, evidence=ev, metric="killed",
                         kind="jump", id=i + 1))
    return out


async def run(sender, alerts: list[Alert], concurrency: int, rate: float = 0.0) -> tuple[float, list[float], list[float]]:
    """Send every alert; with `rate` > 0 they are enqueued at that many per second, else all at t=0."""
    gate = asyncio.Semaphore(concurrency)
    start = time.perf_counter()
    end_to_end: list[float] = []
    send_times: list[float] = []

    async def one(alert: Alert, enqueued: float) -> None:
        async with gate:
            t0 = time.perf_counter()
            await sender.send(alert, Delivery(alert.id or 0, alert.id or 0, "bench", DeliveryStatus.PENDING))
            t1 = time.perf_counter()
        send_times.append(t1 - t0)
        end_to_end.append(t1 - enqueued)

    async with asyncio.TaskGroup() as tg:
        for i, a in enumerate(alerts):
            if rate > 0:
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            tg.create_task(one(a, time.perf_counter() if rate > 0 else start))
    return time.perf_counter() - start, end_to_end, send_times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def start_receiver(target) -> tuple[mp.Process, mp.Queue, mp.Event, int]:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    proc = ctx.Process(target=target, args=(q, stop), daemon=True)
    proc.start()
    return proc, q, stop, q.get(timeout=30)


def stop_receiver(proc: mp.Process, q: mp.Queue, stop: mp.Event) -> int:
    stop.set()
    count = q.get(timeout=30)
    proc.join(timeout=10)
    return int(count)


async def bench(args: argparse.Namespace) -> list[tuple[str, int, float, list[float], list[float], int]]:
    alerts = make_alerts(args.n)
    clock = SystemClock()
    templates = ROOT / "templates"
    rows = []

    proc, q, stop, port = start_receiver(_smtp_receiver)
    cfg = EmailChannelConfig.model_validate({
        "type": "email", "to": ["desk@example.org"], "from": "warnd@example.org",
        "smtp": {"host": "127.0.0.1", "port": port, "connections": args.smtp_connections}})
    email = EmailSender("bench-email", cfg, clock=clock, templates_dir=templates)
    try:
        await run(email, alerts[:20], args.concurrency)  # warm up: template compile, connections
        seconds, e2e, send = await run(email, alerts, args.concurrency, args.rate)
    finally:
        await email.aclose()
    received = stop_receiver(proc, q, stop) - 20
    rows.append((f"email ({args.smtp_connections} SMTP conn)", len(alerts), seconds, e2e, send, received))

    proc, q, stop, port = start_receiver(_webhook_receiver)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency)) as http:
        wcfg = WebhookChannelConfig.model_validate({"type": "webhook", "url": f"http://127.0.0.1:{port}/hook",
                                                    "secret": SECRET})
        hook = WebhookSender("bench-hook", wcfg, http=http, clock=clock)
        await run(hook, make_alerts(20), args.concurrency)
        seconds, e2e, send = await run(hook, [_bump(a, 100_000) for a in alerts], args.concurrency, args.rate)
    received = stop_receiver(proc, q, stop) - 20
    rows.append(("webhook (signed)", len(alerts), seconds, e2e, send, received))
    return rows


def _bump(alert: Alert, by: int) -> Alert:
    """A distinct alert id, so the receiver does not see the warm-up's signatures as replays."""
    from dataclasses import replace
    return replace(alert, id=(alert.id or 0) + by)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="alerts per channel (default 1000)")
    ap.add_argument("--concurrency", type=int, default=50, help="sends in flight (the outbox batch)")
    ap.add_argument("--smtp-connections", type=int, default=4, help="SMTP connections reused by the sender")
    ap.add_argument("--rate", type=float, default=0.0,
                    help="enqueue this many alerts per second instead of all at once (latency under load)")
    args = ap.parse_args()
    rows = asyncio.run(bench(args))
    targets = {"email": 200, "webhook": 500}
    if args.rate:
        print(f"paced: {args.rate:g} alerts/s enqueued; msg/s is then at most the pace")
    print(f"{'channel':<26} {'msgs':>6} {'recv':>6} {'secs':>7} {'msg/s':>8} {'p50 e2e ms':>11} "
          f"{'p95 e2e ms':>11} {'p95 send ms':>12} {'target':>8}")
    for name, n, seconds, e2e, send, received in rows:
        rate = n / seconds
        target = targets[name.split()[0]]
        verdict = f"≥{target} {'ok' if rate >= target else 'MISS'}" if not args.rate else "paced"
        print(f"{name:<26} {n:>6} {received:>6} {seconds:>7.2f} {rate:>8.0f} {p(e2e, 50):>11.0f} "
              f"{p(e2e, 95):>11.0f} {p(send, 95):>12.1f} {verdict:>8}")


if __name__ == "__main__":
    main()
