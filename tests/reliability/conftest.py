"""Shared machinery of the reliability tests: a local feed farm, SMTP and webhook receivers on
127.0.0.1, and a runner that starts the real `warnd run` as a subprocess and waits for conditions.

Every wait has a deadline and polls a condition; nothing relies on a fixed sleep being long enough.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.fixtures.httpserver import LocalHTTPServer, RecordedRequest, Response
from warnd.clock import SystemClock

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.reliability)


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, *, every: float = 0.1) -> Any:
    """Poll `predicate` until it is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for: {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---- feeds -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FarmItem:
    guid: str
    title: str
    summary: str


def killed_item(guid: str, region: str, n: int) -> FarmItem:
    return FarmItem(guid, f"{n} civilians killed in shelling of {region}",
                    f"At least {n} civilians were killed when shells hit a market in {region} on Monday.")


def quiet_item(guid: str, region: str) -> FarmItem:
    return FarmItem(guid, f"Aid convoy reaches {region}", f"A convoy of twelve trucks reached {region} on Monday.")


def rss(title: str, items: list[FarmItem]) -> bytes:
    now = format_datetime(SystemClock().now(), usegmt=True)
    body = "".join(
        f"<item><title>{i.title}</title><description>{i.summary}</description>"
        f"<link>https://example.org/{i.guid}</link><guid>{i.guid}</guid><pubDate>{now}</pubDate></item>"
        for i in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://example.org/</link><description>farm</description>{body}</channel></rss>").encode()


class FeedFarm:
    """Feeds served from a local HTTP server; each feed is a list of items that tests change at will."""

    def __init__(self, server: LocalHTTPServer) -> None:
        self.server = server
        self.feeds: dict[str, list[FarmItem]] = {}

    def set(self, name: str, items: list[FarmItem]) -> None:
        self.feeds[name] = list(items)
        self.server.route(f"/{name}.rss", Response(200, rss(name, self.feeds[name]),
                                                   {"Content-Type": "application/rss+xml"}))

    def route(self, name: str, handler: Any) -> None:
        self.feeds.setdefault(name, [])
        self.server.route(f"/{name}.rss", handler)

    def url(self, name: str) -> str:
        return self.server.url(f"/{name}.rss")

    def guids(self) -> dict[str, set[str]]:
        return {name: {i.guid for i in items} for name, items in self.feeds.items()}

    def polls(self, name: str) -> int:
        return sum(1 for r in list(self.server.requests) if r.path.split("?")[0] == f"/{name}.rss")


# ---- SMTP ----------------------------------------------------------------------------------------

@dataclass
class Mailbox:
    """An SMTP receiver that can be stopped and started again on the same port, and hooked on DATA."""

    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    on_data: Callable[[EmailMessage], str | None] | None = None   # return an SMTP reply to override "250"
    _controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        hook = self.on_data
        if hook is not None:
            reply = hook(msg)
            if reply is not None:
                return reply
        self.messages.append(msg)
        return "250 OK"

    def start(self) -> Mailbox:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def alert_ids(self) -> list[int]:
        return [int(m["X-Warnd-Alert-Id"]) for m in list(self.messages)]


# ---- webhook receiver ----------------------------------------------------------------------------

class WebhookReceiver:
    """Records every POST; `answer` decides the response (200 by default)."""

    def __init__(self, server: LocalHTTPServer, path: str = "/hook") -> None:
        self.server, self.path = server, path
        self.accepted: list[RecordedRequest] = []
        self.attempts: list[RecordedRequest] = []
        self.attempt_times: list[float] = []      # time.monotonic() of each attempt, beside `attempts`
        self.answer: Callable[[RecordedRequest], Response] = lambda _req: Response(200, b"ok")
        self._lock = threading.Lock()
        server.route(path, self._handle)

    def _handle(self, req: RecordedRequest) -> Response:
        resp = self.answer(req)
        with self._lock:
            self.attempts.append(req)
            self.attempt_times.append(time.monotonic())
            if resp.status < 300:
                self.accepted.append(req)
        return resp

    @property
    def url(self) -> str:
        return self.server.url(self.path)

    def alert_ids(self) -> list[int]:
        return [int(json.loads(r.body)["alert"]["id"]) for r in list(self.accepted)]


# ---- the daemon ----------------------------------------------------------------------------------

KILLED_RULES = textwrap.dedent("""
    rules:
      - id: killed-over-10
        kind: threshold
        severity: critical
        match: {kind: killed}
        group_by: [region]
        condition: {at_least: 10}
""")

HOOK_SECRET = "reliability-hook-secret-4f1e"


@dataclass
class Warnd:
    """One `warnd run` subprocess at a time over one config and database."""

    tmp: Path
    config: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    runs: int = 0
    log_paths: list[Path] = field(default_factory=list)

    def cli(self, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "warnd.cli", *args, "--config", str(self.config)],
                              cwd=self.tmp, env={**self.env, **(env or {})}, text=True, capture_output=True,
                              timeout=timeout)

    def upgrade(self, *, via_cli: bool = False) -> None:
        """Migrate the database: in this process (the same Alembic code, 1.5 s cheaper) or by `warnd db upgrade`."""
        if via_cli:
            up = self.cli("db", "upgrade")
            assert up.returncode == 0, up.stderr
            return
        from warnd.config import load_settings
        from warnd.store import open_store
        settings = load_settings(self.config, env=self.env)
        open_store(settings.database_url(), migrate=True).close()

    def start(self, *, crash_at: str | None = None, env: dict[str, str] | None = None,
              preexec_fn: Callable[[], None] | None = None) -> subprocess.Popen[bytes]:
        assert self.proc is None or self.proc.poll() is not None, "a daemon is already running"
        self.runs += 1
        log = self.tmp / f"warnd-run{self.runs}.log"
        self.log_paths.append(log)
        full_env = {**self.env, **(env or {})}
        full_env.pop("WARND_CRASH_AT", None)
        if crash_at:
            full_env["WARND_CRASH_AT"] = crash_at
        with log.open("wb") as out:
            # Its own session, so a SIGKILLed daemon's parse workers can be reaped with the group.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "warnd.cli", "run", "--config", str(self.config), "--log-json"],
                cwd=self.tmp, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=preexec_fn)
        return self.proc

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"warnd did not exit within {timeout:g}s\n{self.log_tail()}") from None
        self._reap_group()
        return rc

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, wait for the drain, and return the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reap_group()

    def _reap_group(self) -> None:
        # The parse process pool (forkserver) outlives a SIGKILLed parent; end this daemon's group only.
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def events(self, *, current: bool = True) -> list[dict[str, Any]]:
        """The JSON log records of the current run (or of every run)."""
        paths = self.log_paths[-1:] if current else self.log_paths
        out = []
        for p in paths:
            for line in (p.read_text(errors="replace").splitlines() if p.exists() else []):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out

    def wait_started(self, timeout: float = 30) -> None:
        """Wait for 'daemon started' (signal handlers installed, catch-up done) in the current run."""
        def started() -> bool:
            assert self.running(), f"warnd exited with {self.proc.returncode if self.proc else None}\n{self.log_tail()}"
            return any(r.get("event") == "daemon started" for r in self.events())
        wait_for(started, timeout, "the daemon to start")

    def log_lines(self) -> list[str]:
        return [line for p in self.log_paths if p.exists() for line in p.read_text(errors="replace").splitlines()]

    def log_records(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_lines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_lines()[-n:])


class Database:
    """Read-only inspection of warnd's tables (SQLite file or PostgreSQL schema)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def safe_scalar(self, sql: str) -> Any:
        try:
            return self.scalar(sql)
        except sa.exc.OperationalError:   # the table is not there yet, or the database is locked
            return None

    def item_guids(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for feed, guid in self.rows("SELECT feed, guid FROM items"):
            out.setdefault(feed, set()).add(guid)
        return out

    def statuses(self) -> dict[str, int]:
        return {s: n for s, n in self.rows("SELECT status, count(*) FROM deliveries GROUP BY status")}

    def dispose(self) -> None:
        self.engine.dispose()


def assert_consistent(db: Database) -> None:
    """Every alert has one delivery per channel it names; nothing pending; no orphan observation."""
    alerts = db.rows("SELECT id, notify FROM alerts")
    for alert_id, notify in alerts:
        channels = json.loads(notify) if isinstance(notify, str) else notify
        # A grouped route's notifications are rows of their own (notification != 0), checked by their tests.
        have = sorted(c for (c,) in db.rows("SELECT channel FROM deliveries WHERE alert_id = :a AND notification = 0",
                                            a=alert_id))
        assert have == sorted(channels), (alert_id, channels, have)
    stuck = db.rows("SELECT id, channel, status, attempts, last_error FROM deliveries WHERE status != 'sent'")
    assert not stuck, f"deliveries not sent: {stuck}"
    orphans = db.scalar("SELECT count(*) FROM observations o LEFT JOIN items i ON i.id = o.item_id "
                        "WHERE i.id IS NULL")
    assert orphans == 0, f"{orphans} observations without an item"
    orphan_deliveries = db.scalar("SELECT count(*) FROM deliveries d LEFT JOIN alerts a ON a.id = d.alert_id "
                                  "WHERE a.id IS NULL")
    assert orphan_deliveries == 0


def write_config(tmp: Path, *, database: str, feeds: dict[str, str], mailbox: Mailbox | None = None,
                 hook_url: str | None = None, rules: str = KILLED_RULES, extra: str = "",
                 feed_interval: str = "2s", outbox: str = "{interval: 1s, lease: 4s, backoff_base: 1s, backoff_max: 2s}",
                 webhook_timeout_s: float = 5, channels_extra: str = "", file_dir: Path | None = None,
                 fetch: str = "{jitter: 0, timeout_s: 3, connect_timeout_s: 2}", route: str | None = None) -> Path:
    (tmp / "rules.yaml").write_text(rules)
    channels, routing = [], []
    if mailbox is not None:
        channels.append(f"  desk: {{type: email, to: [desk@example.org], from: warnd@example.org, "
                        f"smtp: {{host: 127.0.0.1, port: {mailbox.port}, timeout_s: 5}}}}")
        routing.append("desk")
    if hook_url is not None:
        channels.append(f'  partner: {{type: webhook, url: "{hook_url}", secret_env: REL_HOOK_SECRET, '
                        f"timeout_s: {webhook_timeout_s}}}")
        routing.append("partner")
    if file_dir is not None:
        channels.append(f'  archive: {{type: file, format: json, dir: "{file_dir}"}}')
        routing.append("archive")
    feed_lines = "\n".join(f'  - {{name: {name}, url: "{url}", interval: {feed_interval}}}'
                           for name, url in feeds.items())
    cfg = tmp / "warnd.yaml"
    cfg.write_text(
        f'database: "{database}"\n'
        f'rules: ["{tmp / "rules.yaml"}"]\n'
        f"templates: {ROOT / 'templates'}\n"
        f"fetch: {fetch}\n"
        "evaluate_interval: 1s\n"
        f"outbox: {outbox}\n"
        "channels:\n" + ("\n".join(channels) + "\n" if channels else "") + channels_extra
        + (f"route: {route}\n" if route else f"routing: {{default: [{', '.join(routing)}]}}\n") +
        "feeds:\n" + feed_lines + "\n" + extra)
    return cfg


# ---- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def farm() -> Iterator[FeedFarm]:
    server = LocalHTTPServer().start()
    yield FeedFarm(server)
    server.stop()


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    server = LocalHTTPServer().start()
    yield WebhookReceiver(server)
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def make_warnd(tmp_path: Path) -> Iterator[Callable[[Path], Warnd]]:
    made: list[Warnd] = []

    def make(config: Path, env: dict[str, str] | None = None) -> Warnd:
        w = Warnd(tmp_path, config, {**os.environ, "PYTHONPATH": str(ROOT), "REL_HOOK_SECRET": HOOK_SECRET,
                                     **(env or {})})
        made.append(w)
        return w

    yield make
    for w in made:
        w.kill()


def sqlite_integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
