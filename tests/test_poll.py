"""Poller against real local servers: skip-unchanged, parse off the loop, schedule, health,
and every hostile file from shared/data/feeds served over HTTP."""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.httpserver import LocalHTTPServer, RecordedRequest, Response
from warnd.clock import FakeClock
from warnd.config.settings import FeedSettings, FetchSettings
from warnd.errors import FetchError
from warnd.fetch import Fetcher, make_http_session
from warnd.poll import Poller, PollResult, make_parse_executor
from warnd.types import FeedState, FetchResult

DATA = Path(__file__).parent / "data" / "feeds"
SETTINGS = FetchSettings(timeout_s=0.5, connect_timeout_s=0.5, jitter=0.0, backoff_max=timedelta(hours=1))


def rss(*titles: str) -> bytes:
    items = "".join(f"<item><title>{t}</title><guid>{t}</guid><pubDate>Sat, 08 Mar 2025 10:00:00 GMT</pubDate></item>"
                    for t in titles)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A real thread pool that counts parse jobs, to prove which polls parsed."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.jobs = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        self.jobs += 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def http_server(_shared_server: LocalHTTPServer) -> LocalHTTPServer:
    _shared_server.routes.clear()
    _shared_server.requests.clear()
    return _shared_server


@pytest.fixture
def executor() -> Iterator[CountingExecutor]:
    with CountingExecutor() as pool:
        yield pool


@pytest.fixture
async def fetcher(clock: FakeClock, tmp_path: Path) -> AsyncIterator[Fetcher]:
    async with make_http_session(SETTINGS) as session:
        yield Fetcher(SETTINGS, session=session, clock=clock, base_dir=tmp_path)


@pytest.fixture
def poller(fetcher: Fetcher, clock: FakeClock, executor: CountingExecutor) -> Poller:
    return Poller(fetcher, clock=clock, executor=executor, rng=random.Random(7))


def feed(url: str, **kw: Any) -> FeedSettings:
    return FeedSettings(name="f", url=url, interval=timedelta(minutes=5), **kw)


async def test_success_updates_state(poller: Poller, http_server: LocalHTTPServer, clock: FakeClock) -> None:
    http_server.route("/rss", Response(200, rss("a", "b"), {"ETag": '"1"', "Last-Modified": "LM"}))
    result = await poller.poll(feed(http_server.url("/rss")), FeedState("f", consecutive_failures=3))
    assert result.error is None and not result.permanent
    assert [i.key for i in result.items] == ["guid:a", "guid:b"]
    state = result.state
    assert (state.etag, state.last_modified, state.consecutive_failures, state.items_seen) == ('"1"', "LM", 0, 0)
    assert state.last_success_at == state.last_polled_at == clock.now()
    assert state.last_new_item_at is None   # the store sets it when it stores a new item
    assert state.next_poll_at == clock.now() + timedelta(minutes=5)
    assert state.content_hash is not None and len(state.latencies_s) == 1


async def test_304_and_unchanged_body_cost_no_parse(poller: Poller, http_server: LocalHTTPServer,
                                                    executor: CountingExecutor) -> None:
    def conditional(req: RecordedRequest) -> Response:
        return Response(304) if req.headers.get("if-none-match") == '"1"' else Response(200, rss("a"), {"ETag": '"1"'})
    http_server.route("/cond", conditional)
    http_server.route("/plain", Response(200, rss("a")))  # ignores conditional GET entirely
    for path in ("/cond", "/plain"):
        first = await poller.poll(feed(http_server.url(path)), FeedState("f"))
        jobs = executor.jobs
        second = await poller.poll(feed(http_server.url(path)), first.state)
        assert len(first.items) == 1 and second.items == () and second.error is None
        assert executor.jobs == jobs, f"{path} was parsed again"
        assert second.state.content_hash == first.state.content_hash
        assert second.state.last_new_item_at == first.state.last_new_item_at


async def test_changed_body_is_parsed(poller: Poller, http_server: LocalHTTPServer) -> None:
    http_server.route("/rss", Response(200, rss("a")))
    first = await poller.poll(feed(http_server.url("/rss")), FeedState("f"))
    http_server.route("/rss", Response(200, rss("b", "a")))
    second = await poller.poll(feed(http_server.url("/rss")), first.state)
    assert [i.key for i in second.items] == ["guid:b", "guid:a"]  # the store decides what is new
    assert second.state.items_seen == 0                            # and counts what it stored


async def test_backoff_doubles_caps_and_resets(poller: Poller, http_server: LocalHTTPServer, clock: FakeClock) -> None:
    http_server.route("/rss", Response(500, b"boom"))
    state = FeedState("f")
    delays = []
    for _ in range(6):
        result = await poller.poll(feed(http_server.url("/rss")), state)
        state = result.state
        assert result.error == "feed 'f': HTTP 500 Internal Server Error" and result.items == ()
        delays.append((state.next_poll_at - clock.now()) / timedelta(minutes=1))
    assert delays == [5, 10, 20, 40, 60, 60]
    assert state.consecutive_failures == 6 and state.last_error_at == clock.now()
    http_server.route("/rss", Response(200, rss("a")))
    ok = await poller.poll(feed(http_server.url("/rss")), state)
    assert ok.state.consecutive_failures == 0 and ok.state.next_poll_at == clock.now() + timedelta(minutes=5)
    assert ok.state.last_error == "feed 'f': HTTP 500 Internal Server Error"  # history, shown by `warnd status`


@pytest.mark.parametrize("response, permanent, min_delay", [
    pytest.param(Response(404, b""), True, timedelta(minutes=5), id="404-permanent"),
    pytest.param(Response(410, b""), True, timedelta(minutes=5), id="410-permanent"),
    pytest.param(Response(503, b"", {"Retry-After": "7200"}), False, timedelta(hours=2), id="503-retry-after"),
    pytest.param(Response(429, b"", {"Retry-After": "999999"}), False, timedelta(days=1), id="429-retry-after-capped"),
])
async def test_status_errors(poller: Poller, http_server: LocalHTTPServer, clock: FakeClock, response: Response,
                             permanent: bool, min_delay: timedelta) -> None:
    http_server.route("/x", response)
    result = await poller.poll(feed(http_server.url("/x")), FeedState("f", etag='"old"', content_hash="h"))
    assert result.error and result.permanent is permanent
    assert result.state.next_poll_at == clock.now() + min_delay
    assert (result.state.etag, result.state.content_hash) == ('"old"', "h")


def test_jitter_within_bounds(fetcher: Fetcher, clock: FakeClock) -> None:
    jittery = Fetcher(SETTINGS.model_copy(update={"jitter": 0.5}), session=fetcher._session, clock=clock)
    poller = Poller(jittery, clock=clock, rng=random.Random(1))
    seen = {poller._jittered(100.0).total_seconds() for _ in range(50)}
    assert min(seen) >= 100 and max(seen) <= 150 and len(seen) > 40


# Every hostile file over real HTTP: (file, item count or None, error fragment or None, warning fragment)
HOSTILE = [
    pytest.param("billion_laughs.xml", 1, None, "not expanded", id="billion-laughs"),
    pytest.param("external_entity.xml", 2, None, "not expanded", id="xxe"),
    pytest.param("malformed.xml", 3, None, "malformed XML", id="malformed"),
    pytest.param("wrong_encoding.xml", 2, None, "windows-1256", id="wrong-encoding"),
    pytest.param("latin1.xml", 2, None, None, id="latin1"),
    pytest.param("html_injection.rss", 5, None, None, id="html-injection"),
    pytest.param("dates_weird.rss", 19, None, None, id="dates"),
    pytest.param("duplicate_guids.rss", 7, None, "duplicate", id="duplicates"),
    pytest.param("empty.xml", None, "not a feed: the body is empty", None, id="empty"),
    pytest.param("not_a_feed.html", None, "not a feed", None, id="html-page"),
]


@pytest.mark.parametrize("name, count, error, warning", HOSTILE)
async def test_hostile_files_over_http(poller: Poller, http_server: LocalHTTPServer, name: str, count: int | None,
                                       error: str | None, warning: str | None) -> None:
    http_server.route("/feed", Response(200, (DATA / "hostile" / name).read_bytes(), {"Content-Type": "text/xml"}))
    before = FeedState("f", etag='"prev"', content_hash="prev", items_seen=4)
    result = await poller.poll(feed(http_server.url("/feed")), before)
    if error:
        assert result.error is not None and error in result.error and result.items == ()
        # A broken body must not erase what we knew about the feed.
        assert (result.state.etag, result.state.content_hash, result.state.items_seen) == ('"prev"', "prev", 4)
    else:
        assert result.error is None and len(result.items) == count
        if warning:
            assert any(warning in w for w in result.warnings), result.warnings


async def test_one_failing_feed_does_not_stop_others(poller: Poller, http_server: LocalHTTPServer) -> None:
    http_server.route("/good", Response(200, rss("a")))
    http_server.route("/hang", Response(200, rss("late"), delay_s=3))
    http_server.route("/500", Response(500))
    http_server.route("/junk", Response(200, b"\x00\xff" * 100))
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.TaskGroup() as tg:
        tasks = {p: tg.create_task(poller.poll(FeedSettings(name=p.strip("/"), url=http_server.url(p)), FeedState(p)))
                 for p in ("/good", "/hang", "/500", "/junk", "/nowhere")}
    results: dict[str, PollResult] = {p: t.result() for p, t in tasks.items()}
    assert loop.time() - started < SETTINGS.timeout_s + 1.0
    assert results["/good"].error is None and len(results["/good"].items) == 1
    assert "no complete answer" in (results["/hang"].error or "")
    assert "HTTP 500" in (results["/500"].error or "")
    assert "not a feed" in (results["/junk"].error or "")
    assert results["/nowhere"].permanent


class ExplodingFetcher(Fetcher):
    async def fetch(self, feed: FeedSettings, state: FeedState) -> FetchResult:
        raise RuntimeError("bug in a fetch path")


async def test_unexpected_exception_is_contained(fetcher: Fetcher, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    poller = Poller(ExplodingFetcher(SETTINGS, session=fetcher._session, clock=clock), clock=clock)
    result = await poller.poll(feed("http://127.0.0.1:9/"), FeedState("f"))
    assert result.error == "feed 'f': unexpected RuntimeError: bug in a fetch path"
    assert "feed poll crashed" in caplog.text


async def test_parsing_in_a_process_pool(fetcher: Fetcher, clock: FakeClock, http_server: LocalHTTPServer) -> None:
    http_server.route("/ok", Response(200, (DATA / "acled.json").read_bytes()))
    http_server.route("/bad", Response(200, b""))
    from warnd.config.settings import FieldMapping
    mapping = FieldMapping(id="event_id_cnty", fatalities="fatalities", location="location")
    with make_parse_executor(1) as pool:
        poller = Poller(fetcher, clock=clock, executor=pool)
        ok = await poller.poll(feed(http_server.url("/ok"), format="json", mapping=mapping), FeedState("f"))
        bad = await poller.poll(feed(http_server.url("/bad")), FeedState("f"))
    assert ok.error is None and ok.items[0].signals is not None and ok.items[0].signals.casualties[0].count == 6
    assert bad.error == "feed 'f': not a feed: the body is empty"


async def test_fetch_error_subclass_text(poller: Poller) -> None:
    result = await poller.poll(feed("ftp://127.0.0.1/x"), FeedState("f"))
    assert result.error == str(FetchError("f", "scheme 'ftp' is not allowed (use http, https or file)"))


async def test_replay_file_feed(poller: Poller, fetcher: Fetcher, clock: FakeClock, tmp_path: Path) -> None:
    (tmp_path / "recorded.rss").write_bytes((DATA / "un_news.rss").read_bytes())
    replay = feed("recorded.rss", replay=True)
    first = await poller.poll(replay, FeedState("f"))
    assert first.items[0].published_at == clock.now()
    assert first.items[1].published_at == clock.now() - (first.items[0].published_at - first.items[1].published_at)
    clock.advance(hours=30)
    again = await poller.poll(replay, first.state)
    assert again.items == () and again.error is None  # same file: not even read
    fresh = await poller.poll(replay, FeedState("f"))  # e.g. after a restart without state
    assert fresh.items[0].published_at == clock.now()
    assert [(i.key, i.content_hash) for i in fresh.items] == [(i.key, i.content_hash) for i in first.items]


def test_parse_workers_stay_small() -> None:
    with make_parse_executor(1) as pool:
        # Workers import warnd.parse only: no pydantic, no aiohttp (each ~10-25 MB per process).
        loaded = pool.submit(eval, "[m for m in ('pydantic', 'aiohttp', 'warnd.config') if m in __import__('sys').modules]")
        assert loaded.result(timeout=30) == []


async def test_date_fallbacks_and_degraded_bodies_are_logged(poller: Poller, http_server: LocalHTTPServer, clock: FakeClock,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from datetime import UTC, datetime
    clock.set(datetime(2026, 2, 11, 12, tzinfo=UTC))
    http_server.route("/dates", Response(200, (DATA / "hostile" / "dates_weird.rss").read_bytes()))
    http_server.route("/malformed", Response(200, (DATA / "hostile" / "malformed.xml").read_bytes()))
    caplog.set_level("INFO", logger="warnd.poll")
    await poller.poll(feed(http_server.url("/dates")), FeedState("f"))
    await poller.poll(feed(http_server.url("/malformed")), FeedState("f"))
    noted = [r for r in caplog.records if r.getMessage() == "items with parse notes"]
    assert noted and noted[0].count == 10 and any("future" in e for e in noted[0].examples)  # type: ignore[attr-defined]
    assert any(r.getMessage() == "feed body degraded" and r.levelname == "WARNING" for r in caplog.records)


@pytest.mark.parametrize("text, expected", [
    pytest.param("url='https://api.example/read?key=SECRET&limit=5'", "url='https://api.example/read?key=****&limit=5'",
                 id="query"),
    pytest.param("http://user:pw@host:8080/p failed", "http://user:****@host:8080/p failed", id="userinfo"),
    pytest.param("POST https://hooks.example.org/in/Tk9x2mQ7vLp4Rr8sW3yZ: 500", "POST https://hooks.example.org/in/****: 500",
                 id="path-token"),
    pytest.param("no url here", "no url here", id="none"),
])
def test_redact_urls(text: str, expected: str) -> None:
    from warnd.poll import redact_urls
    assert redact_urls(text) == expected


async def test_error_text_never_carries_url_secrets(poller: Poller, http_server: LocalHTTPServer) -> None:
    # A malformed response makes aiohttp quote the request URL in its exception text.
    import asyncio as _asyncio

    async def garbage(reader: _asyncio.StreamReader, writer: _asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        await writer.drain()
        writer.close()

    server = await _asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await poller.poll(feed(f"http://127.0.0.1:{port}/read?key=SECRET"), FeedState("f"))
    finally:
        server.close()
    assert result.error and "SECRET" not in result.error and "SECRET" not in (result.state.last_error or "")


async def test_declared_language_overrides_the_feeds_own(poller: Poller, tmp_path: Path) -> None:
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><language>en</language>'
            '<item><title>Trois soldats tués à Gao</title><guid>g1</guid></item></channel></rss>')
    (tmp_path / "fr.rss").write_text(body, encoding="utf-8")
    own = await poller.poll(feed("fr.rss"), FeedState("f"))
    assert own.items[0].language == "en"          # what the feed says of itself
    declared = await poller.poll(feed("fr.rss", language="fr"), FeedState("f"))
    assert declared.items[0].language == "fr"     # what the operator says wins
