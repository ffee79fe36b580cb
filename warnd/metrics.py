"""Prometheus metrics of one warnd process, served as text on `/metrics` (see `warnd.health`).

Every `Metrics` owns its own `CollectorRegistry`, never the global one, so tests and several
daemons in one process do not share counters. The daemon calls the plain-named methods below;
nothing here does I/O.

Metrics (all prefixed `warnd_`):

| metric | type | labels |
|---|---|---|
| `warnd_feed_polls_total` | counter | `feed`, `outcome` (`ok`, `not_modified`, `error`, …) |
| `warnd_feed_poll_duration_seconds` | histogram | `outcome` |
| `warnd_items_ingested_total` | counter | `feed` |
| `warnd_extraction_seconds` | histogram | — (per item) |
| `warnd_items_by_language_total` | counter | `language` (ISO 639-1, `und`), `read` (`true`; `false`: a language warnd does not read, so no figures) |
| `warnd_rule_evaluation_seconds` | histogram | — (per evaluation cycle) |
| `warnd_alerts_fired_total` | counter | `rule`, `severity` |
| `warnd_outbox_deliveries` | gauge | `status` (`pending`, `sent`, `dead`, `silenced`) |
| `warnd_deliveries_total` | counter | `channel`, `outcome` (`sent`, `retry`, `dead`) |
| `warnd_dead_letters_total` | counter | `channel` |
| `warnd_feed_last_success_timestamp_seconds` | gauge | `feed` |
| `warnd_feed_staleness_seconds` | gauge | `feed` (computed when scraped) |
| `warnd_rules_loaded` | gauge | — |
| `warnd_rule_failures_total` | counter | `rule` (an evaluation of the rule raised; it is retried) |
| `warnd_rules_lagging` | gauge | — (rules behind the head after the last cycle: failing, or catching up) |
| `warnd_rule_text_failures_total` | counter | `rule` (a title, annotation or label failed to render) |
| `warnd_rule_reloads_total` | counter | `outcome` (`ok`, `rejected`) |
| `warnd_build_info` | gauge | `version` |
| `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_open_fds`, `process_max_fds`, … | — | the standard process collector |
| `python_info` | gauge | `implementation`, `version` |

The poll-duration histogram has no `feed` label on purpose: with 1,000 feeds a per-feed
histogram is ~12,000 series; per-feed health is in the counters and the staleness gauge.

Alert on these (PromQL; thresholds are starting points, see docs/operations.md):

* the process: `up{job="warnd"} == 0` for 2m, or `/readyz` failing for 5m.
* a feed gone quiet: `warnd_feed_staleness_seconds > 3 * <its interval>` (or a flat 1h) for 15m.
  Staleness is computed from the last success at scrape time, so it keeps growing even when the
  poll job itself is stuck; a feed that never succeeded counts from process start.
* deliveries failing: `increase(warnd_dead_letters_total[15m]) > 0` (an alert will not arrive
  without an operator: `warnd outbox list --dead`, `warnd outbox retry`).
* a backlog: `warnd_outbox_deliveries{status="pending"} > 0` for 15m, or
  `rate(warnd_deliveries_total{outcome="retry"}[10m]) > 0` for 30m (a channel is down).
* many feeds failing at once (network, DNS, proxy):
  `sum(rate(warnd_feed_polls_total{outcome="error"}[10m])) / sum(rate(warnd_feed_polls_total[10m])) > 0.5`.
* rules: `increase(warnd_rule_reloads_total{outcome="rejected"}[10m]) > 0` (the last good set keeps
  running, but the edit is not live) or `warnd_rules_loaded == 0`.
* a rule failing: `increase(warnd_rule_failures_total[15m]) > 0` or `warnd_rules_lagging > 0` for
  15m (its observations wait; `warnd status` shows the error); `increase(warnd_rule_text_failures_total[1h]) > 0`
  (alerts go out with the default headline: fix the template, `warnd check` finds it).
* slow evaluation: `histogram_quantile(0.95, rate(warnd_rule_evaluation_seconds_bucket[10m]))`
  near `evaluate_interval`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from warnd import __version__
from warnd.clock import Clock, SystemClock

__all__ = ["CONTENT_TYPE", "DeliveryOutcome", "Metrics", "PollOutcome"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The `Content-Type` of `Metrics.render()` (Prometheus text format)."""


class PollOutcome(StrEnum):
    """The `outcome` label of `warnd_feed_polls_total` (any string is accepted; these are the usual ones)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"


class DeliveryOutcome(StrEnum):
    """The `outcome` label of `warnd_deliveries_total`."""

    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"


_POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
_EXTRACT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
_EVALUATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _language_label(language: str | None) -> str:
    """A bounded label: a 2-3 letter code, else "und" (a feed's free text must not grow the series)."""
    if language and 2 <= len(language) <= 3 and language.isascii() and language.isalpha():
        return language.lower()
    return "und"


class Metrics:
    """The metrics of one warnd process, in a registry of its own."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.registry = CollectorRegistry(auto_describe=True)
        self._started_at = self.clock.now()
        r = self.registry
        self._polls = Counter("warnd_feed_polls", "Feed polls by feed and outcome.", ["feed", "outcome"], registry=r)
        self._poll_seconds = Histogram("warnd_feed_poll_duration_seconds", "Time to fetch and parse one feed.",
                                       ["outcome"], buckets=_POLL_BUCKETS, registry=r)
        self._items = Counter("warnd_items_ingested", "New items and revisions stored, by feed.", ["feed"],
                              registry=r)
        self._extract = Histogram("warnd_extraction_seconds", "Time to extract the signals of one item.",
                                  buckets=_EXTRACT_BUCKETS, registry=r)
        self._languages = Counter("warnd_items_by_language", "Items extracted, by language and whether warnd "
                                  "reads it (read=false: no figures looked for).", ["language", "read"], registry=r)
        self._evaluate = Histogram("warnd_rule_evaluation_seconds", "Time of one evaluation of all rules.",
                                   buckets=_EVALUATE_BUCKETS, registry=r)
        self._alerts = Counter("warnd_alerts_fired", "Alerts recorded, by rule and severity.", ["rule", "severity"],
                               registry=r)
        self._outbox = Gauge("warnd_outbox_deliveries", "Deliveries in the outbox, by status.", ["status"],
                             registry=r)
        self._deliveries = Counter("warnd_deliveries", "Delivery attempts, by channel and outcome.",
                                   ["channel", "outcome"], registry=r)
        self._dead = Counter("warnd_dead_letters", "Deliveries given up on (dead letters), by channel.",
                             ["channel"], registry=r)
        self._rules = Gauge("warnd_rules_loaded", "Rules in the running set.", registry=r)
        self._reloads = Counter("warnd_rule_reloads", "Rule reloads, by outcome (ok, rejected).", ["outcome"],
                                registry=r)
        self._rule_failures = Counter("warnd_rule_failures", "Rule evaluations that raised, by rule.", ["rule"],
                                      registry=r)
        self._lagging = Gauge("warnd_rules_lagging", "Rules behind the evaluation head (failing or catching up).",
                              registry=r)
        self._text_failures = Counter("warnd_rule_text_failures", "Rule texts that failed to render, by rule.",
                                      ["rule"], registry=r)
        # The process_* and python_info series every Prometheus user expects (the global registry has them
        # by default; this private one must ask): CPU, resident memory, open fds against their limit.
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        Gauge("warnd_build_info", "The running warnd.", ["version"], registry=r).labels(__version__).set(1)
        self._outbox_statuses: set[str] = set()
        self._poll_series: set[tuple[str, str]] = set()
        self._item_series: set[str] = set()
        self._freshness = _Freshness(self)
        r.register(self._freshness)

    # ---- fetch and ingest ---------------------------------------------------------------------

    def poll_done(self, feed: str, outcome: str, latency_s: float) -> None:
        """Count one poll of `feed` (`ok`, `not_modified`, `error`, …) and how long it took."""
        self._polls.labels(feed, outcome).inc()
        self._poll_series.add((feed, outcome))
        self._poll_seconds.labels(outcome).observe(max(0.0, latency_s))

    def items_ingested(self, feed: str, n: int) -> None:
        """Count `n` new items (or revisions) stored for `feed`."""
        if n > 0:
            self._items.labels(feed).inc(n)
            self._item_series.add(feed)

    def extraction_time(self, seconds: float) -> None:
        """Record the extraction time of one item."""
        self._extract.observe(max(0.0, seconds))

    def item_language(self, language: str | None, read: bool) -> None:
        """Count one item read from text in `language`; `read` False: warnd does not read it."""
        self._languages.labels(_language_label(language), "true" if read else "false").inc()

    # ---- rules and alerts ---------------------------------------------------------------------

    def evaluation_time(self, seconds: float) -> None:
        """Record the duration of one evaluation cycle."""
        self._evaluate.observe(max(0.0, seconds))

    def alert_fired(self, rule: str, severity: str) -> None:
        self._alerts.labels(rule, severity).inc()

    def rules_loaded(self, n: int) -> None:
        """Set the number of rules in the running set (after start and every reload)."""
        self._rules.set(n)

    def cycle_done(self, *, failed: Iterable[str], lagging: int, text_failures: Mapping[str, int]) -> None:
        """Count what a cycle did besides alerting: rules that raised, rules lagging, texts that failed."""
        for rule in failed:
            self._rule_failures.labels(rule).inc()
        for rule, n in text_failures.items():
            self._text_failures.labels(rule).inc(n)
        self._lagging.set(lagging)

    def reload_done(self, ok: bool) -> None:
        """Count a rule reload; a rejected one leaves the last good set running."""
        self._reloads.labels("ok" if ok else "rejected").inc()

    # ---- delivery -----------------------------------------------------------------------------

    def delivery_done(self, channel: str, outcome: str) -> None:
        """Count one delivery attempt (`sent`, `retry`, `dead`); `dead` also counts a dead letter."""
        self._deliveries.labels(channel, outcome).inc()
        if outcome == DeliveryOutcome.DEAD:
            self._dead.labels(channel).inc()

    def set_outbox(self, counts: Mapping[str, int]) -> None:
        """Set the outbox depth by status (as `Store.outbox_counts()` returns it).

        A status seen before and absent now is set to 0, so a drained queue reads 0, not its last value.
        """
        # pending and dead always have a series, so `== 0` and `> 0` alerts have something to match.
        self._outbox_statuses.update(("pending", "dead", *counts))
        for status in self._outbox_statuses:
            self._outbox.labels(status).set(counts.get(status, 0))

    # ---- feed freshness -----------------------------------------------------------------------

    def set_feeds(self, feeds: Iterable[str]) -> None:
        """Declare the configured feeds (at start and after a reload); removed feeds lose their series.

        A declared feed that has not succeeded yet is as stale as the process is old.
        """
        self._freshness.set_feeds(feeds)
        for feed, outcome in [k for k in self._poll_series if k[0] not in self._freshness.feeds]:
            self._polls.remove(feed, outcome)
            self._poll_series.discard((feed, outcome))
        for feed in [f for f in self._item_series if f not in self._freshness.feeds]:
            self._items.remove(feed)
            self._item_series.discard(feed)

    def feed_succeeded(self, feed: str, at: datetime) -> None:
        """Record a successful poll of `feed` (a 304 counts) at `at`."""
        self._freshness.succeeded(feed, at)

    def set_feed_staleness(self, feed: str, seconds: float) -> None:
        """Record that `feed` last succeeded `seconds` ago (kept as a time, so it keeps growing)."""
        self._freshness.succeeded(feed, self.clock.now().timestamp() - seconds)

    def staleness_s(self, feed: str) -> float | None:
        """Seconds since `feed` last succeeded (since start when it never did); None for an unknown feed."""
        return self._freshness.staleness_s(feed)

    # ---- exposition ---------------------------------------------------------------------------

    def render(self) -> bytes:
        """The registry in Prometheus text format (`CONTENT_TYPE`)."""
        return generate_latest(self.registry)


class _Freshness(Collector):
    """Last success per feed; staleness is computed at collection time from the clock."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self.feeds: set[str] = set()
        self._last_success: dict[str, float] = {}

    def set_feeds(self, feeds: Iterable[str]) -> None:
        self.feeds = set(feeds)
        for feed in list(self._last_success):
            if feed not in self.feeds:
                del self._last_success[feed]

    def succeeded(self, feed: str, at: datetime | float) -> None:
        self.feeds.add(feed)
        self._last_success[feed] = at if isinstance(at, float | int) else at.timestamp()

    def staleness_s(self, feed: str) -> float | None:
        if feed not in self.feeds:
            return None
        now = self._metrics.clock.now().timestamp()
        since = self._last_success.get(feed, self._metrics._started_at.timestamp())
        return max(0.0, now - since)

    def collect(self) -> Iterator[Metric]:
        last = GaugeMetricFamily("warnd_feed_last_success_timestamp_seconds",
                                 "Unix time of the last successful poll of each feed.", labels=["feed"])
        stale = GaugeMetricFamily("warnd_feed_staleness_seconds",
                                  "Seconds since the last successful poll of each feed (since start if none).",
                                  labels=["feed"])
        for feed in sorted(self.feeds):
            if feed in self._last_success:
                last.add_metric([feed], self._last_success[feed])
            stale.add_metric([feed], self.staleness_s(feed) or 0.0)
        yield last
        yield stale

    def describe(self) -> Iterator[Metric]:
        # Describing without collecting: auto_describe would otherwise call collect() at registration.
        yield GaugeMetricFamily("warnd_feed_last_success_timestamp_seconds", "", labels=["feed"])
        yield GaugeMetricFamily("warnd_feed_staleness_seconds", "", labels=["feed"])
