"""HealthServer: a real aiohttp server on 127.0.0.1:0, asked over real HTTP."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import resource
import socket

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from warnd.errors import ConfigError
from warnd.health import HealthServer, _Throttled, parse_listen
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


async def test_one_keep_alive_connection_serves_every_endpoint(serve) -> None:
    server = await serve(header_timeout_s=0.05)
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        for path in ("/healthz", "/readyz", "/metrics", "/healthz"):
            async with session.get(f"http://127.0.0.1:{server.port}{path}",
                                   timeout=aiohttp.ClientTimeout(total=10)) as resp:
                assert resp.status == 200, path
                await resp.read()


async def test_a_slow_handler_is_not_cut_by_the_header_deadline(serve) -> None:
    async def ready() -> dict[str, bool]:
        await asyncio.Event().wait()
        return ALL_READY

    status, _, body = await get(await serve(ready, ready_timeout_s=0.3, header_timeout_s=0.05), "/readyz")
    assert status == 503
    assert "timed out" in body


# ---- slow clients, floods, descriptors ------------------------------------------------------------

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def connect(server: HealthServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def until_closed(reader: asyncio.StreamReader, timeout_s: float = 10) -> bytes:
    """What the server sent before it closed the connection; fails if it is still open after `timeout_s`."""
    try:
        return await asyncio.wait_for(reader.read(), timeout_s)
    except ConnectionResetError:
        return b""


async def response_head(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    await asyncio.wait_for(reader.readexactly(length), 10)
    return head


async def test_a_connection_over_the_cap_is_closed_at_once(serve, caplog) -> None:
    server = await serve(max_connections=2)
    held = [await connect(server) for _ in range(2)]
    for _ in range(2):
        reader, writer = await connect(server)
        assert await until_closed(reader) == b""
        writer.close()
    # The two within the cap are still served.
    for held_reader, held_writer in held:
        held_writer.write(REQUEST)
        assert (await response_head(held_reader)).startswith(b"HTTP/1.1 200")
        held_writer.close()
    await server.stop()
    refused = [r for r in caplog.records if r.getMessage() == "health connection refused: too many open"]
    # One line when it began, the rest counted in one more when the server stopped.
    assert [(r.occurrences, r.max_connections) for r in refused] == [(1, 2), (1, 2)]


@pytest.mark.parametrize("sent", [
    pytest.param(b"", id="nothing"),
    pytest.param(b"GET /heal", id="half-a-request-line"),
    pytest.param(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", id="headers-never-finished"),
])
async def test_a_client_that_does_not_finish_its_headers_is_disconnected(serve, caplog, sent: bytes) -> None:
    server = await serve(max_connections=1, header_timeout_s=0.1)
    reader, writer = await connect(server)
    writer.write(sent)
    assert await until_closed(reader) == b""
    writer.close()
    assert [r.timeout_s for r in caplog.records
            if r.getMessage() == "health connection closed: request headers not received in time"] == [0.1]
    # Its slot is free again.
    status, _, _ = await get(server, "/healthz")
    assert status == 200


async def test_headers_trickled_byte_by_byte_do_not_extend_the_deadline(serve) -> None:
    server = await serve(header_timeout_s=0.2)
    reader, writer = await connect(server)
    writer.write(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
    for _ in range(500):      # bounded: 500 x 20 ms; closed after ~10 of them
        try:
            writer.write(b"a")
            await writer.drain()
            await asyncio.wait_for(reader.read(1), 0.02)
            break             # EOF: closed by the server
        except TimeoutError:
            continue
        except ConnectionError:
            break
    else:
        raise AssertionError("the trickling client was never disconnected")
    writer.close()


async def test_an_idle_keep_alive_connection_is_closed(serve, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="warnd.health")
    server = await serve(header_timeout_s=10, idle_timeout_s=0.1)
    reader, writer = await connect(server)
    writer.write(REQUEST)
    head = await response_head(reader)
    assert head.startswith(b"HTTP/1.1 200") and b"close" not in head.lower()
    assert await until_closed(reader) == b""
    writer.close()
    assert any(r.getMessage() == "health connection closed: idle" for r in caplog.records)
    assert not any(r.levelno >= logging.WARNING for r in caplog.records)


class _Records(logging.Handler):
    """Sets `seen` once `wanted` records with message `event` have been logged."""

    def __init__(self, event: str, wanted: int) -> None:
        super().__init__()
        self.event, self.wanted, self.records = event, wanted, []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == self.event:
            self.records.append(record)
            if len(self.records) >= self.wanted:
                self.seen.set()


async def test_accept_out_of_file_descriptors_pauses_then_serves(serve) -> None:
    server = await serve(accept_backoff_s=0.05, warn_every_s=0)
    failures = _Records("health listener cannot accept connections, pausing", wanted=2)
    logging.getLogger("warnd.health").addHandler(failures)
    client = socket.socket()        # its descriptor, before there are none left
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    fillers: list[int] = []
    gc.collect()                    # no stray socket may be collected, and its descriptor freed, meanwhile
    try:
        highest = max(int(fd) for fd in os.listdir("/proc/self/fd"))
        resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 16, hard))
        try:
            while True:
                fillers.append(os.open(os.devnull, os.O_RDONLY))
        except OSError as e:
            assert e.errno == 24, e   # EMFILE
        client.connect(("127.0.0.1", server.port))   # completes in the kernel's backlog
        # Two failures: after the first it paused, then tried again (and did not spin meanwhile).
        await asyncio.wait_for(failures.seen.wait(), 10)
    finally:
        for fd in fillers:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        logging.getLogger("warnd.health").removeHandler(failures)
    assert {r.error for r in failures.records} == {"EMFILE"}
    assert all(r.occurrences == 1 for r in failures.records)   # one accept() per attempt, not one per backlog slot
    # Descriptors are back: the waiting connection is accepted and answered.
    reader, writer = await asyncio.open_connection(sock=client)
    writer.write(REQUEST)
    assert (await response_head(reader)).startswith(b"HTTP/1.1 200")
    writer.close()


def test_a_throttled_warning_counts_what_it_held_back(caplog) -> None:
    now = [0.0]
    warn = _Throttled("it happened", every_s=60, now=lambda: now[0])
    for t in (0, 1, 2, 59, 61, 62, 63):
        now[0] = t
        warn(port=1)
    warn.flush()
    warn.flush()
    assert [(r.getMessage(), r.occurrences, r.port) for r in caplog.records] == [
        ("it happened", 1, 1), ("it happened", 4, 1), ("it happened", 2, 1)]


def test_max_connections_stays_within_the_open_files_limit(clock, caplog) -> None:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    server = HealthServer("127.0.0.1:0", metrics=Metrics(clock=clock), ready=ready_returning(ALL_READY),
                          max_connections=soft)
    assert server.max_connections == soft // 4
    assert any("lowered" in r.getMessage() for r in caplog.records)


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
