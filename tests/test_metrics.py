"""Metrics: each method moves the series it names, in a registry of its own, rendered as Prometheus text."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from warnd.metrics import CONTENT_TYPE, DeliveryOutcome, Metrics, PollOutcome


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse `render()` back: (sample name, sorted labels) → value."""
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return samples(metrics).get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def metrics(clock) -> Metrics:
    return Metrics(clock=clock)


CASES = [
    pytest.param(lambda m: m.poll_done("a", "ok", 0.3), "warnd_feed_polls_total", {"feed": "a", "outcome": "ok"}, 1,
                 id="poll-counted"),
    pytest.param(lambda m: m.poll_done("a", "error", 2.0), "warnd_feed_poll_duration_seconds_count",
                 {"outcome": "error"}, 1, id="poll-latency-observed"),
    pytest.param(lambda m: m.items_ingested("a", 7), "warnd_items_ingested_total", {"feed": "a"}, 7, id="items"),
    pytest.param(lambda m: m.extraction_time(0.002), "warnd_extraction_seconds_count", {}, 1, id="extraction"),
    pytest.param(lambda m: m.item_language("de", False), "warnd_items_by_language_total",
                 {"language": "de", "read": "false"}, 1, id="language-not-read"),
    pytest.param(lambda m: m.item_language("fr-FR; DROP", True), "warnd_items_by_language_total",
                 {"language": "und", "read": "true"}, 1, id="language-label-bounded"),
    pytest.param(lambda m: m.evaluation_time(0.2), "warnd_rule_evaluation_seconds_sum", {}, 0.2, id="evaluation"),
    pytest.param(lambda m: m.alert_fired("coast-deaths-jump", "critical"), "warnd_alerts_fired_total",
                 {"rule": "coast-deaths-jump", "severity": "critical"}, 1, id="alert"),
    pytest.param(lambda m: m.delivery_done("desk-email", "sent"), "warnd_deliveries_total",
                 {"channel": "desk-email", "outcome": "sent"}, 1, id="delivery-sent"),
    pytest.param(lambda m: m.delivery_done("slack-ops", "dead"), "warnd_dead_letters_total",
                 {"channel": "slack-ops"}, 1, id="dead-letter"),
    pytest.param(lambda m: m.set_outbox({"pending": 3, "sent": 10}), "warnd_outbox_deliveries",
                 {"status": "pending"}, 3, id="outbox-depth"),
    pytest.param(lambda m: m.set_outbox({"sent": 10}), "warnd_outbox_deliveries", {"status": "dead"}, 0,
                 id="outbox-dead-always-present"),
    pytest.param(lambda m: m.rules_loaded(3), "warnd_rules_loaded", {}, 3, id="rules-loaded"),
    pytest.param(lambda m: m.reload_done(False), "warnd_rule_reloads_total", {"outcome": "rejected"}, 1,
                 id="reload-rejected"),
    pytest.param(lambda m: m.cycle_done(failed=["a", "b"], lagging=2, text_failures={}),
                 "warnd_rule_failures_total", {"rule": "a"}, 1, id="rule-failed"),
    pytest.param(lambda m: m.cycle_done(failed=["a"], lagging=3, text_failures={}), "warnd_rules_lagging", {}, 3,
                 id="rules-lagging"),
    pytest.param(lambda m: m.cycle_done(failed=[], lagging=0, text_failures={"a": 2}),
                 "warnd_rule_text_failures_total", {"rule": "a"}, 2, id="rule-text-failed"),
]


@pytest.mark.parametrize("call, name, labels, expected", CASES)
def test_each_method_moves_its_series(metrics: Metrics, call, name: str, labels: dict[str, str],
                                      expected: float) -> None:
    call(metrics)
    assert value(metrics, name, **labels) == pytest.approx(expected)


def test_names_are_prefixed_and_text_parses(metrics: Metrics) -> None:
    metrics.poll_done("a", "ok", 0.1)
    metrics.set_feeds(["a"])
    families = list(text_string_to_metric_families(metrics.render().decode()))
    names = {f.name for f in families}
    # warnd's own series are prefixed; the standard process and platform collectors keep their names.
    assert names and all(n.startswith(("warnd_", "process_", "python_")) for n in names)
    assert {"warnd_feed_polls", "warnd_feed_staleness_seconds", "warnd_build_info"} <= names
    assert CONTENT_TYPE.startswith("text/plain")


def test_registries_are_separate(clock) -> None:
    a, b = Metrics(clock=clock), Metrics(clock=clock)
    a.alert_fired("r", "high")
    assert value(a, "warnd_alerts_fired_total", rule="r", severity="high") == 1
    assert value(b, "warnd_alerts_fired_total", rule="r", severity="high") is None


def test_drained_outbox_reads_zero(metrics: Metrics) -> None:
    metrics.set_outbox({"pending": 5, "silenced": 1})
    metrics.set_outbox({})
    assert value(metrics, "warnd_outbox_deliveries", status="pending") == 0
    assert value(metrics, "warnd_outbox_deliveries", status="silenced") == 0


def test_staleness_grows_with_the_clock_without_new_calls(metrics: Metrics, clock) -> None:
    metrics.set_feeds(["a", "b"])
    metrics.feed_succeeded("a", clock.now())
    clock.advance(seconds=90)
    assert value(metrics, "warnd_feed_staleness_seconds", feed="a") == 90
    # "b" never succeeded: as stale as the process is old, and no last-success sample.
    assert value(metrics, "warnd_feed_staleness_seconds", feed="b") == 90
    assert value(metrics, "warnd_feed_last_success_timestamp_seconds", feed="b") is None
    clock.advance(seconds=10)
    assert metrics.staleness_s("a") == 100


def test_set_feed_staleness_is_kept_as_a_time(metrics: Metrics, clock) -> None:
    metrics.set_feed_staleness("a", 30)
    clock.advance(seconds=5)
    assert value(metrics, "warnd_feed_staleness_seconds", feed="a") == 35
    assert value(metrics, "warnd_feed_last_success_timestamp_seconds", feed="a") == clock.now().timestamp() - 35


def test_removed_feeds_lose_their_series(metrics: Metrics, clock) -> None:
    metrics.set_feeds(["a", "gone"])
    for feed in ("a", "gone"):
        metrics.poll_done(feed, "ok", 0.1)
        metrics.items_ingested(feed, 1)
        metrics.feed_succeeded(feed, clock.now())
    metrics.set_feeds(["a"])
    rendered = metrics.render().decode()
    assert 'feed="gone"' not in rendered
    assert value(metrics, "warnd_feed_polls_total", feed="a", outcome="ok") == 1
    assert metrics.staleness_s("gone") is None


def test_zero_items_make_no_series(metrics: Metrics) -> None:
    metrics.items_ingested("quiet", 0)
    assert 'feed="quiet"' not in metrics.render().decode()


def test_outcome_enums_are_the_label_values(metrics: Metrics) -> None:
    metrics.poll_done("a", PollOutcome.NOT_MODIFIED, 0.01)
    metrics.delivery_done("desk-email", DeliveryOutcome.DEAD)
    assert value(metrics, "warnd_feed_polls_total", feed="a", outcome="not_modified") == 1
    assert value(metrics, "warnd_deliveries_total", channel="desk-email", outcome="dead") == 1
    assert value(metrics, "warnd_dead_letters_total", channel="desk-email") == 1


def test_process_metrics_are_exposed(metrics: Metrics) -> None:
    names = set(samples(metrics))
    assert {n for n, _ in names} >= {"process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
                                     "python_info"}
