"""Health, metrics and the CAP feed over HTTP on `http.listen` (off unless configured).

* `/healthz` — liveness: 200 whenever the event loop answers. Restart the process when it fails.
* `/readyz` — readiness: 200 only when every check of the `ready()` callback is true (database
  reachable, scheduler running, rules loaded); otherwise 503 with a JSON body naming the checks
  that are not. A check that raises or takes longer than `ready_timeout_s` makes it 503 too.
* `/metrics` — `Metrics.render()` in Prometheus text format.
* `/cap/alerts.atom` — an Atom feed of the newest alerts as CAP 1.2 messages (`cap.feed_size`), and
  `/cap/alerts/<id>.xml` — one alert's CAP message (warnd/deliver/cap.py). Silenced and inhibited
  alerts are not in it.

The default listen address is loopback only (`127.0.0.1:9108`): these endpoints have no
authentication, so expose them further only behind a firewall or a reverse proxy. The console
(warnd/console, added through `extend`) shares the listener and brings its own authentication.

The listener must never cost alert delivery its file descriptors (issue 21: 1,100 half-finished
requests exhausted `ulimit -n 1024` and stopped every email). So warnd accepts connections itself
instead of through `loop.create_server`, and aiohttp only parses and answers:

* at most `max_connections` are open at once (never more than a quarter of RLIMIT_NOFILE); one more
  is closed as soon as it is accepted;
* a connection must complete its request headers within `header_timeout_s` of connecting (or of
  the first byte of its next request), and a keep-alive connection idle for `idle_timeout_s` is
  closed. aiohttp's `keepalive_timeout` alone does not bound a client that never finishes its headers;
* when accept() fails (EMFILE, ENFILE), the listener stops accepting for `accept_backoff_s`.

A refusal, a header deadline and an accept failure each log at most one warning per `warn_every_s`,
with the number of occurrences it stands for (those held back are logged when the server stops).
CPython 3.11's own accept loop logs one line per backlog slot per loop iteration on EMFILE and
re-arms a retry timer each time: that was the 380,625 lines in 30 s.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import resource
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial

from aiohttp import web
from aiohttp.typedefs import Handler

from warnd.config.settings import CapSettings
from warnd.deliver.cap import ATOM_CONTENT_TYPE, CAP_CONTENT_TYPE, cap_feed, render_cap
from warnd.errors import ConfigError
from warnd.metrics import CONTENT_TYPE, Metrics
from warnd.types import Alert

__all__ = ["HealthServer", "ReadyCheck", "parse_listen"]

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]

# Connections accepted per readiness event before the loop serves other callbacks (CPython uses 100).
_ACCEPT_BATCH = 100
_LISTEN_BACKLOG = 128
# The listener's share of RLIMIT_NOFILE at most: the rest is for the database, feeds and delivery.
_FD_SHARE = 4


def parse_listen(listen: str) -> tuple[str, int]:
    """`"127.0.0.1:9108"`, `"[::1]:9108"`, `":9108"` (loopback) → (host, port); port 0 picks a free one.

    Raises:
        ConfigError: not `host:port` with a port in 0-65535.
    """
    host, sep, port_text = listen.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ConfigError.at("http.listen", f"{listen!r} is not host:port (e.g. 127.0.0.1:9108)")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port_text)


class HealthServer:
    """An aiohttp server for `/healthz`, `/readyz` and `/metrics`, started and stopped by the daemon."""

    def __init__(self, listen: str, *, metrics: Metrics, ready: ReadyCheck, ready_timeout_s: float = 5.0,
                 max_connections: int = 64, header_timeout_s: float = 10.0, idle_timeout_s: float = 30.0,
                 accept_backoff_s: float = 1.0, warn_every_s: float = 60.0, cap: CapSource | None = None,
                 extend: Callable[[web.Application], None] | None = None) -> None:
        self.host, self._port = parse_listen(listen)
        self.metrics = metrics
        self._ready = ready
        self._ready_timeout_s = ready_timeout_s
        self.max_connections = _within_fd_limit(max_connections)
        self._timeouts = {_Phase.HEADERS: header_timeout_s, _Phase.IDLE: idle_timeout_s}
        self._accept_backoff_s = accept_backoff_s
        self._warn_every_s = warn_every_s
        self._runner: web.AppRunner | None = None
        self._listener: _Listener | None = None
        self._bound_port: int | None = None
        self._cap = cap
        self._extend = extend     # adds more routes (the console) to the same listener

    @property
    def port(self) -> int:
        """The port listened on (the real one once started, also when 0 was asked for)."""
        return self._bound_port if self._bound_port is not None else self._port

    async def start(self) -> None:
        """Bind and serve.

        Raises:
            OSError: the address is in use or not available.
        """
        app = web.Application(middlewares=[self._track_request])
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        if self._cap is not None:
            app.router.add_get("/cap/alerts.atom", self._cap_feed)
            app.router.add_get(r"/cap/alerts/{alert_id:\d{1,18}}.xml", self._cap_alert)
        if self._extend is not None:
            self._extend(app)
        # access_log=None: a scrape every 15 s is not an event worth a log line.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        try:
            sock = await _bind(self.host, self._port)
        except OSError:
            await runner.cleanup()
            raise
        assert runner.server is not None  # set by setup()
        self._runner = runner
        self._listener = _Listener(sock, runner.server, max_connections=self.max_connections,
                                   timeouts=self._timeouts, accept_backoff_s=self._accept_backoff_s,
                                   warn_every_s=self._warn_every_s)
        self._bound_port = int(sock.getsockname()[1])
        log.info("health endpoint listening", extra={"host": self.host, "port": self.port,
                                                      "max_connections": self.max_connections})

    async def stop(self) -> None:
        """Stop serving; safe to call twice or before `start`."""
        listener, self._listener = self._listener, None
        runner, self._runner = self._runner, None
        if listener is not None:
            await listener.close()
        if runner is not None:
            await runner.cleanup()
        if listener is not None:
            listener.abort_open()

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @web.middleware
    async def _track_request(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # Headers are complete once aiohttp calls a handler: the header deadline is met.
        connection = self._listener.connection(request.transport) if self._listener is not None else None
        if connection is not None:
            connection.request_started()
        try:
            return await handler(request)
        finally:
            if connection is not None:
                connection.request_finished()

    # ---- handlers -----------------------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.Response:
        return _json(200, {"status": "ok"})

    async def _readyz(self, request: web.Request) -> web.Response:
        try:
            checks = await asyncio.wait_for(self._ready(), timeout=self._ready_timeout_s)
        except TimeoutError:
            log.warning("readiness check timed out", extra={"timeout_s": self._ready_timeout_s})
            return _json(503, {"status": "not ready", "not_ready": ["checks timed out"], "checks": {}})
        except Exception as e:  # noqa: BLE001 - a request boundary: report not ready, keep serving
            # Only the type, no traceback: an exception text may carry a database URL or other secrets.
            log.warning("readiness check failed", extra={"error": type(e).__name__})
            return _json(503, {"status": "not ready", "not_ready": [f"checks failed: {type(e).__name__}"],
                               "checks": {}})
        failing = sorted(name for name, ok in checks.items() if not ok)
        if failing or not checks:
            return _json(503, {"status": "not ready", "not_ready": failing or ["no checks"], "checks": checks})
        return _json(200, {"status": "ready", "checks": checks})

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


    async def _cap_feed(self, request: web.Request) -> web.Response:
        assert self._cap is not None
        alerts = await self._cap.alerts(self._cap.settings.feed_size, None)
        base = self._cap.base_url or str(request.url.origin())
        body = cap_feed(alerts, self._cap.settings, base_url=base, now=self._cap.now(),
                        public_url=self._cap.public_url)
        return web.Response(body=body, headers={"Content-Type": f"{ATOM_CONTENT_TYPE}; charset=utf-8"})

    async def _cap_alert(self, request: web.Request) -> web.Response:
        assert self._cap is not None
        found = await self._cap.alerts(1, int(request.match_info["alert_id"]))
        if not found:
            return _json(404, {"error": "no such alert in the CAP feed"})
        body = render_cap(found[0], self._cap.settings, public_url=self._cap.public_url)
        return web.Response(body=body, headers={"Content-Type": f"{CAP_CONTENT_TYPE}; charset=utf-8"})


@dataclass(frozen=True)
class CapSource:
    """What the CAP endpoints read: `alerts(limit, alert_id)` (the store's published alerts), the CAP
    settings, the link base (`public_url` if set, else the request's origin) and a clock."""

    alerts: Callable[[int, int | None], Awaitable[list[Alert]]]
    settings: CapSettings
    now: Callable[[], datetime]
    base_url: str | None = None
    public_url: str | None = None


def _json(status: int, body: object) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, sort_keys=True), content_type="application/json")


# ---- the listener ---------------------------------------------------------------------------------

def _within_fd_limit(max_connections: int) -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or max_connections <= soft // _FD_SHARE:
        return max_connections
    allowed = max(1, soft // _FD_SHARE)
    log.warning("http.max_connections lowered to a quarter of the open-files limit",
                extra={"max_connections": max_connections, "allowed": allowed, "nofile_limit": soft})
    return allowed


async def _bind(host: str, port: int) -> socket.socket:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)
    family, _type, _proto, _name, address = infos[0]
    sock = socket.create_server(address[:2], family=family, backlog=_LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


class _Phase(StrEnum):
    HEADERS = "headers"     # connected, or a new request begun: its headers are not complete
    HANDLING = "handling"   # a handler runs (bounded by its own timeouts, e.g. ready_timeout_s)
    IDLE = "idle"           # keep-alive between requests


class _Throttled:
    """A warning that may repeat thousands of times a second: at most one line per `every_s`, with the
    number of occurrences it stands for."""

    def __init__(self, event: str, *, every_s: float, now: Callable[[], float]) -> None:
        self._event, self._every_s, self._now = event, every_s, now
        self._logged_at: float | None = None
        self._count = 0
        self._extra: dict[str, object] = {}

    def __call__(self, **extra: object) -> None:
        self._count += 1
        self._extra = extra
        now = self._now()
        if self._logged_at is None or now - self._logged_at >= self._every_s:
            self.flush()
            self._logged_at = now

    def flush(self) -> None:
        """Log the occurrences held back since the last line, if any."""
        if self._count:
            log.warning(self._event, extra={**self._extra, "occurrences": self._count, "every_s": self._every_s})
            self._count = 0


class _Connection(asyncio.Protocol):
    """One accepted connection: aiohttp's protocol behind a deadline for request headers and idleness."""

    def __init__(self, listener: _Listener, inner: asyncio.Protocol) -> None:
        self._listener = listener
        self._inner = inner
        self._transport: asyncio.Transport | None = None
        self._phase = _Phase.HEADERS
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._listener.connected(self, transport)
        self._arm(_Phase.HEADERS)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._phase is _Phase.IDLE:
            self._arm(_Phase.HEADERS)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._listener.disconnected(self, self._transport)
        self._inner.connection_lost(exc)

    def request_started(self) -> None:
        self._disarm()
        self._phase = _Phase.HANDLING

    def request_finished(self) -> None:
        self._arm(_Phase.IDLE)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _arm(self, phase: _Phase) -> None:
        self._disarm()
        self._phase = phase
        self._deadline = self._listener.loop.call_later(self._listener.timeouts[phase], self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        self._listener.expired(self._phase)
        self.abort()


class _Listener:
    """A listening socket with its own accept loop, a cap on open connections and a pause on accept errors."""

    def __init__(self, sock: socket.socket, protocol_factory: Callable[[], asyncio.Protocol], *,
                 max_connections: int, timeouts: dict[_Phase, float], accept_backoff_s: float,
                 warn_every_s: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.timeouts = timeouts
        self._sock = sock
        self._factory = protocol_factory
        self._max_connections = max_connections
        self._accept_backoff_s = accept_backoff_s
        # Counted from accept(), not from connection_made: a burst is accepted before any is connected.
        self._open: set[_Connection] = set()
        self._by_transport: dict[asyncio.BaseTransport, _Connection] = {}
        self._handovers: set[asyncio.Task[object]] = set()
        self._resume: asyncio.TimerHandle | None = None
        throttled = partial(_Throttled, every_s=warn_every_s, now=self.loop.time)
        self._warn_refused = throttled("health connection refused: too many open")
        self._warn_slow = throttled("health connection closed: request headers not received in time")
        self._warn_accept = throttled("health listener cannot accept connections, pausing")
        self._warnings = (self._warn_refused, self._warn_slow, self._warn_accept)
        self.loop.add_reader(sock.fileno(), self._accept)

    def connection(self, transport: asyncio.BaseTransport | None) -> _Connection | None:
        return self._by_transport.get(transport) if transport is not None else None

    def connected(self, connection: _Connection, transport: asyncio.BaseTransport) -> None:
        self._by_transport[transport] = connection

    def disconnected(self, connection: _Connection, transport: asyncio.BaseTransport | None) -> None:
        self._open.discard(connection)
        if transport is not None:
            self._by_transport.pop(transport, None)

    def expired(self, phase: _Phase) -> None:
        if phase is _Phase.HEADERS:
            self._warn_slow(timeout_s=self.timeouts[phase])
        else:
            log.debug("health connection closed: idle", extra={"timeout_s": self.timeouts[phase]})

    async def close(self) -> None:
        """Stop accepting and abandon connections not yet handed to aiohttp."""
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        self.loop.remove_reader(self._sock.fileno())
        self._sock.close()
        for task in self._handovers:
            task.cancel()
        await asyncio.gather(*self._handovers, return_exceptions=True)
        for warning in self._warnings:
            warning.flush()

    def abort_open(self) -> None:
        """Close what aiohttp's shutdown left open (connections still waiting for their headers)."""
        for connection in list(self._open):
            connection.abort()

    def _accept(self) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, _peer = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as e:
                # EMFILE/ENFILE (or ENOBUFS/ENOMEM): Linux keeps the socket readable, so retrying now
                # would spin. The pending connections wait in the kernel's backlog meanwhile.
                self._warn_accept(error=errno.errorcode.get(e.errno or 0, str(e.errno)),
                                  pause_s=self._accept_backoff_s)
                self.loop.remove_reader(self._sock.fileno())
                self._resume = self.loop.call_later(self._accept_backoff_s, self._resume_accepting)
                return
            if len(self._open) >= self._max_connections:
                conn.close()
                self._warn_refused(max_connections=self._max_connections)
                continue
            self._hand_over(conn)

    def _hand_over(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        connection = _Connection(self, self._factory())
        self._open.add(connection)
        task: asyncio.Task[object] = self.loop.create_task(
            self.loop.connect_accepted_socket(lambda: connection, conn))
        self._handovers.add(task)
        task.add_done_callback(partial(self._handed_over, connection, conn))

    def _handed_over(self, connection: _Connection, conn: socket.socket, task: asyncio.Task[object]) -> None:
        self._handovers.discard(task)
        if task.cancelled() or task.exception() is not None:
            conn.close()
            self._open.discard(connection)
            if not task.cancelled():
                log.warning("health connection setup failed", extra={"error": type(task.exception()).__name__})

    def _resume_accepting(self) -> None:
        self._resume = None
        self.loop.add_reader(self._sock.fileno(), self._accept)
