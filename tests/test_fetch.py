"""Fetcher against real local servers: the threaded `http_server` fixture for well-behaved
answers and a raw asyncio socket server for what HTTP libraries cannot be asked to do
(hanging, resets, lying Content-Length, truncated chunked bodies, TLS failures)."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures.httpserver import LocalHTTPServer, RecordedRequest, Response
from warnd.clock import FakeClock
from warnd.config.settings import FeedSettings, FetchSettings
from warnd.errors import FeedStatusError, FeedTimeoutError, FetchError
from warnd.fetch import Fetcher, make_http_session
from warnd.types import FeedState

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid></item></channel></rss>'

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """Answers each connection with a script that writes raw bytes (one request per connection)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.scripts: dict[str, Script] = {}
        self.stop = asyncio.Event()
        self._ssl = ssl_context
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, path: str) -> str:
        return f"{'https' if self._ssl else 'http'}://127.0.0.1:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1].decode()
            await self.scripts[path](reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, KeyError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        self.stop.set()
        for w in self._writers:
            w.close()
        self._server.close()
        await self._server.wait_closed()


def raw(data: bytes, *, then_hang: bool = False) -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()
        if then_hang:
            await server_stop(writer)
    return script


async def server_stop(writer: asyncio.StreamWriter) -> None:
    # Hang until the test ends: the fixture sets `stop` and closes every writer.
    await asyncio.sleep(30)


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    import socket
    import struct
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close → RST
    writer.transport.abort()


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def http_server(_shared_server: LocalHTTPServer) -> LocalHTTPServer:
    """The threaded server of tests/fixtures, started once per module (its shutdown takes 0.5 s)."""
    _shared_server.routes.clear()
    _shared_server.requests.clear()
    return _shared_server


@pytest.fixture
async def raw_server() -> AsyncIterator[RawServer]:
    server = await RawServer().start()
    yield server
    await server.close()


SETTINGS = FetchSettings(timeout_s=0.5, connect_timeout_s=0.5, max_body_bytes=64 * 1024, max_redirects=3)


@pytest.fixture
async def fetcher(clock: FakeClock, tmp_path: Path) -> AsyncIterator[Fetcher]:
    session = make_http_session(SETTINGS)
    yield Fetcher(SETTINGS, session=session, clock=clock, base_dir=tmp_path)
    await session.close()


def feed(url: str, **kw: object) -> FeedSettings:
    return FeedSettings(name="f", url=url, **kw)


async def test_get_with_validators_and_user_agent(fetcher: Fetcher, http_server: LocalHTTPServer, clock: FakeClock) -> None:
    http_server.route("/rss", Response(200, RSS, {"ETag": '"v1"', "Last-Modified": "Wed, 11 Feb 2026 10:00:00 GMT",
                                                   "Content-Type": "application/rss+xml"}))
    result = await fetcher.fetch(feed(http_server.url("/rss"), headers={"X-Api": "k"}), FeedState("f"))
    assert (result.status, result.body, result.etag, result.last_modified) == (200, RSS, '"v1"', "Wed, 11 Feb 2026 10:00:00 GMT")
    assert result.content_type == "application/rss+xml"
    assert result.content_hash and len(result.content_hash) == 64
    assert result.fetched_at == clock.now()
    request = http_server.requests[-1]
    assert "warnd" in request.headers["user-agent"]
    assert request.headers["x-api"] == "k"
    assert "if-none-match" not in request.headers


async def test_conditional_get_304(fetcher: Fetcher, http_server: LocalHTTPServer) -> None:
    def handler(req: RecordedRequest) -> Response:
        if req.headers.get("if-none-match") == '"v1"' or req.headers.get("if-modified-since") == "LM":
            return Response(304, b"")
        return Response(200, RSS, {"ETag": '"v1"'})
    http_server.route("/rss", handler)
    first = await fetcher.fetch(feed(http_server.url("/rss")), FeedState("f"))
    second = await fetcher.fetch(feed(http_server.url("/rss")), FeedState("f", etag=first.etag, last_modified="LM"))
    assert second.status == 304 and second.not_modified and second.body is None
    assert second.etag == '"v1"' and second.last_modified == "LM"
    assert http_server.requests[-1].headers["if-modified-since"] == "LM"


@pytest.mark.parametrize("status, headers, permanent, retry_after_s", [
    pytest.param(404, {}, True, None, id="404-permanent"),
    pytest.param(410, {}, True, None, id="410-permanent"),
    pytest.param(500, {}, False, None, id="500"),
    pytest.param(503, {"Retry-After": "120"}, False, 120.0, id="503-retry-after-seconds"),
    pytest.param(429, {"Retry-After": "Sun, 08 Mar 2025 12:10:00 GMT"}, False, 600.0, id="429-retry-after-date"),
    pytest.param(301, {"Location": "/elsewhere"}, False, None, id="redirect-without-location-target"),
])
async def test_error_status(fetcher: Fetcher, http_server: LocalHTTPServer, status: int, headers: dict[str, str],
                            permanent: bool, retry_after_s: float | None) -> None:
    http_server.route("/x", Response(status, b"nope", headers))
    http_server.route("/elsewhere", Response(404, b""))
    with pytest.raises(FeedStatusError) as info:
        await fetcher.fetch(feed(http_server.url("/x")), FeedState("f"))
    assert info.value.status == (404 if status == 301 else status)
    assert info.value.permanent is (permanent or status == 301)
    assert info.value.retry_after_s == retry_after_s


async def test_redirect_followed(fetcher: Fetcher, http_server: LocalHTTPServer) -> None:
    http_server.route("/old", Response(301, b"", {"Location": "/new"}))
    http_server.route("/new", Response(200, RSS))
    result = await fetcher.fetch(feed(http_server.url("/old")), FeedState("f"))
    assert result.url == http_server.url("/new") and result.body == RSS


async def test_redirect_loop(fetcher: Fetcher, http_server: LocalHTTPServer) -> None:
    http_server.route("/a", Response(302, b"", {"Location": "/b"}))
    http_server.route("/b", Response(302, b"", {"Location": "/a"}))
    with pytest.raises(FetchError, match="more than 3 redirects"):
        await fetcher.fetch(feed(http_server.url("/a")), FeedState("f"))
    assert len(http_server.requests) == 4


@pytest.mark.parametrize("location", ["file:///etc/passwd", "javascript:alert(1)", "ftp://127.0.0.1/x"])
async def test_redirect_to_other_scheme(fetcher: Fetcher, http_server: LocalHTTPServer, location: str) -> None:
    http_server.route("/a", Response(302, b"", {"Location": location}))
    with pytest.raises(FetchError):
        await fetcher.fetch(feed(http_server.url("/a")), FeedState("f"))


async def test_no_redirects_when_max_is_zero(clock: FakeClock, http_server: LocalHTTPServer) -> None:
    settings = FetchSettings(max_redirects=0)
    http_server.route("/a", Response(302, b"", {"Location": "/b"}))
    http_server.route("/b", Response(200, RSS))
    async with make_http_session(settings) as session:
        with pytest.raises(FeedStatusError, match="redirect not followed"):
            await Fetcher(settings, session=session, clock=clock).fetch(feed(http_server.url("/a")), FeedState("f"))


async def test_content_length_over_cap_refused_without_reading(fetcher: Fetcher, raw_server: RawServer) -> None:
    # Declares 50 MB, sends 10 bytes, then hangs: refusing must not wait for the body.
    raw_server.scripts["/big"] = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n0123456789", then_hang=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FetchError, match="Content-Length 52428800 > limit 65536"):
        await fetcher.fetch(feed(raw_server.url("/big")), FeedState("f"))
    assert loop.time() - started < 0.4


@pytest.mark.parametrize("headers, body", [
    pytest.param({"Transfer-Encoding": "chunked"}, None, id="chunked-no-length"),
    pytest.param({"Content-Encoding": "gzip"}, gzip.compress(b"x" * 1_000_000), id="gzip-bomb"),
])
async def test_streamed_body_over_cap(fetcher: Fetcher, http_server: LocalHTTPServer, raw_server: RawServer,
                                      headers: dict[str, str], body: bytes | None) -> None:
    if body is None:
        chunk = b"x" * 8192
        stream = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
        raw_server.scripts["/s"] = raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + stream)
        url = raw_server.url("/s")
    else:
        http_server.route("/s", Response(200, body, headers))
        url = http_server.url("/s")
    with pytest.raises(FetchError, match="body too large: more than 65536 bytes"):
        await fetcher.fetch(feed(url), FeedState("f"))


@pytest.mark.parametrize("script, error, message", [
    pytest.param(hang, FeedTimeoutError, "no complete answer within 0.5s", id="hanging"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<rss", then_hang=True), FeedTimeoutError,
                 "no complete answer", id="slow-body"),
    pytest.param(reset, FetchError, "connection failed", id="reset"),
    pytest.param(raw(b""), FetchError, "connection failed", id="closed-without-answer"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n<rss version='2.0"), FetchError,
                 "cut off", id="truncated-chunked"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n<rss>"), FetchError,
                 "cut off", id="truncated-content-length"),
    pytest.param(raw(b"NOT HTTP AT ALL\r\n\r\n"), FetchError, "malformed HTTP", id="garbage"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), FetchError,
                 "malformed HTTP", id="bad-chunk-size"),
])
async def test_broken_servers(fetcher: Fetcher, raw_server: RawServer, script: Script, error: type[Exception],
                              message: str) -> None:
    raw_server.scripts["/x"] = script
    with pytest.raises(error, match=message) as info:
        await fetcher.fetch(feed(raw_server.url("/x")), FeedState("f"))
    assert info.value.__cause__ is not None
    assert str(info.value).startswith("feed 'f': ")


async def test_connection_refused(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="connection failed"):
        await fetcher.fetch(feed("http://127.0.0.1:9/"), FeedState("f"))


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "k.pem",
                    "-out", d / "c.pem", "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(d / "c.pem", d / "k.pem")
    return context


async def test_tls_untrusted_certificate(fetcher: Fetcher, self_signed: ssl.SSLContext) -> None:
    server = await RawServer(self_signed).start()
    server.scripts["/x"] = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    try:
        with pytest.raises(FetchError, match="TLS"):
            await fetcher.fetch(feed(server.url("/x")), FeedState("f"))
    finally:
        await server.close()


async def test_https_to_plain_http_server(fetcher: Fetcher, http_server: LocalHTTPServer) -> None:
    with pytest.raises(FetchError):
        await fetcher.fetch(feed(http_server.url("/x").replace("http://", "https://")), FeedState("f"))


# --- files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["file-url", "absolute-path", "relative-path"])
async def test_file_feed_and_unchanged_304(fetcher: Fetcher, tmp_path: Path, form: str) -> None:
    path = tmp_path / "feeds" / "local.rss"
    path.parent.mkdir()
    path.write_bytes(RSS)
    url = {"file-url": path.as_uri(), "absolute-path": str(path), "relative-path": "feeds/local.rss"}[form]
    first = await fetcher.fetch(feed(url), FeedState("f"))
    assert (first.status, first.body, first.url) == (200, RSS, path.as_uri())
    second = await fetcher.fetch(feed(url), FeedState("f", etag=first.etag))
    assert second.status == 304 and second.body is None


@pytest.mark.parametrize("url, message", [
    pytest.param("file:///etc/passwd", "outside the allowed directories", id="file-url-outside"),
    pytest.param("/etc/passwd", "outside the allowed directories", id="path-outside"),
    pytest.param("../outside.rss", "outside the allowed directories", id="dotdot"),
    pytest.param("link.rss", "outside the allowed directories", id="symlink-out"),
    pytest.param("file://evil.example/x", "remote host", id="file-remote-host"),
    pytest.param("missing.rss", "cannot read the feed file", id="missing"),
    pytest.param("ftp://127.0.0.1/feed", "scheme 'ftp' is not allowed", id="ftp"),
    pytest.param("gopher://127.0.0.1/feed", "scheme 'gopher' is not allowed", id="gopher"),
])
async def test_file_refused(fetcher: Fetcher, tmp_path: Path, url: str, message: str) -> None:
    (tmp_path / "link.rss").symlink_to("/etc/hostname")
    with pytest.raises(FetchError, match=message):
        await fetcher.fetch(feed(url), FeedState("f"))


async def test_file_allow_dirs_and_cap(clock: FakeClock, tmp_path: Path) -> None:
    (tmp_path / "replays").mkdir()
    (tmp_path / "replays" / "big.rss").write_bytes(b"x" * 2000)
    (tmp_path / "other.rss").write_bytes(RSS)
    settings = FetchSettings(allow_file_dirs=("replays",), max_body_bytes=1000)
    async with make_http_session(settings) as session:
        fetcher = Fetcher(settings, session=session, clock=clock, base_dir=tmp_path)
        with pytest.raises(FetchError, match="file too large"):
            await fetcher.fetch(feed("replays/big.rss"), FeedState("f"))
        with pytest.raises(FetchError, match="outside the allowed"):
            await fetcher.fetch(feed("other.rss"), FeedState("f"))


@pytest.mark.parametrize("concurrency, per_host, expected", [
    pytest.param(10, 2, 2, id="per-host-limit"),
    pytest.param(3, 10, 3, id="global-limit"),
])
async def test_concurrency_limits(clock: FakeClock, http_server: LocalHTTPServer, concurrency: int, per_host: int,
                                  expected: int) -> None:
    import threading
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(req: RecordedRequest) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        http_server._stop.wait(0.1)
        with lock:
            state["now"] -= 1
        return Response(200, RSS)

    http_server.route("/slow", slow)
    settings = FetchSettings(concurrency=concurrency, per_host=per_host)
    async with make_http_session(settings) as session:
        fetcher = Fetcher(settings, session=session, clock=clock)
        async with asyncio.TaskGroup() as tg:
            for n in range(8):
                tg.create_task(fetcher.fetch(FeedSettings(name=f"f{n}", url=http_server.url(f"/slow?n={n}")), FeedState("f")))
    assert state["max"] == expected


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
async def test_make_huge_body_refused(fetcher: Fetcher, raw_server: RawServer, shared_data: Path, tmp_path: Path,
                                      declare_length: bool) -> None:
    # shared/data/feeds/hostile/make_huge.py: one 4 MiB description, streamed by a raw server.
    huge = tmp_path / "huge.rss"
    subprocess.run([sys.executable, shared_data / "feeds" / "hostile" / "make_huge.py", "--out", huge, "--size-mib", "4"],
                   check=True, capture_output=True)
    size = huge.stat().st_size
    sent = {"bytes": 0}

    async def stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        header = f"Content-Length: {size}" if declare_length else "Transfer-Encoding: chunked"
        writer.write(f"HTTP/1.1 200 OK\r\n{header}\r\n\r\n".encode())
        with huge.open("rb") as f:
            while chunk := f.read(65536):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if not declare_length else chunk)
                sent["bytes"] += len(chunk)
                await writer.drain()
    raw_server.scripts["/huge"] = stream
    with pytest.raises(FetchError, match="body too large"):
        await fetcher.fetch(feed(raw_server.url("/huge")), FeedState("f"))
    assert sent["bytes"] < size  # the client stopped reading long before the end


async def test_keep_alive_connection_reused(fetcher: Fetcher) -> None:
    peers: list[int] = []

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer.get_extra_info("peername")[1])
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(RSS), RSS))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(keep_alive, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed"
    try:
        for _ in range(3):
            assert (await fetcher.fetch(feed(url), FeedState("f"))).body == RSS
    finally:
        server.close()
    assert len(peers) == 1  # three polls, one TCP connection


async def test_redirect_within_the_configured_origin_is_followed_but_not_to_another_local_port(
        fetcher: Fetcher, http_server: LocalHTTPServer) -> None:
    # The operator configured 127.0.0.1:<port>: that origin is trusted, another loopback port is not.
    http_server.route("/a", Response(302, b"", {"Location": http_server.url("/b")}))
    http_server.route("/b", Response(200, RSS))
    assert (await fetcher.fetch(feed(http_server.url("/a")), FeedState("f"))).body == RSS
    http_server.route("/c", Response(302, b"", {"Location": "http://127.0.0.1:5432/"}))
    with pytest.raises(FetchError, match=r"127\.0\.0\.1 \(127\.0\.0\.1\) is not allowed"):
        await fetcher.fetch(feed(http_server.url("/c")), FeedState("f"))


async def test_allow_networks_opens_a_private_redirect_target(clock: FakeClock, http_server: LocalHTTPServer) -> None:
    other = LocalHTTPServer().start()
    try:
        other.route("/feed", Response(200, RSS))
        http_server.route("/a", Response(302, b"", {"Location": other.url("/feed")}))
        settings = FetchSettings(allow_networks=("127.0.0.0/8",))
        async with make_http_session(settings) as session:
            fetcher = Fetcher(settings, session=session, clock=clock)
            headed = feed(http_server.url("/a")).model_copy(update={"headers": {"Authorization": "Bearer t0ken"}})
            assert (await fetcher.fetch(headed, FeedState("f"))).body == RSS
        # The feed's own headers (its API token) never follow it to another origin.
        assert "authorization" not in other.requests[0].headers
        assert http_server.requests[-1].headers["authorization"] == "Bearer t0ken"
    finally:
        other.stop()


async def test_feed_url_sent_as_configured_on_every_poll(fetcher: Fetcher, http_server: LocalHTTPServer) -> None:
    # The URL is parsed once per feed (warnd.fetch._request_url), not per poll: later polls send the same target.
    http_server.route("/feed", Response(200, RSS, {"ETag": '"v1"'}))
    configured = feed(http_server.url("/feed?appname=warnd&q=a%20b&city=Lattakia"))
    first = await fetcher.fetch(configured, FeedState("f"))
    http_server.route("/feed", lambda req: Response(304) if req.headers.get("if-none-match") == '"v1"' else Response(500))
    second = await fetcher.fetch(configured, FeedState("f", etag=first.etag))
    assert (first.status, second.status) == (200, 304)
    assert [r.path for r in http_server.requests] == ["/feed?appname=warnd&q=a%20b&city=Lattakia"] * 2
    assert first.url == second.url == configured.url


@pytest.mark.parametrize("url", [
    pytest.param("http://127.0.0.1:99999/feed", id="port-out-of-range"),
    pytest.param("http://:80/feed", id="no-host"),
    pytest.param("http://[::1/feed", id="unclosed-ipv6-bracket"),
])
async def test_invalid_url(fetcher: Fetcher, url: str) -> None:
    for _ in range(2):  # the unparseable URL is not cached as something that then passes
        with pytest.raises(FetchError, match="invalid URL"):
            await fetcher.fetch(feed(url), FeedState("f"))
