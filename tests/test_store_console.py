# ruff: noqa: F811 - the tests take test_pipeline's fixtures (imported below) as arguments of the same name
"""The console's store: decision traces written at firing time, throttled and suppressed decisions,
feedback, acknowledgements, alert lists with filters and a place's series. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from warnd.clock import FakeClock
from warnd.pipeline import Pipeline
from warnd.store import AlertFilter, open_store
from warnd.store._console import AlertOutcome, Verdict
from warnd.store.migrate import upgrade
from warnd.types import Severity

from .test_pipeline import T0, feed_in, item, pipeline, rules  # noqa: F401 - the pipeline fixtures

JUMP_LINE = 3     # where `- id: deaths-jump` is written in test_pipeline.RULES (the file starts with a newline)


def test_a_fired_alert_keeps_the_trace_of_its_decision(pipeline: Pipeline) -> None:
    clock = FakeClock(T0 - timedelta(days=3))
    feed_in(pipeline, clock, item("old", killed=4, at=clock.now()))
    clock.advance(days=3)
    feed_in(pipeline, clock, item("a", killed=745))
    page = pipeline.store.console_alerts(AlertFilter(rule="deaths-jump"))
    (record,) = page.records
    trace = record.trace
    assert trace is not None
    assert trace["source"].endswith(f"rules.yaml:{JUMP_LINE}")
    # A jump counts what the reports newly report (issue 15): measure new, summed.
    assert trace["verdict"] == "send" and (trace["measure"], trace["aggregate"]) == ("new", "sum")
    assert trace["value"] == 745
    assert trace["condition"] == {"increase_at_least": 50, "ratio_at_least": 3}
    assert trace["baseline"]["stat"] == "median" and trace["baseline"]["lookback"] == "14d"
    assert len(trace["baseline"]["daily"]) == 14 and 4 in trace["baseline"]["daily"]
    assert trace["prior"] is None and trace["channels"] == ["mail", "hook"]
    assert record.state is AlertOutcome.SENT and len(record.deliveries) == 2


def test_throttled_and_suppressed_decisions_are_kept_per_group(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    feed_in(pipeline, clock, item("a", killed=745))                   # jump fires; corroborated needs 2 sources
    suppressed = pipeline.store.console_alerts(AlertFilter(state=AlertOutcome.SUPPRESSED)).records
    assert [(r.alert.rule, r.reason) for r in suppressed] == [("corroborated", "1 source(s), rule needs 2")]
    for hours, killed in ((3, 800), (6, 900)):
        clock.advance(hours=3)
        feed_in(pipeline, clock, item(f"b{hours}", killed=killed))
    (throttled,) = pipeline.store.console_alerts(AlertFilter(state=AlertOutcome.THROTTLED)).records
    assert throttled.alert.rule == "deaths-jump" and throttled.alert.value == 900
    assert throttled.occurrences == 2 and throttled.first_at == T0 + timedelta(hours=3)
    assert throttled.trace is not None and throttled.trace["prior"]["last_value"] == 745
    assert pipeline.store.console_decision(throttled.alert.dedup_key) == throttled
    # Asked for sent and silenced alerts, the list shows recorded alerts only.
    assert {r.state for r in pipeline.store.console_alerts(AlertFilter()).records} == {AlertOutcome.SENT}


def test_filters_and_paging(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    feed_in(pipeline, clock, *[item(f"o{i}", killed=300, feed=f"outlet-{i}", region=r)
                               for i, r in enumerate(["Latakia", "Tartus", "Homs"])])
    store = pipeline.store
    every = store.console_alerts(AlertFilter(), limit=2)
    assert every.total == 4 and len(every.records) == 2       # three jumps and the corroborated threshold
    assert [r.alert.id for r in store.console_alerts(AlertFilter(), offset=2, limit=2).records] == \
        sorted((r.alert.id for r in store.console_alerts(AlertFilter()).records), reverse=True)[2:]
    assert store.console_alerts(AlertFilter(region="Tartus")).total == 1
    assert store.console_alerts(AlertFilter(country="Syria")).total == 1     # the threshold groups by country
    assert store.console_alerts(AlertFilter(severity=Severity.CRITICAL)).total == 3
    assert store.console_alerts(AlertFilter(since=T0 + timedelta(seconds=1))).total == 0
    assert store.console_alerts(AlertFilter(state=AlertOutcome.SILENCED)).total == 0


def test_feedback_acknowledgement_and_precision(pipeline: Pipeline) -> None:
    clock = FakeClock(T0)
    feed_in(pipeline, clock, item("a", killed=745), item("t", killed=300, region="Tartus"))
    store = pipeline.store
    first, second = sorted(r.alert.id for r in store.console_alerts(AlertFilter(rule="deaths-jump")).records)
    store.add_feedback(first, Verdict.CONFIRMED, note="matches OCHA", author="amal", now=T0)
    store.add_feedback(second, Verdict.FALSE_ALARM, note="", author="amal", now=T0)
    store.add_feedback(second, Verdict.DUPLICATE, note="", author="ben", now=T0)
    stats = store.rule_stats()["deaths-jump"]
    assert stats.alerts == 2 and stats.precision == 0.5 and stats.feedback == {
        "confirmed": 1, "false_alarm": 1, "duplicate": 1}
    ack = store.acknowledge(first, author="amal", note="on it", now=T0)
    again = store.acknowledge(first, author="ben", note="", now=T0 + timedelta(hours=1))
    assert again == ack and ack.author == "amal"
    record = store.console_alert(first)
    assert record is not None and record.acknowledgement == ack and record.feedback[0].note == "matches OCHA"
    assert [f.verdict for f in store.feedback(rule="deaths-jump")] == [Verdict.DUPLICATE, Verdict.FALSE_ALARM,
                                                                      Verdict.CONFIRMED]
    with pytest.raises(LookupError, match="no alert #999"):
        store.add_feedback(999, Verdict.CONFIRMED, note="", author="x", now=T0)
    with pytest.raises(LookupError):
        store.acknowledge(999, author="x", note="", now=T0)


def test_place_series_by_day(pipeline: Pipeline) -> None:
    clock = FakeClock(T0 - timedelta(days=1))
    feed_in(pipeline, clock, item("y1", killed=5, at=clock.now()), item("y2", killed=7, at=clock.now(), feed="wire"))
    clock.advance(days=1)
    feed_in(pipeline, clock, item("t1", killed=30), item("g", groups=("Alawite",)))
    series = pipeline.store.place_series("region", "Latakia", T0 - timedelta(days=2), T0 + timedelta(days=1))
    # 5 and 7 killed in Latakia at one time from two feeds are one incident (docs/rules.md#tolls): 7 new.
    assert [(p.day.isoformat(), p.kind, p.new, p.reports) for p in series.points] == [
        ("2025-03-08", "killed", 7, 2), ("2025-03-09", "killed", 30, 1)]
    assert [(d.isoformat(), g, n) for d, g, n in series.mentions] == [("2025-03-09", "Alawite", 1)]
    assert [a.rule for a in series.alerts] == ["first-targeting"]     # 12 and 30 are no jump of 50
    with pytest.raises(ValueError, match="region or country"):
        pipeline.store.place_series("feed", "x", T0, T0)


def test_migration_fills_the_console_columns_of_alerts_already_stored(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO alerts (rule, dedup_key, seq, kind, metric, severity, title, labels, value, window_s, "
            "sources, fired_at, evidence, annotations, notify, escalation) VALUES ('r', 'k', 1, 'threshold', "
            "'killed', 'high', '', :labels, 5, 3600, 1, '2025-03-09 12:00:00', '[]', '{}', '[]', 0)"),
            {"labels": '{"region": "Latakia", "targeted_group": "Alawite"}'})
    engine.dispose()
    store = open_store(url, migrate=True)
    (record,) = store.console_alerts(AlertFilter(region="Latakia", community="Alawite")).records
    assert record.trace is None and record.alert.value == 5
    store.close()


def test_a_long_list_is_counted_up_to_a_cap_past_the_page(pipeline: Pipeline, monkeypatch) -> None:
    from warnd.store import _console
    monkeypatch.setattr(_console, "COUNT_CAP", 2)
    clock = FakeClock(T0)
    feed_in(pipeline, clock, *[item(f"o{i}", killed=300, feed=f"outlet-{i}", region=r)
                               for i, r in enumerate(["Latakia", "Tartus", "Homs"])])
    first = pipeline.store.console_alerts(AlertFilter(), limit=1)
    assert (first.total, first.more, len(first.records)) == (2, True, 1)
    last = pipeline.store.console_alerts(AlertFilter(), offset=3, limit=1)
    assert (last.total, last.more, len(last.records)) == (4, False, 1)
