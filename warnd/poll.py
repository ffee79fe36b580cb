"""One poll of one feed: fetch, skip what did not change, parse off the loop, schedule the next.

`Poller.poll` is the job boundary for a feed: it never raises for the feed's own problems
(timeouts, error statuses, TLS, bad XML, an empty body, a crashing parser); it returns a
`PollResult` with ``error`` set and the feed's state updated, so one feed cannot stop the
others. What a poll costs:

* ``304 Not Modified`` → no body, no parse.
* a ``200`` whose body hashes the same as the last parsed one (servers that ignore
  conditional GET) → no parse.
* anything else → `warnd.parse.parse_feed` in ``executor`` (a ``ProcessPoolExecutor`` in the
  daemon, so parsing uses every core and never stalls the event loop; ``None`` means the
  loop's default thread pool, for tests and small setups).

Schedule (``next_poll_at``):

* success: ``interval × (1 + U(0, jitter))``;
* failure number *n*: ``min(interval × 2^(n-1), max(backoff_max, interval)) × (1 + U(0, jitter))``,
  and never sooner than the server's ``Retry-After`` (capped at a day); the first success
  resets *n*;
* permanent errors (401/403/404/410) are scheduled like any failure — the feed is shown as
  failing in ``warnd status`` and keeps being retried slowly, rather than going silent.

On failure the validators and the last content hash are kept: an empty body or an HTML error
page never erases what warnd knew about the feed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import logging
import multiprocessing
import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from warnd.clock import Clock
from warnd.config.settings import FeedSettings
from warnd.errors import FeedStatusError, FetchError
from warnd.fetch import Fetcher
from warnd.logs import redact_urls
from warnd.parse import FeedView, init_parse_worker, parse_job, replay_shift
from warnd.types import FeedState, FetchResult, Item

__all__ = ["PollResult", "Poller", "make_parse_executor", "redact_urls"]

log = logging.getLogger(__name__)

# Library error texts can quote the request URL (aiohttp's ClientResponseError does), and feed
# URLs carry API keys in user info or the query string (ACLED, ReliefWeb appname): both are
# masked before an error reaches the feed's state, `warnd status` or a log line.

LATENCY_WINDOW = 20          # latencies kept per feed for the median in `warnd status`
MAX_RETRY_AFTER_S = 86_400.0  # a Retry-After beyond a day is a misconfiguration, not a plan


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of one feed produced."""

    feed: str
    state: FeedState
    items: tuple[Item, ...]
    warnings: tuple[str, ...]
    error: str | None
    permanent: bool = False


def make_parse_executor(workers: int | None = None, *, nice: int = 5) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool for `Poller`: by default one worker per core but one, forked from a preloaded server.

    One core is left to the event loop process (fetching, delivery, store), which parsing must
    never starve; on 2 cores that is 1 parse worker, which bench/feeds.py shows is enough for
    1000 feeds (and saves a worker's memory). Workers run `nice` steps lower, so fetching and
    delivery never wait behind a burst of parsing; not much lower, because on a shared host
    other processes would then starve them. Workers import only `warnd.parse` (no pydantic,
    no aiohttp): ~25 MB each.

    ``forkserver`` with ``warnd.parse`` preloaded: workers start fast, share the parser's
    pages, and do not inherit the daemon's threads, sockets or event loop (forking a process
    that runs an event loop and threads is unsafe). Workers run at a lower priority.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["warnd.parse"])
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers or max(1, (os.cpu_count() or 1) - 1), mp_context=context,
                                                  # warnd.parse's initializer, not one here: a worker
                                                  # would import this module, aiohttp and pydantic
                                                  # just to unpickle the helper (~25 MB).
                                                  initializer=init_parse_worker, initargs=(nice,))


class Poller:
    """Polls feeds through a `Fetcher`, parsing in `executor`."""

    def __init__(self, fetcher: Fetcher, *, clock: Clock, executor: concurrent.futures.Executor | None = None,
                 rng: random.Random | None = None) -> None:
        self._fetcher = fetcher
        self._clock = clock
        self._executor = executor
        self._rng = rng or random.Random()

    async def poll(self, feed: FeedSettings, state: FeedState) -> PollResult:
        """Poll `feed` once; never raises for the feed's own failures."""
        now = self._clock.now()
        started = self._clock.monotonic()
        try:
            result = await self._fetcher.fetch(feed, state)
        except FeedStatusError as e:
            return self._failed(feed, state, now, started, str(e), permanent=e.permanent, retry_after_s=e.retry_after_s)
        except FetchError as e:
            return self._failed(feed, state, now, started, str(e))
        except Exception as e:  # job boundary: one feed's surprise must not stop the others
            log.exception("feed poll crashed", extra={"feed": feed.name})
            return self._failed(feed, state, now, started, f"feed {feed.name!r}: unexpected {type(e).__name__}: {e}")
        latency_s = self._clock.monotonic() - started

        if result.not_modified or (result.content_hash is not None and result.content_hash == state.content_hash):
            return self._succeeded(feed, state, now, latency_s, result, (), ())

        assert result.body is not None  # not_modified is False
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(
                parse_job, result.body, FeedView.of(feed), result.url, result.fetched_at, result.content_type,
                self._fetcher.settings.max_items_per_feed,
            ))
        except Exception as e:  # a dead worker process or an unpicklable value: this feed only
            log.exception("feed parse crashed", extra={"feed": feed.name})
            return self._failed(feed, state, now, started, f"feed {feed.name!r}: parser crashed: {type(e).__name__}: {e}")
        if isinstance(outcome, str):
            return self._failed(feed, state, now, started, outcome)
        items = outcome.items
        if feed.replay:
            items = replay_shift(items, self._clock.now())
        if feed.language:   # the operator knows the feed's language better than the feed does
            items = tuple(dataclasses.replace(item, language=feed.language) for item in items)
        return self._succeeded(feed, state, now, latency_s, result, items, outcome.warnings)

    def _jittered(self, base_s: float) -> timedelta:
        jitter = self._fetcher.settings.jitter
        return timedelta(seconds=base_s * (1.0 + self._rng.uniform(0.0, jitter)))

    def _succeeded(self, feed: FeedSettings, state: FeedState, now: datetime, latency_s: float,
                   result: FetchResult, items: tuple[Item, ...], warnings: tuple[str, ...]) -> PollResult:
        new_state = dataclasses.replace(
            state,
            etag=result.etag if result.etag is not None else state.etag,
            last_modified=result.last_modified if result.last_modified is not None else state.last_modified,
            content_hash=result.content_hash if result.content_hash is not None else state.content_hash,
            last_polled_at=now,
            last_success_at=now,
            # items_seen and last_new_item_at are the store's: only it knows which items are new.
            consecutive_failures=0,
            next_poll_at=now + self._jittered(feed.interval.total_seconds()),
            latencies_s=(*state.latencies_s, round(latency_s, 4))[-LATENCY_WINDOW:],
        )
        if warnings:
            log.warning("feed body degraded", extra={"feed": feed.name, "warnings": list(warnings)[:5]})
        noted = [item for item in items if item.notes]
        if noted:
            # e.g. a date dropped for being in the future: the store will use the first-seen time.
            log.info("items with parse notes", extra={
                "feed": feed.name, "count": len(noted),
                "examples": [f"{item.key}: {'; '.join(item.notes)}" for item in noted[:3]],
            })
        log.info("feed polled", extra={
            "feed": feed.name, "status": result.status, "items": len(items), "warnings": len(warnings),
            "elapsed_s": round(latency_s, 3),
        })
        return PollResult(feed=feed.name, state=new_state, items=items, warnings=warnings, error=None)

    def _failed(self, feed: FeedSettings, state: FeedState, now: datetime, started: float, error: str, *,
                permanent: bool = False, retry_after_s: float | None = None) -> PollResult:
        error = redact_urls(error)
        failures = state.consecutive_failures + 1
        interval_s = feed.interval.total_seconds()
        cap_s = max(self._fetcher.settings.backoff_max.total_seconds(), interval_s)
        # 2**failures overflows float for a feed that failed for years; cap the exponent first.
        delay_s = min(interval_s * 2.0 ** min(failures - 1, 62), cap_s)
        delay = self._jittered(delay_s)
        if retry_after_s is not None:
            delay = max(delay, timedelta(seconds=min(retry_after_s, MAX_RETRY_AFTER_S)))
        latency_s = self._clock.monotonic() - started
        new_state = dataclasses.replace(
            state,
            last_polled_at=now,
            last_error_at=now,
            last_error=error,
            consecutive_failures=failures,
            next_poll_at=now + delay,
            latencies_s=(*state.latencies_s, round(latency_s, 4))[-LATENCY_WINDOW:],
        )
        log.warning("feed poll failed", extra={
            "feed": feed.name, "error": error, "consecutive_failures": failures, "permanent": permanent,
        })
        return PollResult(feed=feed.name, state=new_state, items=(), warnings=(), error=error, permanent=permanent)
