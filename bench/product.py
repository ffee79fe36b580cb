"""The whole product against reader: `warnd run --once` rounds of 1000 feeds, side by side on one farm.

One local farm (aiohttp, 127.0.0.1, its own process) serves N RSS feeds (default 1000) x 20 items of
~500 bytes (as XML) that mention places and casualty figures, with 50 ms latency on every answer, ETag +
Last-Modified and real 304s. Three contenders run the same three rounds, each round a fresh process:

* warnd: `python -m warnd.cli run --once` on a generated config (the bundled rules, file channels,
  SQLite in a temporary directory, or `--database`): fetch, parse, extract, store, evaluate, deliver.
* reader (the Python feed reader library, pip `reader`), installed by this bench into its own venv
  under `--cache` (never into warnd's): `make_reader(db)`, `add_feed` for each feed on the cold
  round, then `update_feeds(workers=W)`.
* the floor: aiohttp + fastfeedparser in the same reader venv, the same concurrency as warnd, the
  validators kept in a JSON file between rounds, nothing stored.

Rounds: cold (every item new), unchanged (every feed answers 304), changed (10 % of the feeds have two
new items on top). For each: wall seconds, CPU seconds (the process and its children), and the peak
of the summed RSS of the process tree, sampled every 20 ms.

    .venv/bin/python bench/product.py                     # 1000 feeds, all three contenders
    .venv/bin/python bench/product.py --feeds 10000 --only warnd
    .venv/bin/python bench/product.py --profile /tmp/prof  # cProfile of each warnd round (.prof files)
    .venv/bin/python bench/product.py --ingest sqlite postgresql+psycopg://postgres@127.0.0.1:5432/bench

See bench/README.md (results, what it leaves out).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
ROUNDS = ("cold", "unchanged", "changed")
# sgmllib3k: the feedparser vendored in reader imports sgmllib, which Python 3 no longer ships.
READER_PACKAGES = ("reader>=3.12", "sgmllib3k>=1.0", "fastfeedparser>=0.3", "aiohttp>=3.9")

# Places of the bundled gazetteer and figures the extractor reads: every item costs extraction work.
_PLACES = ("Jableh", "Baniyas", "Latakia", "Tartus", "Homs", "Hama", "Aleppo", "Idlib", "Qardaha", "Masyaf",
           "Daraa", "Deir ez-Zor", "Raqqa", "Qamishli", "Damascus", "Douma")
_LEADS = ("At least {n} civilians were killed in {p} when shelling hit a market, local monitors said.",
          "{n} people were injured in {p} after an air strike on a residential district overnight.",
          "Clashes near {p} left {n} dead, including fighters, according to a monitoring group.",
          "Families in {p} reported {n} houses damaged; relief partners said supplies were low.",
          "The toll in {p} rose to {n} killed since Thursday, the monitor said on Sunday.")
_FILL = ("Aid convoys waited at the checkpoint while partners assessed water and shelter needs. "
         "Residents described gunfire through the night and said clinics were short of supplies.")


# ---- the farm (its own process: `--serve`) -----------------------------------------------------------


def _item(feed: int, n: int, when: datetime) -> str:
    rng = random.Random(feed * 100_003 + n)
    lead = rng.choice(_LEADS).format(n=rng.randint(2, 60), p=rng.choice(_PLACES))
    title = lead.split(",")[0][:90]
    return (f"<item><title>{escape(title)}</title><link>https://farm.example/{feed}/{n}</link>"
            f"<description>{escape('<p>' + lead + ' ' + _FILL + '</p>')}</description>"
            f'<guid isPermaLink="false">f{feed}-i{n}</guid><pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>')


def _body(feed: int, version: int, items: int, base: datetime) -> bytes:
    newest = version * 2 + items   # each version puts two items on top
    body = "".join(_item(feed, n, base - timedelta(minutes=10 * (newest - n))) for n in range(newest, newest - items, -1))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Farm feed {feed}</title>'
            f"<link>https://farm.example/{feed}</link><description>bench</description>{body}</channel></rss>").encode()


def serve(args: argparse.Namespace) -> None:
    from aiohttp import web

    base = datetime.now(UTC)  # noqa: TID251 - the farm's own clock, not warnd's.replace(microsecond=0) - timedelta(minutes=5)
    versions = [0] * args.feeds
    cache: dict[tuple[int, int], tuple[bytes, str, str]] = {}

    def current(i: int) -> tuple[bytes, str, str]:
        key = (i, versions[i])
        if key not in cache:
            when = format_datetime(base + timedelta(minutes=versions[i]), usegmt=True)
            cache[key] = (_body(i, versions[i], args.items, base + timedelta(minutes=20 * versions[i])),
                          f'"f{i}-v{versions[i]}"', when)
        return cache[key]

    async def feed(request: web.Request) -> web.Response:
        await asyncio.sleep(args.latency_ms / 1000)
        i = int(request.match_info["n"])
        if not 0 <= i < len(versions):
            return web.Response(status=404)
        body, etag, modified = current(i)
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers, content_type="application/rss+xml")

    async def control(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action == "reset":
            versions[:] = [0] * len(versions)
        elif action == "change":
            rng = random.Random(int(request.query.get("seed", "1")))
            for i in rng.sample(range(len(versions)), int(len(versions) * float(request.query["fraction"]))):
                versions[i] += 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/feed/{n}.xml", feed)
    app.router.add_post("/_control/{action}", control)
    for i in range(args.feeds):   # rendered before the first round: the farm's CPU stays out of it
        current(i)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


# ---- measuring a process tree -----------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1])
        except (OSError, IndexError):
            continue
    return total * PAGE / 1e6


@dataclass
class Round:
    contender: str
    name: str
    wall_s: float
    cpu_s: float
    rss_mb: float
    ok: bool
    note: str = ""


def measure(contender: str, name: str, argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> Round:
    """Run `argv` to its end; wall, CPU of it and its children (rusage), peak summed RSS of its tree."""
    peak = 0.0
    with open(log, "ab") as out:
        before = os.times()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=out)
        done = threading.Event()

        def sampler() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _rss_mb(_tree(proc.pid)))
                done.wait(0.02)

        t = threading.Thread(target=sampler, daemon=True)
        t.start()
        rc = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        t.join()
        after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Round(contender, name, wall, cpu, peak, rc == 0, "" if rc == 0 else f"exit {rc}, see {log}")


# ---- the contenders ---------------------------------------------------------------------------------


def warnd_config(work: Path, urls: list[str], args: argparse.Namespace) -> Path:
    feeds = "\n".join(f'  - {{name: farm-{i:05d}, url: "{u}", interval: 10m, tags: [syria]}}' for i, u in enumerate(urls))
    database = args.database or f"sqlite:///{work / 'warnd.db'}"
    config = work / "warnd.yaml"
    config.write_text(f"""\
database: "{database}"
base_dir: "{work}"
rules: ["{ROOT / 'rules'}/syria-coast.yaml"]
templates: "{ROOT / 'templates'}"
extract:
  gazetteer: ["{ROOT / 'config/gazetteer/aliases.yaml'}"]
  lexicons: ["{ROOT / 'config/lexicons/communities.yaml'}"]
channels:
  local-mail: {{type: file, format: eml, dir: outbox/mail, to: [desk@example.org], from: warnd@localhost}}
routing:
  default: [local-mail]
feeds:
{feeds}
""")
    return config


READER_SCRIPT = textwrap.dedent("""\
    import sys
    from reader import make_reader
    db, first, workers = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
    urls = [line.strip() for line in open(sys.argv[4]) if line.strip()]
    r = make_reader(db)
    if first:
        for u in urls:
            r.add_feed(u, exist_ok=True)
    r.update_feeds(workers=workers)
    print(r.get_entry_counts().total, "entries")
    r.close()
""")

FLOOR_SCRIPT = textwrap.dedent("""\
    import asyncio, json, os, sys
    import aiohttp, fastfeedparser
    state_file, concurrency = sys.argv[1], int(sys.argv[2])
    urls = [line.strip() for line in open(sys.argv[3]) if line.strip()]
    state = json.load(open(state_file)) if os.path.exists(state_file) else {}

    async def main():
        sem = asyncio.Semaphore(concurrency)
        items = 0
        conn = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=conn) as s:
            async def one(u):
                nonlocal items
                headers = {}
                if u in state:
                    headers = {"If-None-Match": state[u][0], "If-Modified-Since": state[u][1]}
                async with sem, s.get(u, headers=headers) as resp:
                    if resp.status == 304:
                        return
                    body = await resp.read()
                    state[u] = [resp.headers.get("ETag", ""), resp.headers.get("Last-Modified", "")]
                items += len(fastfeedparser.parse(body).entries)
            await asyncio.gather(*(one(u) for u in urls))
        print(items, "items")
    asyncio.run(main())
    json.dump(state, open(state_file, "w"))
""")


def reader_python(cache: Path) -> Path:
    """The venv of reader and the floor, created once under `cache`."""
    venv = cache / "reader-venv"
    py = venv / "bin" / "python"
    marker = venv / ".complete"
    if not marker.exists():
        print(f"creating {venv} (reader, fastfeedparser, aiohttp; once) ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *READER_PACKAGES], check=True)
        marker.write_text("ok\n")
    return py


def version_of(py: Path, module: str) -> str:
    out = subprocess.run([str(py), "-c", f"import importlib.metadata as m; print(m.version({module!r}))"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def post(port: int, action: str, **query: object) -> None:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/_control/{action}?{qs}", method="POST"),
                           timeout=10).read()


def run_contender(name: str, args: argparse.Namespace, urls: list[str], py_reader: Path | None) -> list[Round]:
    work = Path(tempfile.mkdtemp(prefix=f"product-{name}-"))
    (work / "urls.txt").write_text("\n".join(urls) + "\n")
    # Byte code cached as an installed package has it (this environment may set PYTHONDONTWRITEBYTECODE:
    # then every start compiles warnd's modules again, ~0.4 s), kept under the cache, not in the checkout.
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(args.cache) / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    log = work / "log.txt"
    post(args.port, "reset")
    out: list[Round] = []
    if name == "warnd":
        config = warnd_config(work, urls, args)
        env["WARND_CONFIG"] = str(config)
        subprocess.run([sys.executable, "-m", "warnd.cli", "--config", str(config), "db", "upgrade"], cwd=work,
                       env=env, check=True, capture_output=True)
    for i, rnd in enumerate(ROUNDS):
        if rnd == "changed":
            post(args.port, "change", fraction=args.change, seed=args.seed)
        if name == "warnd":
            argv = [sys.executable]
            if args.profile:
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                argv += ["-m", "cProfile", "-o", str(Path(args.profile) / f"warnd-{rnd}.prof")]
            argv += ["-m", "warnd.cli", "--config", str(work / "warnd.yaml"), "run", "--once"]
        elif name == "reader":
            assert py_reader is not None
            (work / "reader_run.py").write_text(READER_SCRIPT)
            argv = [str(py_reader), str(work / "reader_run.py"), str(work / "reader.sqlite"), "1" if i == 0 else "0",
                    str(args.reader_workers), str(work / "urls.txt")]
        else:
            assert py_reader is not None
            (work / "floor_run.py").write_text(FLOOR_SCRIPT)
            argv = [str(py_reader), str(work / "floor_run.py"), str(work / "floor-state.json"), str(args.concurrency),
                    str(work / "urls.txt")]
        out.append(measure(name, rnd, argv, cwd=work, env=env, log=log))
        print(f"  {name:7} {rnd:10} {out[-1].wall_s:7.2f} s  {out[-1].cpu_s:6.2f} CPU-s  {out[-1].rss_mb:6.0f} MB"
              f"  {out[-1].note}", flush=True)
    if args.keep:
        print(f"  ({name}'s files kept in {work})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return out


def print_table(rounds: list[Round], contenders: list[str], header: str) -> None:
    by = {(r.contender, r.name): r for r in rounds}
    print()
    print(header)
    cols = [c for c in contenders]
    line = f"{'round':<11}" + "".join(f"{c + ' s':>10}{'CPU-s':>8}{'MB':>6}" for c in cols)
    if "warnd" in cols and "reader" in cols:
        line += f"{'warnd/reader':>14}"
    print(line)
    print("-" * len(line))
    for rnd in ROUNDS:
        row = f"{rnd:<11}"
        for c in cols:
            r = by.get((c, rnd))
            row += f"{r.wall_s:>10.2f}{r.cpu_s:>8.2f}{r.rss_mb:>6.0f}" if r else f"{'-':>24}"
        if "warnd" in cols and "reader" in cols:
            w, rd = by.get(("warnd", rnd)), by.get(("reader", rnd))
            row += f"{w.wall_s / rd.wall_s:>14.2f}" if w and rd else ""
        print(row)
    peak = {c: max((r.rss_mb for r in rounds if r.contender == c), default=0.0) for c in cols}
    print(f"{'peak RSS':<11}" + "".join(f"{'':>10}{'':>8}{peak[c]:>6.0f}" for c in cols))
    failed = [r for r in rounds if not r.ok]
    for r in failed:
        print(f"FAILED: {r.contender} {r.name}: {r.note}")


def ingest_alone(args: argparse.Namespace) -> None:
    """Ingest alone: the farm's feeds parsed and extracted beforehand, then `Store.unseen` + `Store.ingest`
    per feed as a poll makes them (one transaction per feed), timed, on each database URL given."""
    sys.path.insert(0, str(ROOT))
    from warnd.extract import load_extractor
    from warnd.parse import FeedView, parse_feed
    from warnd.store import open_store

    base = datetime.now(UTC)  # noqa: TID251 - the farm's own clock, not warnd's.replace(microsecond=0)
    extractor = load_extractor([ROOT / "config/gazetteer/aliases.yaml"], [ROOT / "config/lexicons/communities.yaml"])
    feeds = []
    for i in range(args.feeds):
        name = f"farm-{i:05d}"
        parsed = parse_feed(_body(i, 0, args.items, base), feed=FeedView(name=name), url="http://farm/", fetched_at=base)
        feeds.append((name, parsed.items, [(it, extractor.extract(it)) for it in parsed.items]))
    n = sum(len(items) for _, items, _ in feeds)
    print(f"ingest alone: {args.feeds} feeds x {args.items} items ({n} items, "
          f"{sum(len(s.casualties) + len(s.targeted_groups) for _, _, e in feeds for _, s in e)} signals), "
          f"one transaction per feed, load at start {os.getloadavg()[0]:.2f}")
    print(f"{'database':<48}{'wall s':>8}{'CPU s':>8}{'items/s':>10}")
    for url in args.ingest:
        if url == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp(prefix='product-ingest-')}/w.db"
        elif url.startswith("postgresql"):
            from sqlalchemy import create_engine, text
            engine = create_engine(url)
            with engine.begin() as conn:   # a clean schema each run
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        store = open_store(url, migrate=True)
        try:
            cpu, start = time.process_time(), time.perf_counter()
            for name, items, entries in feeds:
                store.unseen(name, items)
                store.ingest(name, entries, None, base)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        finally:
            store.close()
        print(f"{url[:47]:<48}{wall:>8.2f}{cpu:>8.2f}{n / wall:>10.0f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--items", type=int, default=20)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--change", type=float, default=0.1, help="fraction of feeds with 2 new items in the changed round")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--port", type=int, default=0, help="the farm's port (default: a free one)")
    p.add_argument("--only", action="append", choices=("warnd", "reader", "floor"), help="repeatable; default all")
    p.add_argument("--database", help="warnd's database URL (default: SQLite in a temporary directory)")
    p.add_argument("--reader-workers", type=int, default=20, help="reader's update_feeds(workers=)")
    p.add_argument("--concurrency", type=int, default=50, help="the floor's concurrent requests (warnd's default)")
    p.add_argument("--cache", default=str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "warnd-bench"),
                   help="where the reader venv lives")
    p.add_argument("--profile", help="a directory: each warnd round runs under cProfile, one .prof file per round")
    p.add_argument("--keep", action="store_true", help="keep each contender's working directory")
    p.add_argument("--ingest", nargs="+", metavar="URL",
                   help="ingest alone instead of the rounds: 'sqlite' (a temporary file) and/or database URLs "
                        "(a PostgreSQL database's public schema is dropped and re-created)")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args)
        return 0
    if args.ingest:
        ingest_alone(args)
        return 0
    contenders = args.only or ["warnd", "reader", "floor"]
    py_reader = reader_python(Path(args.cache)) if {"reader", "floor"} & set(contenders) else None
    if not args.port:
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            args.port = s.getsockname()[1]
    farm = subprocess.Popen([sys.executable, __file__, "--serve", "--port", str(args.port), "--feeds", str(args.feeds),
                             "--items", str(args.items), "--latency-ms", str(args.latency_ms)])
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                post(args.port, "reset")
                break
            except OSError:
                if time.monotonic() > deadline or farm.poll() is not None:
                    raise SystemExit("the farm did not start") from None
                time.sleep(0.2)
        urls = [f"http://127.0.0.1:{args.port}/feed/{i}.xml" for i in range(args.feeds)]
        load = os.getloadavg()
        rounds: list[Round] = []
        for c in contenders:
            rounds += run_contender(c, args, urls, py_reader)
        versions = f"reader {version_of(py_reader, 'reader')}, fastfeedparser {version_of(py_reader, 'fastfeedparser')}" \
            if py_reader else ""
        print_table(rounds, contenders,
                    f"product bench: {args.feeds} feeds x {args.items} items, {args.latency_ms:g} ms latency, "
                    f"{os.cpu_count()} CPUs, load at start {load[0]:.2f} / {load[1]:.2f}; reader workers "
                    f"{args.reader_workers}, floor concurrency {args.concurrency}; {versions}; "
                    f"warnd on {args.database or 'SQLite'}")
        if args.profile:
            print(f"profiles: {args.profile}/warnd-<round>.prof  (python -m pstats, or snakeviz)")
        return 1 if any(not r.ok for r in rounds) else 0
    finally:
        farm.terminate()
        farm.wait()


if __name__ == "__main__":
    sys.exit(main())
