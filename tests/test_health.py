"""HealthServer: a real aiohttp server on 127.0.0.1:0, asked over real HTTP."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from warnd.errors import ConfigError
from warnd.health import HealthServer, parse_listen
from warnd.metrics import Metrics

ALL_READY = {"database": True, "scheduler": True, "rules": True}


def ready_returning(checks):
    async def ready() -> dict[str, bool]:
        return dict(checks)
    return ready


async def get(server: HealthServer, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{server.port}{path}",
                               timeout=aiohttp.ClientTimeout(total=10)) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


@pytest.fixture
async def serve(clock):
    servers: list[HealthServer] = []

    async def start(ready=ready_returning(ALL_READY), **kwargs) -> HealthServer:
        metrics = kwargs.pop("metrics", None) or Metrics(clock=clock)
        server = HealthServer("127.0.0.1:0", metrics=metrics, ready=ready, **kwargs)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


async def test_healthz_answers_200(serve) -> None:
    server = await serve()
    assert server.port > 0
    status, ctype, body = await get(server, "/healthz")
    assert status == 200
    assert ctype.startswith("application/json")
    assert '"ok"' in body


async def test_readyz_200_when_every_check_passes(serve) -> None:
    status, _, body = await get(await serve(), "/readyz")
    assert status == 200
    assert '"ready"' in body


NOT_READY = [
    pytest.param({**ALL_READY, "database": False}, ["database"], id="database-down"),
    pytest.param({"database": True, "scheduler": False, "rules": False}, ["rules", "scheduler"], id="two-down"),
    pytest.param({}, ["no checks"], id="no-checks"),
]


@pytest.mark.parametrize("checks, named", NOT_READY)
async def test_readyz_503_names_what_is_not_ready(serve, checks, named) -> None:
    status, ctype, body = await get(await serve(ready_returning(checks)), "/readyz")
    assert status == 503
    assert ctype.startswith("application/json")
    assert json.loads(body)["not_ready"] == named


async def test_readyz_503_when_the_check_raises_without_leaking_its_text(serve) -> None:
    async def ready() -> dict[str, bool]:
        raise RuntimeError("could not connect to postgresql://warnd:hunter2@db/warnd")

    status, _, body = await get(await serve(ready), "/readyz")
    assert status == 503
    assert "RuntimeError" in body
    assert "hunter2" not in body


async def test_readyz_503_when_the_check_hangs(serve) -> None:
    async def ready() -> dict[str, bool]:
        await asyncio.Event().wait()
        return ALL_READY

    status, _, body = await get(await serve(ready, ready_timeout_s=0.05), "/readyz")
    assert status == 503
    assert "timed out" in body


async def test_metrics_text_parses(serve, clock) -> None:
    metrics = Metrics(clock=clock)
    metrics.poll_done("monitor", "ok", 0.2)
    metrics.alert_fired("coast-deaths-jump", "critical")
    metrics.set_feeds(["monitor"])
    status, ctype, body = await get(await serve(metrics=metrics), "/metrics")
    assert status == 200
    assert ctype.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    [sample] = [s for s in families["warnd_alerts_fired"].samples if s.name.endswith("_total")]
    assert sample.labels == {"rule": "coast-deaths-jump", "severity": "critical"}
    assert sample.value == 1
    assert "warnd_feed_staleness_seconds" in families


async def test_unknown_path_is_404(serve) -> None:
    status, _, _ = await get(await serve(), "/admin")
    assert status == 404


async def test_stop_frees_the_port_and_is_idempotent(serve) -> None:
    server = await serve()
    port = server.port
    await server.stop()
    await server.stop()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises EADDRINUSE while still listening


async def test_port_in_use_raises_oserror(serve, clock) -> None:
    first = await serve()
    second = HealthServer(f"127.0.0.1:{first.port}", metrics=Metrics(clock=clock), ready=ready_returning(ALL_READY))
    with pytest.raises(OSError):
        await second.start()
    await second.stop()


LISTEN = [
    pytest.param("127.0.0.1:9108", ("127.0.0.1", 9108), id="ipv4"),
    pytest.param(":9108", ("127.0.0.1", 9108), id="port-only-is-loopback"),
    pytest.param("[::1]:9108", ("::1", 9108), id="ipv6"),
    pytest.param("0.0.0.0:0", ("0.0.0.0", 0), id="any-port-zero"),
]


@pytest.mark.parametrize("listen, expected", LISTEN)
def test_parse_listen(listen: str, expected: tuple[str, int]) -> None:
    assert parse_listen(listen) == expected


@pytest.mark.parametrize("listen", ["9108", "localhost:http", "127.0.0.1:70000", ""])
def test_parse_listen_rejects(listen: str) -> None:
    with pytest.raises(ConfigError, match="http.listen"):
        parse_listen(listen)
