"""Health and metrics over HTTP: `/healthz`, `/readyz`, `/metrics` on `http.listen` (off unless configured).

* `/healthz` — liveness: 200 whenever the event loop answers. Restart the process when it fails.
* `/readyz` — readiness: 200 only when every check of the `ready()` callback is true (database
  reachable, scheduler running, rules loaded); otherwise 503 with a JSON body naming the checks
  that are not. A check that raises or takes longer than `ready_timeout_s` makes it 503 too.
* `/metrics` — `Metrics.render()` in Prometheus text format.

The default listen address is loopback only (`127.0.0.1:9108`): the endpoints have no
authentication, so expose them further only behind a firewall or a reverse proxy.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from warnd.errors import ConfigError
from warnd.metrics import CONTENT_TYPE, Metrics

__all__ = ["HealthServer", "ReadyCheck", "parse_listen"]

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


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

    def __init__(self, listen: str, *, metrics: Metrics, ready: ReadyCheck, ready_timeout_s: float = 5.0) -> None:
        self.host, self._port = parse_listen(listen)
        self.metrics = metrics
        self._ready = ready
        self._ready_timeout_s = ready_timeout_s
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        """The port listened on (the real one once started, also when 0 was asked for)."""
        return self._bound_port if self._bound_port is not None else self._port

    async def start(self) -> None:
        """Bind and serve.

        Raises:
            OSError: the address is in use or not available.
        """
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        # access_log=None: a scrape every 15 s is not an event worth a log line.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = [a for a in runner.addresses if isinstance(a, tuple)]
        self._bound_port = int(addresses[0][1]) if addresses else self._port
        log.info("health endpoint listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        """Stop serving; safe to call twice or before `start`."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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


def _json(status: int, body: object) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, sort_keys=True), content_type="application/json")
