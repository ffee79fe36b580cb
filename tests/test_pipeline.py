"""Items → observations → rules → recorded alerts and outbox rows, through the daemon's own path.

Signals are preset on the items (as the structured-source path does), so these tests pin the
evaluation and alert logic independent of text extraction. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warnd.clock import FakeClock
from warnd.config import FeedSettings, RuleSet, Settings, load_rules
from warnd.parse import parse_feed
from warnd.pipeline import Pipeline
from warnd.store import Store, observed_time
from warnd.types import Casualty, CasualtyKind, DeliveryStatus, Item, Signals

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)


class PresetSignals:
    def extract(self, item: Item) -> Signals:
        assert item.signals is not None
        return item.signals


def item(key: str, *, killed: int = 0, region: str = "Latakia", feed: str = "monitor",
         at: datetime = T0, groups: tuple[str, ...] = (), title: str = "") -> Item:
    title = title or f"{key}: {killed} killed in {region}"
    signals = Signals(casualties=(Casualty(CasualtyKind.KILLED, killed),) if killed else (), region=region,
                      country="Syria", targeted_groups=groups)
    return Item(feed=feed, key=key, title=title, link=f"https://{feed}.example.org/{key}", published_at=at,
                content_hash=hashlib.sha256(title.encode()).hexdigest(), signals=signals)


RULES = """
rules:
  - id: deaths-jump
    title: "Deaths jump in {{ labels.region }}"
    severity: critical
    kind: jump
    match: {kind: killed, country: Syria}
    group_by: [region]
    window: 24h
    baseline: {lookback: 14d, stat: median}
    condition: {increase_at_least: 50, ratio_at_least: 3}
    realert: 24h
    escalate_ratio: 1.5
  - id: corroborated
    kind: threshold
    match: {kind: killed}
    group_by: [country]
    condition: {at_least: 100}
    min_sources: 2
  - id: first-targeting
    kind: new_value
    field: targeted_group
    group_by: [region, targeted_group]
    window: 72h
    lookback: 30d
"""


@pytest.fixture
def rules(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return load_rules([path], channels={"mail": None, "hook": None})


@pytest.fixture
def pipeline(store: Store, rules: RuleSet) -> Pipeline:
    settings = Settings.model_validate({
        "channels": {"mail": {"type": "file", "format": "eml", "dir": "x"},
                     "hook": {"type": "file", "format": "json", "dir": "y"}},
        "routing": {"default": ["mail", "hook"]},
    })
    return Pipeline(store, PresetSignals(), settings, rules)


def feed_in(p: Pipeline, clock: FakeClock, *items: Item) -> list[str]:
    """Ingest items at the clock's time, evaluate, return 'rule:value' of the alerts fired."""
    for it in items:
        p.ingest(it.feed, [it], None, clock.now())
    return [f"{a.rule}:{a.value:g}" for a in p.evaluate(clock.now())]


def test_toll_repeated_by_outlets_is_one_toll_with_many_sources(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    fired = feed_in(pipeline, clock, *[item(f"o{i}", killed=1018, feed=f"outlet-{i}") for i in range(5)])
    assert sorted(fired) == ["corroborated:1018", "deaths-jump:1018"]
    (jump,) = [a for a in pipeline.store.alerts() if a.rule == "deaths-jump"]
    assert jump.sources == 5 and jump.baseline == 0 and jump.title == "Deaths jump in Latakia"
    assert len(jump.evidence) == 5 and jump.evidence[0].link.startswith("https://")


def test_jump_is_judged_against_the_groups_own_baseline(pipeline: Pipeline) -> None:
    clock = FakeClock(T0 - timedelta(days=10))
    for d in range(10):  # ten days of 40 killed a day in Latakia (each before today's window): its normal
        feed_in(pipeline, clock, item(f"d{d}", killed=40, at=clock.now() - timedelta(hours=1)))
        clock.advance(days=1)
    assert feed_in(pipeline, clock, item("today", killed=80)) == []            # 2x: not a jump
    assert feed_in(pipeline, clock, item("tartus", killed=80, region="Tartus")) == ["deaths-jump:80"]


def test_min_sources_waits_for_a_second_feed(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    assert "corroborated:745" not in feed_in(pipeline, clock, item("a", killed=745, feed="monitor"))
    clock.advance(hours=1)
    assert "corroborated:745" in feed_in(pipeline, clock, item("b", killed=745, feed="wire"))


def test_realert_throttles_and_escalation_breaks_through(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    assert "deaths-jump:745" in feed_in(pipeline, clock, item("a", killed=745))
    clock.advance(hours=3)
    assert "deaths-jump:800" not in feed_in(pipeline, clock, item("b", killed=800))      # throttled
    clock.advance(hours=3)
    assert "deaths-jump:1018" not in feed_in(pipeline, clock, item("c", killed=1018))    # < 1.5 x 745
    clock.advance(hours=3)
    assert "deaths-jump:1200" in feed_in(pipeline, clock, item("d", killed=1200))         # >= 1.5 x 745
    alerts = [a for a in pipeline.store.alerts() if a.rule == "deaths-jump"]
    assert alerts[0].escalation and alerts[0].previous_value == 745


def test_edited_item_raising_the_toll_is_re_extracted(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    first = item("toll", killed=745, title="745 killed since Thursday")
    assert "deaths-jump:745" in feed_in(pipeline, clock, first)
    clock.advance(hours=2)
    edited = item("toll", killed=1200, title="toll rises to 1,200 since Thursday")
    assert "deaths-jump:1200" in feed_in(pipeline, clock, edited)
    assert feed_in(pipeline, clock, edited) == []   # polled again unchanged: nothing new


def test_new_value_fires_once_per_community_and_region(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    fired = feed_in(pipeline, clock, item("a", groups=("Alawite",)), item("b", groups=("Alawite", "Christian"),
                                                                             region="Tartus"))
    assert sorted(fired) == ["first-targeting:1"] * 3
    clock.advance(hours=30)   # past realert (24h) but the first report is still in the 72h window
    assert feed_in(pipeline, clock, item("c", groups=("Alawite",), at=clock.now())) == []
    clock.advance(days=5)
    assert feed_in(pipeline, clock, item("d", groups=("Alawite",), at=clock.now())) == []   # seen in lookback
    assert feed_in(pipeline, clock, item("e", groups=("Druze",), at=clock.now())) == ["first-targeting:1"]


def test_silenced_alert_is_recorded_not_sent(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    pipeline.store.add_silence(rule="deaths-jump", matchers={"region": "Latakia"}, starts_at=T0,
                               ends_at=T0 + timedelta(hours=6), reason="known event", created_by=None, now=T0)
    feed_in(pipeline, clock, item("a", killed=745))
    (alert,) = [a for a in pipeline.store.alerts() if a.rule == "deaths-jump"]
    rows = [d for d, a in pipeline.store.deliveries() if a.id == alert.id]
    assert {d.status for d in rows} == {DeliveryStatus.SILENCED}
    # A silenced alert does not start the realert clock: after the silence, it goes out.
    clock.advance(hours=7)
    assert "deaths-jump:900" in feed_in(pipeline, clock, item("b", killed=900))


def test_late_item_counts_in_its_own_time(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    late = item("late", killed=300, at=T0 - timedelta(hours=5))     # published 5h before it was seen
    assert "deaths-jump:300" in feed_in(pipeline, clock, late)
    old = item("old", killed=999, region="Homs", at=T0 - timedelta(days=3))   # outside the 24h window
    assert feed_in(pipeline, clock, old) == []


def test_window_edges_are_exact_across_a_dst_change(pipeline: Pipeline) -> None:
    # 2025-03-30 is the EU daylight-saving day; windows are UTC spans, so the day has 24 hours all the same.
    now = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)
    clock = FakeClock(now)
    edge = item("edge", killed=200, at=now - timedelta(hours=24))
    outside = item("outside", killed=500, region="Tartus", at=now - timedelta(hours=24, microseconds=1))
    fired = feed_in(pipeline, clock, edge, outside)
    assert "deaths-jump:200" in fired and "deaths-jump:500" not in fired


def test_each_alert_gets_one_outbox_row_per_channel(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    feed_in(pipeline, clock, item("a", killed=745))
    rows = pipeline.store.deliveries()
    per_alert: dict[int, list[str]] = {}
    for d, a in rows:
        per_alert.setdefault(a.id or 0, []).append(d.channel)
    assert all(sorted(chs) == ["hook", "mail"] for chs in per_alert.values())


def test_a_rule_text_that_raises_costs_the_text_not_the_alert(store: Store, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """Issue 21: `{{ value / baseline }}` raises for the usual jump (baseline 0). The alert goes out
    with the default headline, without the failing annotation and label, and the failure is logged."""
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.replace('title: "Deaths jump in {{ labels.region }}"',
                                  'title: "{{ (value / baseline) | round(1) }}x normal"\n'
                                  '    annotations: {ok: "{{ labels.region }}", ratio: "{{ value / baseline }}"}\n'
                                  '    labels: {desk: "{{ value / baseline }}", team: "coast"}'))
    rules = load_rules([path], channels={"mail": None, "hook": None})
    settings = Settings.model_validate({"channels": {"mail": {"type": "file", "format": "eml", "dir": "x"}},
                                        "routing": {"default": ["mail"]}})
    p = Pipeline(store, PresetSignals(), settings, rules)
    fired = feed_in(p, FakeClock(T0), item("a", killed=745))
    assert "deaths-jump:745" in fired
    (jump,) = [a for a in store.alerts() if a.rule == "deaths-jump"]
    assert jump.title == "" and dict(jump.annotations) == {"ok": "Latakia"}
    assert jump.label_dict["team"] == "coast" and "desk" not in jump.label_dict
    assert p.last_cycle.text_failures == {"deaths-jump": 3}
    logged = [r for r in caplog.records if r.getMessage().startswith("rule text failed to render")]
    assert len(logged) == 3 and all(r.levelname == "ERROR" and "ZeroDivisionError" in r.error for r in logged)


def test_an_implausible_date_is_warned_once_and_the_item_counts_from_first_sight(
        pipeline: Pipeline, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    # Epoch 0 from a broken feed: parse drops the date with a note, the store dates the item at first sight.
    body = (b"<rss version='2.0'><channel><title>t</title>"
            b"<item><guid>g-epoch</guid><title>3 killed in Jableh</title><pubDate>Thu, 01 Jan 1970 00:00:00 GMT"
            b"</pubDate></item><item><guid>g-ok</guid><title>2 killed in Baniyas</title>"
            b"<pubDate>Sun, 09 Mar 2025 11:00:00 GMT</pubDate></item></channel></rss>")
    feed = FeedSettings(name="monitor", url="https://monitor.example.org/rss")
    items = [replace(i, signals=Signals(region="Latakia", country="Syria"))
             for i in parse_feed(body, feed=feed, url=feed.url, fetched_at=T0).items]
    with caplog.at_level(logging.WARNING, logger="warnd.pipeline"):
        pipeline.ingest("monitor", items, None, T0)
        pipeline.ingest("monitor", items, None, T0 + timedelta(minutes=5))  # the next poll: nothing new
    warned = [r for r in caplog.records if r.getMessage() == "item date implausible, treated as undated"]
    assert [(r.feed, r.guid) for r in warned] == [("monitor", "g-epoch")]  # type: ignore[attr-defined]
    assert "1970" in warned[0].reasons[0]  # type: ignore[attr-defined]
    assert observed_time(items[0], T0) == T0
    assert observed_time(items[1], T0) == datetime(2025, 3, 9, 11, tzinfo=UTC)


def test_a_country_toll_inhibits_the_region_jump_for_the_same_figures(store: Store, rules: RuleSet) -> None:
    # deaths-jump comes first in the file; the source rule is evaluated first all the same, and
    # deaths-jump's `match: {country: Syria}` gives its alerts the `country` label `equal` needs.
    settings = Settings.model_validate({
        "channels": {"mail": {"type": "file", "format": "eml", "dir": "x"}},
        "route": {"receiver": ["mail"]},
        "inhibit": [{"name": "country covers regions", "source_matchers": ['rule="corroborated"'],
                     "target_matchers": ['rule="deaths-jump"'], "equal": ["country"]}],
    })
    p = Pipeline(store, PresetSignals(), settings, rules)
    clock = FakeClock(T0)
    feed_in(p, clock, *[item(f"o{i}", killed=1018, feed=f"outlet-{i}") for i in range(3)])
    by_rule = {a.rule: d for d, a in store.deliveries()}
    assert by_rule["corroborated"].status == DeliveryStatus.PENDING
    jump = by_rule["deaths-jump"]
    assert jump.status == DeliveryStatus.INHIBITED
    assert jump.last_error is not None and "country covers regions" in jump.last_error
    assert "rule 'corroborated'" in jump.last_error and "country=Syria" in jump.last_error
    # An inhibited alert did not start the realert clock: once the source stops holding it goes out.
    assert store.alert_state([a for _d, a in store.deliveries() if a.rule == "deaths-jump"][0].dedup_key).last_sent_at is None


def test_without_the_equal_label_on_the_target_nothing_is_inhibited(store: Store, rules: RuleSet) -> None:
    settings = Settings.model_validate({
        "channels": {"mail": {"type": "file", "format": "eml", "dir": "x"}},
        "route": {"receiver": ["mail"]},
        "inhibit": [{"source_matchers": ['rule="corroborated"'], "target_matchers": ['rule="first-targeting"'],
                     "equal": ["country"]}],
    })
    p = Pipeline(store, PresetSignals(), settings, rules)
    feed_in(p, FakeClock(T0), *[item(f"o{i}", killed=1018, feed=f"outlet-{i}", groups=("Alawite",)) for i in range(3)])
    statuses = {a.rule: d.status for d, a in store.deliveries()}
    assert statuses["first-targeting"] == DeliveryStatus.PENDING   # it has no country label (#507)


def test_a_mute_interval_records_the_direct_deliveries_as_muted(store: Store, rules: RuleSet) -> None:
    # Only criticals at night: the `warning` corroborated alert is muted on the night route, with why.
    settings = Settings.model_validate({
        "channels": {"mail": {"type": "file", "format": "eml", "dir": "x"},
                     "hook": {"type": "file", "format": "json", "dir": "y"}},
        "time_intervals": [{"name": "night", "time_intervals": [
            {"times": [{"start_time": "00:00", "end_time": "07:00"}, {"start_time": "20:00", "end_time": "24:00"}]}]}],
        "route": {"receiver": ["hook"], "routes": [
            {"matchers": ['severity!="critical"'], "receiver": ["mail"], "mute_time_intervals": ["night"]},
            {"receiver": ["mail"]}]},
    })
    p = Pipeline(store, PresetSignals(), settings, rules)
    night = T0.replace(hour=23)
    feed_in(p, FakeClock(night), *[item(f"o{i}", killed=1018, feed=f"outlet-{i}", at=night) for i in range(3)])
    by = {(a.rule, d.channel): d for d, a in store.deliveries()}
    assert by[("corroborated", "mail")].status == DeliveryStatus.MUTED
    assert by[("corroborated", "mail")].last_error == "root.0: mute time interval 'night'"
    assert by[("deaths-jump", "mail")].status == DeliveryStatus.PENDING     # critical: not muted


def test_a_reloaded_config_routes_by_its_own_tree(pipeline: Pipeline) -> None:
    assert [c for n in pipeline.tree.walk() for c in n.channels] == ["mail", "hook"]
    pipeline.settings = pipeline.settings.model_copy(update={"routing": Settings.model_validate(
        {"channels": {"mail": {"type": "file", "format": "eml", "dir": "x"}},
         "routing": {"default": ["mail"]}}).routing})
    assert [c for n in pipeline.tree.walk() for c in n.channels] == ["mail"]
