"""The daemon: APScheduler jobs for feed polls, evaluation, the outbox, housekeeping; signals; reload.

`build_daemon` is the one composition root. Every seam (clock, store, http session, extractor,
senders) can be passed in, which is how tests and `warnd backtest` run the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import random
import signal
import socket
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import make_url

from warnd import crashpoints
from warnd.alerts import check_rule_texts, rule_warnings
from warnd.clock import Clock, SystemClock
from warnd.config import RuleSet, Settings, load_rules, load_settings
from warnd.config import rule_paths as config_rule_paths
from warnd.config.settings import EmailChannelConfig, FeedSettings, FileChannelConfig
from warnd.console import ConsoleApp
from warnd.deliver import EmailSender, FileSender, Sender, build_senders
from warnd.deliver.digest import digest_filename, next_digest_at, render_digest
from warnd.deliver.outbox import DrainReport, Outbox
from warnd.errors import ConfigError, DeliveryError, RuleError, StoreError, StoreLockedError
from warnd.extract import load_extractor
from warnd.fetch import Fetcher, make_http_session
from warnd.health import CapSource, HealthServer, parse_listen
from warnd.metrics import Metrics
from warnd.pipeline import Extract, Pipeline
from warnd.poll import Poller, make_parse_executor
from warnd.store import Store, StoreThread, open_store
from warnd.systemd import Notifier
from warnd.types import Alert, FeedState, Item, Signals

log = logging.getLogger(__name__)

_RULE_WATCH_S = 5.0
_DIGEST_CATCH_UP = 7
_DRAIN_TIMEOUT_S = 7.0   # SIGTERM to exit within 10 s: the drain, then closing leases and connections
# A poll lease must outlive the poll itself; after the poll it is renewed until the feed's next poll.
_POLL_LEASE_MARGIN = timedelta(seconds=60)


class TimedExtractor:
    """The extractor, with the time it takes recorded as a metric."""

    def __init__(self, inner: Extract, metrics: Metrics, clock: Clock) -> None:
        self._inner, self._metrics, self._clock = inner, metrics, clock

    def extract(self, item: Item) -> Signals:
        started = self._clock.monotonic()
        try:
            signals = self._inner.extract(item)
        finally:
            self._metrics.extraction_time(self._clock.monotonic() - started)
        if signals.language is not None:   # read from text (structured items carry no language)
            self._metrics.item_language(signals.language, signals.read)
        return signals


@dataclass(frozen=True, slots=True)
class RunReport:
    feeds_polled: int = 0
    feeds_failed: int = 0
    items_new: int = 0
    alerts: int = 0
    sent: int = 0
    pending: int = 0
    dead: int = 0


@dataclass
class Daemon:
    settings: Settings
    rules: RuleSet
    clock: Clock
    store: Store
    extractor: Extract
    http: aiohttp.ClientSession
    senders: Mapping[str, Sender]
    owner: str
    parse_executor: Executor | None = None
    rule_files: tuple[Path, ...] = ()
    metrics: Metrics = field(default_factory=Metrics)
    config_path: Path | None = None
    _rng: random.Random = field(default_factory=random.Random)
    health: HealthServer | None = None
    console: ConsoleApp | None = None
    _owns_http: bool = False
    _lock: IO[bytes] | None = None
    _states: dict[str, FeedState] = field(default_factory=dict)
    _inflight: set[asyncio.Task[Any]] = field(default_factory=set)
    _running: set[str] = field(default_factory=set)
    _again: set[str] = field(default_factory=set)
    _rule_mtimes: dict[Path, float] = field(default_factory=dict)
    _scheduler: AsyncIOScheduler | None = None
    _stopping: bool = False
    notifier: Notifier = field(default_factory=Notifier)
    # One reload at a time (SIGHUP while the watcher reloads): the later load is applied last.
    _reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _feeds_by_name: dict[str, FeedSettings] = field(default_factory=dict)
    _feeds_of: Settings | None = None     # the settings `_feeds_by_name` was built from

    def __post_init__(self) -> None:
        # SQLite has one writer at a time: one thread keeps our own writes in order. PostgreSQL serves
        # several connections; one thread made ingest, evaluation and sends queue behind each other.
        self.db = StoreThread(self.store, workers=1 if self.store.dialect == "sqlite" else 4)
        self.pipeline = Pipeline(self.store, TimedExtractor(self.extractor, self.metrics, self.clock), self.settings,
                                 self.rules)
        fetcher = Fetcher(self.settings.fetch, session=self.http, clock=self.clock,
                          base_dir=Path(self.settings.base_dir))
        self.poller = Poller(fetcher, clock=self.clock, executor=self.parse_executor)
        self.outbox = Outbox(self.db, self.senders, clock=self.clock, settings=self.settings.outbox,
                             owner=self.owner, observe=self.metrics.delivery_done)
        self._rule_mtimes = _mtimes(self.rule_files)
        self.metrics.set_feeds(f.name for f in self.settings.feeds if f.enabled)
        self.metrics.rules_loaded(len(self.rules.rules))
        if self.settings.http is not None:
            http = self.settings.http
            cap = CapSource(self._cap_alerts, self.settings.cap, self.clock.now, base_url=self.settings.public_url,
                            public_url=self.settings.public_url)
            console = ConsoleApp(store=self.store, db=self.db, settings=self.settings, rules=lambda: self.rules,
                                 clock=self.clock, host=parse_listen(http.listen)[0]) if http.console else None
            self.console = console
            self.health = HealthServer(http.listen, metrics=self.metrics, ready=self._ready,
                                       max_connections=http.max_connections, header_timeout_s=http.header_timeout_s,
                                       idle_timeout_s=http.idle_timeout_s, cap=cap,
                                       extend=console.install if console is not None else None)

    # ---- one pass -----------------------------------------------------------------------------

    async def run_once(self) -> RunReport:
        """Poll every enabled feed once, evaluate, deliver what is due, and return what happened."""
        await self._load_states()
        feeds = [f for f in self.settings.feeds if f.enabled]
        results = await asyncio.gather(*(self.poll_feed(f.name, reschedule=False) for f in feeds))
        alerts = await self.evaluate()
        drained = await self.drain_outbox()
        counts = await self.db(Store.outbox_counts, self.store)
        return RunReport(
            feeds_polled=len(feeds), feeds_failed=sum(1 for ok, _ in results if not ok),
            items_new=sum(n for _, n in results), alerts=alerts, sent=drained.sent,
            pending=counts.get("pending", 0), dead=counts.get("dead", 0),
        )

    async def poll_feed(self, name: str, *, reschedule: bool = True) -> tuple[bool, int]:
        """Poll one feed and store what is new. Never raises for the feed's own problems.

        Several instances may share the database: a feed is polled only by the instance that holds
        its lease, and the state (validators, schedule) is read fresh, since another instance may
        have polled it last.
        """
        feed = self._feed_named(name)
        if feed is None:
            return False, 0
        now = self.clock.now()
        lease = timedelta(seconds=self.settings.fetch.timeout_s) + _POLL_LEASE_MARGIN
        if not await self.db(Store.claim_feed, self.store, name, self.owner, now, lease):
            state = await self.db(Store.feed_state, self.store, name)
            self._reschedule(name, state.next_poll_at if state and state.next_poll_at else now + feed.interval,
                             enabled=reschedule)
            return True, 0
        state = await self.db(Store.feed_state, self.store, name) or FeedState(feed=name)
        crashpoints.reach("before_fetch")
        result = await self.poller.poll(feed, state)
        crashpoints.reach("after_fetch")
        report = await self.db(self.pipeline.ingest, name, result.items, result.state, self.clock.now())
        crashpoints.reach("after_ingest_commit")
        saved = report.state or result.state
        self._states[name] = saved
        outcome = "error" if result.error else ("ok" if result.items else "unchanged")
        self.metrics.poll_done(name, outcome, saved.latencies_s[-1] if saved.latencies_s else 0.0)
        if result.error is None:  # the poller logs each poll, the pipeline what it stored
            if saved.last_success_at is not None:
                self.metrics.feed_succeeded(name, saved.last_success_at)
            if report.new or report.revised:
                self.metrics.items_ingested(name, report.new + report.revised)
        next_at = saved.next_poll_at or self.clock.now() + feed.interval
        if reschedule:
            # The daemon holds the feed until its next poll, so another instance does not poll it in between.
            await self.db(Store.claim_feed, self.store, name, self.owner, self.clock.now(),
                          max(next_at - self.clock.now(), timedelta(0)))
            self._reschedule(name, next_at, enabled=True)
        else:
            # `run --once` polls and leaves: a held lease would make the next --once skip the feed.
            await self.db(Store.release_feed, self.store, name, self.owner)
        if (report.new or report.revised) and reschedule:
            self._kick("evaluate")
        return result.error is None, report.new + report.revised

    def _feed_named(self, name: str) -> FeedSettings | None:
        """The feed's settings by name: a dict built once per settings object (a reload replaces it),
        not a scan of every feed per poll, which at 10,000 feeds is 50 million comparisons a round."""
        if self._feeds_of is not self.settings:
            self._feeds_by_name = {f.name: f for f in self.settings.feeds}
            self._feeds_of = self.settings
        return self._feeds_by_name.get(name)

    def _reschedule(self, name: str, at: datetime, *, enabled: bool) -> None:
        if enabled and self._scheduler is not None and not self._stopping:
            with contextlib.suppress(Exception):  # the job may be gone after a reload removed the feed
                self._scheduler.modify_job(f"poll:{name}", next_run_time=at)

    async def evaluate(self) -> int:
        started = self.clock.monotonic()
        alerts = await self.db(self.pipeline.evaluate, self.clock.now())
        crashpoints.reach("after_evaluate")
        self.metrics.evaluation_time(self.clock.monotonic() - started)
        outcome = self.pipeline.last_cycle
        self.metrics.cycle_done(failed=outcome.failed, lagging=outcome.lagging, text_failures=outcome.text_failures)
        for alert in alerts:
            self.metrics.alert_fired(alert.rule, str(alert.severity))
        if alerts:
            self._kick("outbox")
        return len(alerts)

    async def flush_groups(self) -> int:
        """Flush the grouped routes' due groups: each notification and its outbox rows in one commit."""
        now = self.clock.now()
        due = await self.db(Store.due_groups, self.store, now)
        if not due:
            return 0
        sources = await self.db(self.pipeline.inhibit_sources, now)
        plan = functools.partial(self.pipeline.plan_flush, now=now, sources=sources)
        made = 0
        for group_id in due:
            result = await self.db(Store.flush_group, self.store, group_id, now, plan,
                                   before_commit=lambda: crashpoints.reach("before_group_commit"))
            if result is None:
                continue    # another instance flushed it, or it is not due any more
            crashpoints.reach("after_group_commit")
            if result.status is not None:
                made += 1
                log.info("group notified", extra={"group_id": group_id, "status": result.status,
                                                  "alerts": [a.id for a in result.firing],
                                                  "resolved": [a.id for a in result.resolved],
                                                  "channels": list(result.channels)})
            elif result.note:
                log.info("group flush sent nothing", extra={"group_id": group_id, "note": result.note})
        return made

    async def drain_outbox(self) -> DrainReport:
        await self.flush_groups()
        total = DrainReport()
        while True:  # drain what is due now, batch by batch
            report = await self.outbox.drain()
            total = DrainReport(total.claimed + report.claimed, total.sent + report.sent,
                                total.retried + report.retried, total.dead + report.dead)
            if report.claimed == 0 or report.sent == 0:
                self.metrics.set_outbox(await self.db(Store.outbox_counts, self.store))
                return total

    async def send_digests(self) -> int:
        """Send each channel's digest for every period that ended since the last one sent.

        The last period sent is kept in the store, so a digest missed while warnd was down goes out
        at the next start (at most `_DIGEST_CATCH_UP` periods), and a failed send is retried.
        """
        sent = 0
        for name, config in self.settings.channels.items():
            every = getattr(config, "digest", None)
            sender = self.senders.get(name)
            if every is None or sender is None or not isinstance(config, EmailChannelConfig | FileChannelConfig):
                continue
            cursor = f"digest:{name}"
            now = self.clock.now()
            last_s = await self.db(Store.cursor, self.store, cursor)
            if last_s == 0:
                # First start: the current period is the first one; nothing before it is owed.
                start = next_digest_at(every=every, at=config.digest_at, tz=self.settings.timezone, after=now - every)
                await self.db(Store.set_cursor, self.store, cursor, int(start.timestamp()), now)
                continue
            start = datetime.fromtimestamp(last_s, UTC)
            for _ in range(_DIGEST_CATCH_UP):
                end = next_digest_at(every=every, at=config.digest_at, tz=self.settings.timezone, after=start)
                if end > now:
                    break
                alerts = await self.db(Store.alerts, self.store, since=start, until=end, limit=10000)
                msg = render_digest(alerts, channel=name, config=config,
                                    templates_dir=self.settings.path(self.settings.templates), period_start=start,
                                    period_end=end, tz=self.settings.timezone, top=config.digest_top)
                try:
                    if isinstance(sender, FileSender):
                        await sender.send_message(msg, name=digest_filename(name, end))
                    elif isinstance(sender, EmailSender):
                        await sender.send_message(msg)
                except DeliveryError as e:
                    log.warning("digest failed, will retry", extra={"channel": name, "error": str(e)})
                    break
                await self.db(Store.set_cursor, self.store, cursor, int(end.timestamp()), self.clock.now())
                log.info("digest sent", extra={"channel": name, "alerts": len(alerts), "period_end": end.isoformat()})
                sent += 1
                start = end
        return sent

    async def housekeeping(self) -> None:
        """Prune items older than `retention`, but never what a rule's window and lookback still read."""
        keep = max(self.settings.retention, self.rules.history_needed() + timedelta(days=1))
        cutoff = self.clock.now() - keep
        pruned = await self.db(Store.prune, self.store, cutoff)
        if pruned:
            log.info("old items pruned", extra={"items": pruned, "before": cutoff.isoformat()})
        groups = await self.db(Store.forget_empty_groups, self.store)
        if groups:
            log.info("empty notification groups forgotten", extra={"groups": groups})

    # ---- rules ----------------------------------------------------------------------------------

    async def reload_rules(self, reason: str) -> bool:
        """Load the rule files again; an invalid set is rejected and the last good set keeps running.

        The files are read and validated on a thread: a hostile or huge file must not stop the loop
        (polls, sends, the health port); only applying the new set happens on the loop.
        """
        async with self._reload_lock:
            paths = await asyncio.to_thread(config_rule_paths, self.settings)
            try:
                rules = await asyncio.to_thread(load_checked_rules, paths, channels=self.settings.channels)
            except ConfigError as e:
                for problem in e.problems:
                    log.error("rule reload rejected", extra={"problem": str(problem), "reason": reason})
                self._rule_mtimes = _mtimes(tuple(paths))
                self.metrics.reload_done(False)
                return False
            self.metrics.reload_done(True)
            self.metrics.rules_loaded(len(rules.rules))
            self.rules = rules
            self.pipeline.rules = rules
            self.rule_files = tuple(paths)
            self._rule_mtimes = _mtimes(self.rule_files)
            log.info("rules reloaded", extra={"rules": len(rules.rules), "files": len(paths), "reason": reason})
            return True

    async def reload_config(self, reason: str) -> bool:
        """SIGHUP: load the config file and the rules again and apply them; on any error keep running
        on the last good set. Feeds and channels may change; the database needs a restart."""
        if self.config_path is None:
            return await self.reload_rules(reason)
        async with self._reload_lock:
            return await self._reload_config(self.config_path, reason)

    async def _reload_config(self, config_path: Path, reason: str) -> bool:
        try:
            # Read and validated on a thread, like the rules; the loop keeps serving meanwhile.
            settings, paths, rules = await asyncio.to_thread(_load_config, config_path, self.settings.database_url())
            senders = build_senders(settings, http=self.http, clock=self.clock,
                                    templates_dir=settings.path(settings.templates))
        except ConfigError as e:
            for problem in e.problems:
                log.error("config reload rejected", extra={"problem": str(problem), "reason": reason})
            self.metrics.reload_done(False)
            return False
        old_senders, old_feeds = self.senders, {f.name for f in self.settings.feeds if f.enabled}
        self.settings, self.senders, self.rules, self.rule_files = settings, senders, rules, tuple(paths)
        self._rule_mtimes = _mtimes(self.rule_files)
        self.pipeline.settings, self.pipeline.rules = settings, rules
        if self.console is not None:
            self.console.settings = settings      # its feeds and public_url; http.* itself needs a restart
        self.pipeline.feed_tags = {f.name: f.tags for f in settings.feeds}
        fetcher = Fetcher(settings.fetch, session=self.http, clock=self.clock, base_dir=Path(settings.base_dir))
        self.poller = Poller(fetcher, clock=self.clock, executor=self.parse_executor)
        self.outbox = Outbox(self.db, senders, clock=self.clock, settings=settings.outbox, owner=self.owner,
                             observe=self.metrics.delivery_done)
        new_feeds = {f.name for f in settings.feeds if f.enabled}
        self.metrics.set_feeds(new_feeds)
        self.metrics.rules_loaded(len(rules.rules))
        self.metrics.reload_done(True)
        if self._scheduler is not None:
            for name in old_feeds - new_feeds:
                with contextlib.suppress(Exception):
                    self._scheduler.remove_job(f"poll:{name}")
            for feed in settings.feeds:
                if feed.name in new_feeds - old_feeds:
                    self._add_poll_job(self._scheduler, feed, self.clock.now())
        for sender in old_senders.values():
            with contextlib.suppress(Exception):  # an old connection failing to close is not a reason to stop
                await sender.aclose()
        log.info("config reloaded", extra={"reason": reason, "feeds": len(new_feeds), "rules": len(rules.rules),
                                           "channels": sorted(senders)})
        return True

    async def _watch_rules(self) -> None:
        if await asyncio.to_thread(_rule_mtimes, self.settings) != self._rule_mtimes:
            await self.reload_rules("rule files changed")

    # ---- scheduling -----------------------------------------------------------------------------

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, then drain: finish current sends, release leases, close."""
        await self._load_states()
        # The health port first: /healthz answers during a long catch-up (and /readyz says not ready,
        # the scheduler is not running yet), so a supervisor does not kill a daemon that is working.
        if self.health is not None:
            await self.health.start()
            log.info("health and metrics listening", extra={"listen": f"{self.health.host}:{self.health.port}"})
        try:
            await self._run(stop)
        finally:
            if self.health is not None:
                await self.health.stop()

    async def _run(self, stop: asyncio.Event) -> None:
        if not await self._catch_up(stop):
            self.notifier.notify(stopping=1, status="stopping during start-up")
            log.info("daemon stopping during start-up: catch-up cut short")
            return
        scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler = scheduler
        now = self.clock.now()
        for feed in self.settings.feeds:
            if feed.enabled:
                self._add_poll_job(scheduler, feed, now)
        scheduler.add_job(self._job(self.evaluate, job_id="evaluate"), "interval", id="evaluate",
                          seconds=self.settings.evaluate_interval.total_seconds(), max_instances=1, coalesce=True,
                          misfire_grace_time=None)
        scheduler.add_job(self._job(self.drain_outbox, job_id="outbox"), "interval", id="outbox", next_run_time=now,
                          seconds=self.settings.outbox.interval.total_seconds(), max_instances=1, coalesce=True,
                          misfire_grace_time=None)
        scheduler.add_job(self._job(self.housekeeping), "interval", id="housekeeping", hours=6, max_instances=1,
                          coalesce=True, misfire_grace_time=None)
        if any(getattr(c, "digest", None) for c in self.settings.channels.values()):
            scheduler.add_job(self._job(self.send_digests), "interval", id="digests", seconds=60, next_run_time=now,
                              max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.add_job(self._job(self._watch_rules), "interval", id="rules", seconds=_RULE_WATCH_S,
                          max_instances=1, coalesce=True, misfire_grace_time=None)
        ping = self.notifier.watchdog_interval
        if ping is not None:
            # A ping from the event loop: a loop that stops answering gets the service restarted.
            scheduler.add_job(self._watchdog, "interval", id="watchdog", seconds=ping.total_seconds(),
                              max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.start()
        log.info("daemon started", extra={"feeds": len(self.settings.feeds), "rules": len(self.rules.rules),
                                          "channels": sorted(self.senders), "owner": self.owner,
                                          "store": self.store.dialect})
        self.notifier.notify(ready=1, status=f"watching {len(self.settings.feeds)} feeds, {len(self.rules.rules)} rules")
        await stop.wait()
        self.notifier.notify(stopping=1, status="finishing current sends")
        log.info("daemon stopping: finishing current work")
        self._stopping = True
        # Pause, not shutdown, first: APScheduler's executor cancels running jobs on shutdown, and a
        # send the receiver already accepted would then never be marked sent (and go out again).
        scheduler.pause()
        if self._inflight:
            _done, pending = await asyncio.wait(set(self._inflight), timeout=_DRAIN_TIMEOUT_S)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2)
        scheduler.shutdown(wait=False)
        self._scheduler = None

    async def _watchdog(self) -> None:
        self.notifier.notify(watchdog=1)

    async def _catch_up(self, stop: asyncio.Event) -> bool:
        """Poll every due feed, then evaluate once, so what happened while warnd was down is judged on
        all feeds together rather than on whichever feed answered first.

        Returns False if `stop` was set first, having cancelled what was still running: a feed that
        hangs must not hold a SIGTERM past systemd's deadline. What is cut short is safe to repeat:
        its lease is released at close, items are deduplicated, and an ingest or an evaluation is one
        transaction that its store thread either finishes (close waits for it) or never starts.
        """
        now = self.clock.now()
        due = [f.name for f in self.settings.feeds if f.enabled and _due(self._states.get(f.name), now)]
        if not due or stop.is_set():   # set while the daemon was being built
            return not stop.is_set()
        log.info("catching up before start", extra={"feeds": len(due)})
        self.notifier.notify(status=f"catching up: polling {len(due)} feeds")

        async def poll_then_evaluate() -> None:
            await asyncio.gather(*(self.poll_feed(name, reschedule=False) for name in due))
            await self.evaluate()

        work = asyncio.ensure_future(poll_then_evaluate())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((work, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, stopped):
                task.cancel()   # no-op on the one that finished
            await asyncio.wait((work, stopped))   # the polls end at their next await; nothing outlives us
        if work.cancelled():
            return False
        work.result()   # a store failure stops the start, as before
        return True

    def _add_poll_job(self, scheduler: AsyncIOScheduler, feed: FeedSettings, now: datetime) -> None:
        state = self._states.get(feed.name)
        first = state.next_poll_at if state and state.next_poll_at and state.next_poll_at > now else now
        first += timedelta(seconds=self._rng.uniform(0, min(2.0, feed.interval.total_seconds() * 0.05)))
        scheduler.add_job(self._job(self.poll_feed, feed.name, job_id=f"poll:{feed.name}"), "interval",
                          id=f"poll:{feed.name}", seconds=max(1.0, feed.interval.total_seconds()),
                          next_run_time=first, max_instances=1, coalesce=True, misfire_grace_time=None)

    def _job(self, fn: Callable[..., Awaitable[Any]], *args: Any, job_id: str = "") -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if self._stopping:
                return
            task = asyncio.current_task()
            assert task is not None
            self._inflight.add(task)
            self._running.add(job_id)
            try:
                await fn(*args)
            except asyncio.CancelledError:
                # Only the shutdown drain cancels jobs, once its deadline passed: what was cut short is
                # safe to repeat (leases expire, unsent deliveries stay pending).
                log.warning("job cut short at shutdown", extra={"job": getattr(fn, "__name__", str(fn))})
            except Exception:  # a job boundary: log and keep the daemon alive
                log.exception("job failed", extra={"job": getattr(fn, "__name__", str(fn))})
            finally:
                self._inflight.discard(task)
                self._running.discard(job_id)
                if job_id in self._again:
                    self._again.discard(job_id)
                    self._kick(job_id)
        run.__name__ = getattr(fn, "__name__", "job")
        return run

    def _kick(self, job_id: str) -> None:
        """Run a job now; if it is running, run it again right after (APScheduler would skip the run)."""
        if self._scheduler is None or self._stopping:
            return
        if job_id in self._running:
            self._again.add(job_id)
            return
        with contextlib.suppress(Exception):  # the job may be gone (a reload removed it)
            self._scheduler.modify_job(job_id, next_run_time=self.clock.now())

    async def _load_states(self) -> None:
        if not self._states:
            self._states = await self.db(Store.feed_states, self.store)

    def spawn(self, work: Awaitable[Any]) -> None:
        """Run `work` as a task the shutdown drain waits for (signal handlers cannot await)."""
        async def run() -> None:
            await work
        task = asyncio.get_running_loop().create_task(run())
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _cap_alerts(self, limit: int, alert_id: int | None) -> list[Alert]:
        return await self.db(Store.published_alerts, self.store, limit=limit, alert_id=alert_id)

    async def _ready(self) -> dict[str, bool]:
        try:
            await self.db(Store.outbox_counts, self.store)
            database = True
        except StoreError:  # readiness reports, it does not raise
            database = False
        return {"database": database,
                "scheduler": self._scheduler is not None and self._scheduler.running and not self._stopping,
                "rules": self.rules is not None}

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.db(Store.release_all, self.store, self.owner)
        crashpoints.reach("after_release")
        for sender in self.senders.values():
            close = getattr(sender, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        if self._owns_http:
            await self.http.close()
        self.db.shutdown()
        if self.parse_executor is not None:
            self.parse_executor.shutdown(wait=True, cancel_futures=True)
        self.store.close()
        if self._lock is not None:
            self._lock.close()


def load_checked_rules(paths: list[Path] | tuple[Path, ...], *, channels: Mapping[str, Any]) -> RuleSet:
    """The rule files, loaded and each rule text rendered for sample alerts, as `warnd check` does.

    Raises:
        RuleError: every problem, with file:line:col.
    """
    rules = load_rules(list(paths), channels=channels)
    problems = check_rule_texts(rules)
    if problems:
        raise RuleError(problems)
    for warning in rule_warnings(rules):
        log.warning("rule probably measures the wrong thing", extra={"problem": str(warning)})
    return rules


def _due(state: FeedState | None, now: datetime) -> bool:
    return state is None or state.next_poll_at is None or state.next_poll_at <= now


def _load_config(path: Path, database_url: str) -> tuple[Settings, list[Path], RuleSet]:
    """The config file and its rules, validated (blocking: file reads, globs, YAML).

    Raises:
        ConfigError: every problem found, or a new database (that needs a restart).
    """
    settings = load_settings(path)
    if settings.database_url() != database_url:
        raise ConfigError.at(str(path), "database: a new database needs a restart of warnd")
    paths = config_rule_paths(settings)
    return settings, paths, load_checked_rules(paths, channels=settings.channels)


def _rule_mtimes(settings: Settings) -> dict[Path, float]:
    return _mtimes(config_rule_paths(settings))


def _mtimes(paths: tuple[Path, ...] | list[Path]) -> dict[Path, float]:
    out = {}
    for p in paths:
        with contextlib.suppress(OSError):
            out[p] = p.stat().st_mtime
    return out


def lock_sqlite(url: str) -> IO[bytes] | None:
    """On SQLite one instance owns the database: take an exclusive lock beside the file.

    Raises:
        StoreLockedError: another warnd holds it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "ab")  # noqa: SIM115 - held for the daemon's lifetime
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as e:
        handle.close()
        raise StoreLockedError(
            f"another warnd is running on {parsed.database} (lock {path}); on SQLite only one instance may run "
            "— stop it, or use PostgreSQL to run several") from e
    return handle


async def build_daemon(settings: Settings, *, clock: Clock | None = None, http: aiohttp.ClientSession | None = None,
                       store: Store | None = None, rules: RuleSet | None = None, extractor: Extract | None = None,
                       senders: Mapping[str, Sender] | None = None, parse_in_processes: bool = True,
                       lock: bool = True, config_path: Path | None = None, migrate: bool | None = None) -> Daemon:
    """Compose a daemon from settings; every seam may be given instead.

    `migrate` brings the schema to head before opening the store. By default (None) only a new SQLite
    file gets its schema, so the embedded default just works; a schema behind — an older SQLite file,
    any PostgreSQL, which several instances may share — is refused unless asked (`warnd run --migrate`),
    since an upgrade deserves a backup first.

    Raises:
        ConfigError: invalid rules or extractor data files.
        StoreError: the database is unreachable, behind (`warnd db upgrade`) or locked.
    """
    clock = clock or SystemClock()
    paths = tuple(config_rule_paths(settings))
    if rules is None:
        rules = load_checked_rules(paths, channels=settings.channels)
    if extractor is None:
        extractor = load_extractor([settings.path(p) for p in settings.extract.gazetteer],
                                   [settings.path(p) for p in settings.extract.lexicons])
    handle = lock_sqlite(settings.database_url()) if lock and store is None else None
    try:
        if store is None:
            url = settings.database_url()
            store = open_store(url, migrate=bool(migrate),
                               create=migrate is None and make_url(url).get_backend_name() == "sqlite")
            if handle is not None:
                # This process holds the only lock on the SQLite file: leases left by a killed
                # predecessor would only delay polls and sends until they expire.
                store.clear_leases()
    except BaseException:
        if handle is not None:
            handle.close()
        raise
    owns_http = http is None
    if http is None:
        http = make_http_session(settings.fetch)
    if senders is None:
        senders = build_senders(settings, http=http, clock=clock, templates_dir=settings.path(settings.templates))
    executor: Executor | None = make_parse_executor() if parse_in_processes else None
    owner = f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"
    daemon = Daemon(settings=settings, rules=rules, clock=clock, store=store, extractor=extractor, http=http,
                    senders=senders, owner=owner, parse_executor=executor, rule_files=paths)
    daemon.config_path = config_path
    daemon._owns_http = owns_http
    daemon._lock = handle
    return daemon


class SignalHandlers:
    """SIGTERM/SIGINT set `stop` (drain, then exit 0); SIGHUP reloads the config and the rules.

    Installed before the daemon is built, so that a SIGTERM while warnd is still starting (reading
    the config, loading the gazetteer, opening the store) is an orderly stop, not the default
    disposition killing it; a SIGHUP that early waits for `attach`, then reloads.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
        self._daemon: Daemon | None = None
        self._hup_pending = False
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGHUP, self._hup)

    def attach(self, daemon: Daemon) -> None:
        self._daemon = daemon
        if self._hup_pending:
            self._hup_pending = False
            self._hup()

    def _hup(self) -> None:
        if self._daemon is None:
            self._hup_pending = True
            return
        self._daemon.spawn(self._daemon.reload_config("SIGHUP"))


__all__ = ["Daemon", "RunReport", "SignalHandlers", "build_daemon", "lock_sqlite"]
