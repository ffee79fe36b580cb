"""The fetch stage: one feed body over HTTP(S) or from a local file, politely and within limits.

* **One client session per process** (`make_http_session`), shared with delivery: aiohttp,
  chosen by measurement (bench/README.md: a round of 1000 ``304`` cost ~0.2 CPU-s with aiohttp
  against ~7 CPU-s with httpx on this machine). Keep-alive connections are reused across
  rounds; the connector enforces a global and a per-host connection limit, and `Fetcher` adds
  a semaphore of ``FetchSettings.concurrency`` so fetches leave connections for delivery.
* **Conditional GET**: ``If-None-Match`` / ``If-Modified-Since`` from the feed's state; a
  ``304`` comes back as ``FetchResult(status=304, body=None)`` and costs no parse.
* **Limits**: a total timeout (``timeout_s``) and a connect timeout (``connect_timeout_s``) on
  every request; a body cap (``max_body_bytes``) checked against ``Content-Length`` before
  reading and against the streamed (decompressed) count while reading, so a 50 MB body or a
  gzip bomb is refused after at most the cap; at most ``max_redirects`` redirects, never to a
  non-HTTP scheme; schemes http, https and file (and plain paths).
* **Redirect targets**: another origin than the configured URL's must be a public address or in
  ``fetch.allow_networks``, checked by the connector's resolver on the address it connects to, so
  DNS rebinding cannot slip past (warnd/addresses.py); IP literals are checked here.
* **Files**: ``file://`` URLs and plain paths (relative ones against ``base_dir``) are read only
  inside ``FetchSettings.allow_file_dirs`` (default: ``base_dir``), after resolving symlinks,
  so a feed URL cannot read ``/etc/passwd``. The file's mtime and size form its ETag: an
  unchanged file is a ``304`` without being read.
* **Errors** are translated here, at the edge: timeouts → `FeedTimeoutError`, HTTP error
  statuses → `FeedStatusError` (with ``Retry-After`` in seconds when given), everything else
  (connection refused/reset, TLS, DNS, redirects, oversized or truncated bodies, scheme) →
  `FetchError`, each with the library exception as ``__cause__``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import os
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver

from warnd.addresses import AddressPolicy, ForbiddenAddressError, GuardedConnector, checking_redirect
from warnd.clock import Clock
from warnd.config.settings import FeedSettings, FetchSettings
from warnd.errors import FeedStatusError, FeedTimeoutError, FetchError
from warnd.retry_after import parse_retry_after
from warnd.types import FeedState, FetchResult

__all__ = ["Fetcher", "make_http_session", "parse_retry_after"]

_CHUNK_BYTES = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONDITIONAL = frozenset({"If-None-Match", "If-Modified-Since"})
# Connections the connector keeps beyond the fetch concurrency, so a fetch round full of
# hanging feeds cannot starve alert delivery, which shares the session.
_DELIVERY_HEADROOM = 16
_KEEPALIVE_S = 75.0  # longer than a typical poll interval gap inside one round
_URL_CACHE_SIZE = 8192  # feed URLs kept parsed by `_request_url`: more than any feed list


def make_http_session(settings: FetchSettings, *, resolver: AbstractResolver | None = None) -> aiohttp.ClientSession:
    """The one HTTP client session of the process; call it inside the running event loop.

    `resolver` (aiohttp's default when None) is wrapped in `GuardedResolver`, which checks
    redirect targets; tests inject one that answers what they need.
    """
    connector = GuardedConnector(
        resolver=resolver,
        limit=settings.concurrency + _DELIVERY_HEADROOM,
        limit_per_host=settings.per_host,
        keepalive_timeout=_KEEPALIVE_S,
        ttl_dns_cache=300,
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": settings.user_agent},
        timeout=aiohttp.ClientTimeout(total=settings.timeout_s, sock_connect=settings.connect_timeout_s),
        # Feeds must not share cookies with each other or with webhooks.
        cookie_jar=aiohttp.DummyCookieJar(),
        # Proxies come from config, never silently from the environment.
        trust_env=False,
        raise_for_status=False,
    )


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class Fetcher:
    """Fetches one feed at a time, many concurrently; shares the process's client session."""

    def __init__(self, settings: FetchSettings, *, session: aiohttp.ClientSession, clock: Clock,
                 base_dir: Path = Path(".")) -> None:
        self._settings = settings
        self._session = session
        self._clock = clock
        self._base_dir = base_dir
        dirs = settings.allow_file_dirs or (".",)
        self._allowed_dirs = tuple(self._resolve(Path(d)) for d in dirs)
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._policy = AddressPolicy.from_networks(settings.allow_networks)
        if not isinstance(session.connector, GuardedConnector):
            # Without the guarded resolver, redirects to a name would go unchecked.
            raise TypeError("Fetcher needs the session from make_http_session, whose resolver checks redirect targets")

    @property
    def settings(self) -> FetchSettings:
        return self._settings

    def _resolve(self, path: Path) -> Path:
        path = path.expanduser()
        return (path if path.is_absolute() else self._base_dir / path).resolve()

    async def fetch(self, feed: FeedSettings, state: FeedState) -> FetchResult:
        """Fetch `feed` conditionally on `state`'s validators.

        Raises:
            FeedTimeoutError: no complete answer within the timeout.
            FeedStatusError: the server answered with an error status (4xx, 5xx, unfollowed 3xx).
            FetchError: any other failure (connection, TLS, redirects, size cap, scheme, file access).
        """
        url = feed.url.strip()
        try:
            scheme = urlsplit(url).scheme.lower() if "://" in url else ""
        except ValueError as e:  # "http://[::1/x": an unclosed IPv6 bracket
            raise FetchError(feed.name, f"invalid URL: {e}") from e
        if scheme in ("http", "https"):
            async with self._slots:
                return await self._fetch_http(feed, url, state)
        if scheme in ("", "file"):
            return await self._fetch_file(feed, url, state)
        raise FetchError(feed.name, f"scheme {scheme!r} is not allowed (use http, https or file)")

    # -- HTTP -----------------------------------------------------------------------------------

    async def _fetch_http(self, feed: FeedSettings, url: str, state: FeedState) -> FetchResult:
        settings = self._settings
        headers = dict(feed.headers)
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        started = self._clock.monotonic()
        fetched_at = self._clock.now()
        checked = False  # this hop leaves the configured origin: its connection must pass self._policy
        try:
            current = url
            request: yarl.URL | str = _request_url(url)
            for hop in range(settings.max_redirects + 1):
                remaining = settings.timeout_s - (self._clock.monotonic() - started)
                if remaining <= 0:
                    raise TimeoutError
                # Redirects are followed here, one hop at a time, so each target is checked before
                # warnd connects to it (aiohttp's own following would connect first): a literal by
                # _check_redirect, a name by the session's resolver as it connects (`checking_redirect`).
                with checking_redirect(self._policy) if checked else contextlib.nullcontext():
                    resp = await self._session.get(
                        request, headers=headers, allow_redirects=False,
                        timeout=aiohttp.ClientTimeout(total=remaining, sock_connect=settings.connect_timeout_s))
                async with resp:
                    location = resp.headers.get("Location")
                    if resp.status in _REDIRECTS and location and settings.max_redirects > 0:
                        if hop == settings.max_redirects:
                            raise FetchError(feed.name, f"more than {settings.max_redirects} redirects")
                        target = urljoin(current, location)
                        self._check_redirect(feed, url, target)
                        checked = not _same_origin(url, target)
                        if checked:
                            # The feed's own headers (an API token) are for the configured origin only.
                            headers = {k: v for k, v in headers.items() if k in _CONDITIONAL}
                        current = request = target
                        continue
                    return await self._answer(feed, resp, state, fetched_at, started)
            raise FetchError(feed.name, f"more than {settings.max_redirects} redirects")
        except TimeoutError as e:  # aiohttp's ServerTimeoutError is a TimeoutError too
            raise FeedTimeoutError(feed.name, f"no complete answer within {settings.timeout_s:g}s") from e
        except aiohttp.TooManyRedirects as e:
            raise FetchError(feed.name, f"more than {settings.max_redirects} redirects") from e
        except aiohttp.RedirectClientError as e:
            raise FetchError(feed.name, "redirected to a URL that is not http(s)") from e
        except (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch) as e:
            raise FetchError(feed.name, "TLS handshake or certificate failed") from e
        except aiohttp.ClientPayloadError as e:
            raise FetchError(feed.name, "the body was cut off or badly encoded") from e
        except aiohttp.ClientResponseError as e:  # the response itself broke HTTP (bad status line, chunking)
            raise FetchError(feed.name, f"malformed HTTP response ({e.status})") from e
        except aiohttp.InvalidURL as e:
            raise FetchError(feed.name, "invalid URL") from e
        except aiohttp.ClientConnectorDNSError as e:
            if isinstance(e.os_error, ForbiddenAddressError):
                raise FetchError(feed.name, f"redirect to {e.os_error}") from e
            if checked:
                raise FetchError(feed.name, f"redirect target {e.host} does not resolve") from e
            raise FetchError(feed.name, "connection failed") from e
        except aiohttp.ClientError as e:
            raise FetchError(feed.name, "connection failed") from e
        except (OSError, ValueError) as e:  # e.g. a malformed header the parser rejects
            raise FetchError(feed.name, "request failed") from e

    def _check_redirect(self, feed: FeedSettings, origin: str, target: str) -> None:
        """Refuse a redirect to a non-http(s) URL, or to an IP literal the config does not allow.

        The configured URL's origin is trusted. Any other target must be a public address or in
        `fetch.allow_networks`: a literal is checked here, because aiohttp connects to a literal
        without calling the resolver (``TCPConnector._resolve_host``); a name is checked by the
        session's `GuardedResolver` on the answer it connects to (warnd/addresses.py).

        Raises:
            FetchError: naming the target host and why it was refused.
        """
        parts = urlsplit(target)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchError(feed.name, "redirected to a URL that is not http(s)")
        if _same_origin(origin, target):
            return
        try:
            ipaddress.ip_address(parts.hostname.split("%", 1)[0])
        except ValueError:
            return  # a name: GuardedResolver decides at connect time
        refused = self._policy.refusal(parts.hostname, [parts.hostname])
        if refused is not None:
            raise FetchError(feed.name, f"redirect to {refused}")

    async def _answer(self, feed: FeedSettings, resp: aiohttp.ClientResponse, state: FeedState,
                      fetched_at: datetime, started: float) -> FetchResult:
        """The fetch result of the final (non-redirect) response."""
        final_url = str(resp.url)
        if resp.status == 304:
            return FetchResult(
                feed=feed.name, url=final_url, status=304, fetched_at=fetched_at,
                etag=resp.headers.get("ETag") or state.etag,
                last_modified=resp.headers.get("Last-Modified") or state.last_modified,
                elapsed_s=self._clock.monotonic() - started,
            )
        if resp.status >= 300:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), now=self._clock.now())
            reason = f"HTTP {resp.status} {resp.reason or ''}".strip()
            if 300 <= resp.status < 400:
                reason += " (redirect not followed)"
            raise FeedStatusError(feed.name, resp.status, reason, retry_after_s=retry_after)
        body = await self._read_capped(feed, resp)
        return FetchResult(
            feed=feed.name, url=final_url, status=resp.status, fetched_at=fetched_at, body=body,
            etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"),
            content_type=resp.headers.get("Content-Type"), content_hash=_sha256(body),
            elapsed_s=self._clock.monotonic() - started,
        )

    async def _read_capped(self, feed: FeedSettings, resp: aiohttp.ClientResponse) -> bytes:
        cap = self._settings.max_body_bytes
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise FetchError(feed.name, f"body too large: Content-Length {declared} > limit {cap} bytes")
        if declared is not None and not resp.headers.get("Content-Encoding"):
            return await resp.read()  # exactly `declared` bytes, already checked against the cap
        # No length, or compressed: count what we actually receive after decompression.
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                raise FetchError(feed.name, f"body too large: more than {cap} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    # -- files ----------------------------------------------------------------------------------

    def _file_path(self, feed: FeedSettings, url: str) -> Path:
        if url.lower().startswith("file:"):
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise FetchError(feed.name, f"file URL with a remote host {parts.netloc!r} is not allowed")
            raw = unquote(parts.path)
        else:
            raw = url
        path = self._resolve(Path(raw))
        if not any(path.is_relative_to(d) for d in self._allowed_dirs):
            raise FetchError(feed.name, "file is outside the allowed directories (fetch.allow_file_dirs)")
        return path

    async def _fetch_file(self, feed: FeedSettings, url: str, state: FeedState) -> FetchResult:
        path = self._file_path(feed, url)
        started = self._clock.monotonic()
        fetched_at = self._clock.now()
        cap = self._settings.max_body_bytes
        try:
            stat = await asyncio.to_thread(os.stat, path)
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            if state.etag == etag:
                return FetchResult(feed=feed.name, url=path.as_uri(), status=304, fetched_at=fetched_at,
                                   etag=etag, elapsed_s=self._clock.monotonic() - started)
            if stat.st_size > cap:
                raise FetchError(feed.name, f"file too large: {stat.st_size} > limit {cap} bytes")
            body = await asyncio.to_thread(_read_at_most, path, cap + 1)
        except OSError as e:
            raise FetchError(feed.name, "cannot read the feed file") from e
        if len(body) > cap:
            raise FetchError(feed.name, f"file too large: more than {cap} bytes")
        return FetchResult(feed=feed.name, url=path.as_uri(), status=200, fetched_at=fetched_at, body=body,
                           etag=etag, content_hash=_sha256(body), elapsed_s=self._clock.monotonic() - started)


@functools.lru_cache(maxsize=_URL_CACHE_SIZE)
def _request_url(url: str) -> yarl.URL | str:
    """A feed's URL as aiohttp's URL object, made once per feed instead of once per poll.

    Given a str, aiohttp parses it on every request, and yarl's own parse cache (128 URLs) misses
    as soon as more feeds than that take turns; a URL object reused across polls also keeps the
    parts aiohttp derives from it (host, port, origin). With 1000 feeds that is 20–30 µs less CPU
    per poll, ~10 % of a ``304`` (bench/README.md). A URL yarl cannot parse stays a str, so aiohttp
    still reports it as invalid.
    """
    try:
        return yarl.URL(url)
    except ValueError:
        return url


def _read_at_most(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        return f.read(limit)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    default = {"http": 80, "https": 443}
    return ((pa.hostname or "").lower(), pa.port or default.get(pa.scheme.lower(), 0)) == \
        ((pb.hostname or "").lower(), pb.port or default.get(pb.scheme.lower(), 0))
