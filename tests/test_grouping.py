"""Grouped routes: a burst becomes one notification listing its alerts; group_wait, group_interval,
repeat_interval, send_resolved, time intervals and inhibition at flush time; every channel's templates.

The flushes run the daemon's own path (`Store.flush_group` with `Pipeline.plan_flush`) on SQLite and
PostgreSQL; the messages are rendered by the real senders into real files.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from warnd.clock import FakeClock
from warnd.config import RuleSet, Settings, load_rules
from warnd.config.settings import FileChannelConfig, OutboxSettings
from warnd.deliver.filesink import FileSender
from warnd.deliver.outbox import Outbox
from warnd.deliver.slack import render_slack
from warnd.grouping import plan_flush
from warnd.pipeline import Pipeline
from warnd.store import Store, StoreThread
from warnd.types import (
    Alert,
    Casualty,
    CasualtyKind,
    DeliveryStatus,
    GroupSnapshot,
    Item,
    Member,
    Notification,
    Severity,
    Signals,
)

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)

RULES = """
rules:
  - id: killed
    kind: threshold
    severity: high
    match: {kind: killed, country: Syria}
    group_by: [region]
    window: 1h
    realert: 1h
    condition: {at_least: 10}
  - id: national
    kind: threshold
    severity: critical
    match: {kind: killed, country: Syria}
    group_by: [country]
    window: 1h
    condition: {at_least: 1000}
"""


class PresetSignals:
    def extract(self, item: Item) -> Signals:
        assert item.signals is not None
        return item.signals


def item(key: str, killed: int, region: str, at: datetime) -> Item:
    title = f"{killed} killed in {region}"
    return Item(feed="monitor", key=key, title=title, link=f"https://monitor.example.org/{key}", published_at=at,
                content_hash=hashlib.sha256(title.encode()).hexdigest(),
                signals=Signals(casualties=(Casualty(CasualtyKind.KILLED, killed),), region=region, country="Syria"))


@pytest.fixture
def rules(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return load_rules([path])


def make_pipeline(store: Store, rules: RuleSet, tmp_path: Path, **route: Any) -> Pipeline:
    settings = Settings.model_validate({
        "channels": {"desk": {"type": "file", "format": "eml", "dir": str(tmp_path / "mail")},
                     "hook": {"type": "file", "format": "json", "dir": str(tmp_path / "hook")}},
        "route": {"receiver": ["desk", "hook"], "group_by": ["rule"], "group_wait": "30s",
                  "group_interval": "5m", "repeat_interval": "4h", "send_resolved": True, **route.pop("root", {})},
        **route,
    })
    return Pipeline(store, PresetSignals(), settings, rules)


def fire(p: Pipeline, at: datetime, *items: Item) -> list[Alert]:
    for it in items:
        p.ingest(it.feed, [it], None, at)
    return p.evaluate(at)


def flush(p: Pipeline, at: datetime) -> list[str]:
    """The daemon's flush: every due group, each in its own transaction; returns what each sent."""
    out = []
    for group_id in p.store.due_groups(at):
        plan = functools.partial(p.plan_flush, now=at, sources=p.inhibit_sources(at))
        result = p.store.flush_group(group_id, at, plan)
        if result is not None and result.status is not None:
            out.append(f"{result.status}:{len(result.firing)}+{len(result.resolved)}")
    return out


def notifications(store: Store) -> list[Notification]:
    with store.engine.connect() as conn:
        ids = [i for (i,) in conn.execute(sa.text("SELECT id FROM notifications ORDER BY id"))]
    found = [store.notification(i) for i in ids]
    return [n for n in found if n is not None]


def test_a_burst_becomes_one_notification_after_group_wait(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path)
    fired = fire(p, T0, *[item(f"i{n}", 10 + n, region, T0) for n, region in enumerate(["Latakia", "Tartus", "Homs"])])
    assert len(fired) == 3
    assert store.deliveries() == []                       # a grouped route sends nothing as alerts fire
    assert flush(p, T0 + timedelta(seconds=10)) == []     # group_wait not over
    assert flush(p, T0 + timedelta(seconds=30)) == ["firing:3+0"]
    assert flush(p, T0 + timedelta(seconds=31)) == []     # and not again
    rows = store.deliveries()
    assert sorted(d.channel for d, _ in rows) == ["desk", "hook"] and all(d.status == DeliveryStatus.PENDING for d, _ in rows)
    (note,) = notifications(store)
    assert note.status == "firing" and note.group == (("rule", "killed"),) and note.route == "root"
    assert [a.label_dict["region"] for a in note.alerts] == ["Homs", "Tartus", "Latakia"]   # newest first


def test_group_interval_sends_what_changed_and_repeat_interval_reminds(store: Store, rules: RuleSet,
                                                                        tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, root={"repeat_interval": "10m"})
    fire(p, T0, item("a", 12, "Latakia", T0))
    assert flush(p, T0 + timedelta(seconds=30)) == ["firing:1+0"]
    fire(p, T0 + timedelta(minutes=1), item("b", 14, "Tartus", T0 + timedelta(minutes=1)))
    assert flush(p, T0 + timedelta(minutes=2)) == []                        # waits for group_interval
    assert flush(p, T0 + timedelta(minutes=5, seconds=30)) == ["firing:2+0"]
    # Nothing new: nothing at the next interval; a reminder once repeat_interval (10m) has passed.
    assert flush(p, T0 + timedelta(minutes=10, seconds=30)) == []
    assert flush(p, T0 + timedelta(minutes=15, seconds=30)) == ["firing:2+0"]
    assert flush(p, T0 + timedelta(minutes=20, seconds=30)) == []
    assert [len(n.alerts) for n in notifications(store)] == [1, 2, 2]


def test_send_resolved_when_the_window_passes(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path)
    fire(p, T0, item("a", 12, "Latakia", T0), item("b", 13, "Tartus", T0))
    assert flush(p, T0 + timedelta(seconds=30)) == ["firing:2+0"]
    at = T0 + timedelta(seconds=30)
    while at < T0 + timedelta(hours=1):
        at += timedelta(minutes=5)
        flush(p, at)
    assert [n.status for n in notifications(store)][-1] == "resolved"
    assert [len(n.resolved) for n in notifications(store)] == [0, 2]
    (group,) = store.groups()
    assert group["members"] == 0 and group["flush_at"] is None
    # The same group fills again: a fresh group_wait, then a firing notification.
    later = at + timedelta(hours=2)
    fire(p, later, item("c", 40, "Latakia", later))
    assert flush(p, later + timedelta(seconds=29)) == []
    assert flush(p, later + timedelta(seconds=30)) == ["firing:1+0"]


def test_a_group_that_evaluations_keep_firing_is_not_resolved_at_its_window(store: Store, rules: RuleSet,
                                                                           tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, root={"repeat_interval": "24h"})
    fire(p, T0, item("a", 12, "Latakia", T0))
    assert flush(p, T0 + timedelta(seconds=30)) == ["firing:1+0"]
    later = T0 + timedelta(minutes=50)     # the same toll again: throttled (realert 1h), still firing
    assert fire(p, later, item("b", 12, "Latakia", later)) == []
    assert flush(p, T0 + timedelta(minutes=70)) == []                    # past the 1h window: holds
    assert flush(p, T0 + timedelta(minutes=115)) == ["resolved:0+1"]     # a window after that evaluation


def test_without_send_resolved_an_emptied_group_just_closes(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, root={"send_resolved": False})
    fire(p, T0, item("a", 12, "Latakia", T0))
    flush(p, T0 + timedelta(seconds=30))
    assert flush(p, T0 + timedelta(hours=2)) == []
    assert [n.status for n in notifications(store)] == ["firing"] and store.groups()[0]["flush_at"] is None


def test_group_by_splits_groups_and_routes_group_on_their_own(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, root={"group_by": ["region"], "routes": [
        {"matchers": ['region="Homs"'], "receiver": ["hook"], "group_wait": "0s"}]})
    fire(p, T0, item("a", 12, "Latakia", T0), item("b", 13, "Latakia", T0 + timedelta(seconds=1)),
         item("c", 15, "Homs", T0))
    assert flush(p, T0) == ["firing:1+0"]                           # Homs: its route's group_wait is 0
    assert flush(p, T0 + timedelta(seconds=30)) == ["firing:1+0"]   # Latakia: one alert group (rule+region)
    assert sorted(g["route"] for g in store.groups()) == ["root", "root.0"]


def test_a_muted_route_sends_nothing_until_its_window_ends(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, root={"mute_time_intervals": ["midday"]}, time_intervals=[
        {"name": "midday", "time_intervals": [{"times": [{"start_time": "11:00", "end_time": "12:10"}]}]}])
    fire(p, T0, item("a", 12, "Latakia", T0))
    assert flush(p, T0 + timedelta(seconds=30)) == []
    assert store.groups()[0]["last_note"] == "muted: mute time interval 'midday'"
    assert flush(p, T0 + timedelta(minutes=5, seconds=30)) == []
    assert flush(p, T0 + timedelta(minutes=10, seconds=30)) == ["firing:1+0"]   # the first flush after it


def test_a_source_firing_by_flush_time_inhibits_a_member(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, root={"group_by": ["country"]}, inhibit=[
        {"name": "national covers regions", "source_matchers": ['rule="national"'],
         "target_matchers": ['rule="killed"'], "equal": ["country"]}])
    fire(p, T0, item("a", 1018, "Latakia", T0))
    (note_plan,) = flush(p, T0 + timedelta(seconds=30)) or [""]
    assert note_plan == "firing:1+0"
    (note,) = notifications(store)
    assert [a.rule for a in note.alerts] == ["national"]


def test_a_plan_lists_the_lead_first_and_filters_channels_by_severity() -> None:
    def alert(i: int, severity: Severity, minutes: int) -> Alert:
        return Alert(rule="r", dedup_key=f"k{i}", severity=severity, title="", labels=(("region", f"R{i}"),),
                     value=10, baseline=None, window=timedelta(hours=1), sources=1,
                     fired_at=T0 + timedelta(minutes=minutes), id=i)
    members = (Member("k1", alert(1, Severity.WARNING, 5), None, True),
               Member("k2", alert(2, Severity.HIGH, 1), None, True),
               Member("k3", alert(3, Severity.HIGH, 2), 3, False))
    group = GroupSnapshot(1, "g", "root", (), ("mail", "pager"), timedelta(minutes=5), timedelta(hours=4), True,
                          None, 0, members)
    plan = plan_flush(group, T0, min_severity={"pager": Severity.CRITICAL})
    assert [a.id for a in plan.firing] == [2, 1] and [a.id for a in plan.resolved] == [3]
    assert plan.channels == ("mail",) and plan.drop == ("k3",) and plan.notified == ("k1", "k2")


# ---- what the channels show ----------------------------------------------------------------------

def test_every_channel_lists_the_alerts_of_a_notification(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path)
    fire(p, T0, *[item(f"i{n}", 10 + n, region, T0) for n, region in enumerate(["Latakia", "Tartus", "Homs"])])
    flush(p, T0 + timedelta(seconds=30))
    clock = FakeClock(T0 + timedelta(seconds=31))
    senders = {name: FileSender(name, FileChannelConfig.model_validate({**cfg.model_dump(by_alias=True)}),
                                clock=clock, templates_dir=ROOT / "templates")
               for name, cfg in p.settings.channels.items()}
    db = StoreThread(store)
    try:
        report = asyncio.run(Outbox(db, senders, clock=clock, settings=OutboxSettings(), owner="t").drain())
    finally:
        db.shutdown()
    assert report.sent == 2
    (eml,) = (tmp_path / "mail").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert str(msg["Subject"]).startswith("[HIGH] Homs: 12 killed in one incident") and "and 2 more alerts" in str(msg["Subject"])
    assert str(msg["In-Reply-To"]).startswith("<warnd.group.")        # the group's notifications thread together
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "IN THIS NOTIFICATION: 3 alerts for rule=killed" in text and "Tartus: 11 killed in one incident" in text
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "IN THIS NOTIFICATION: 3 ALERTS" in html and "Latakia: 10 killed in one incident" in html
    (hook,) = (tmp_path / "hook").glob("*.json")
    body = json.loads(hook.read_text())
    assert body["alert"]["labels"]["region"] == "Homs"            # every existing field is still there
    assert body["notification"]["status"] == "firing" and body["notification"]["group"] == {"rule": "killed"}
    assert [a["labels"]["region"] for a in body["notification"]["alerts"]] == ["Homs", "Tartus", "Latakia"]
    (note,) = notifications(store)
    slack = render_slack(note.alerts[0], templates_dir=ROOT / "templates", notification=note)
    blob = json.dumps(slack)
    assert "3 alerts in this notification" in blob and "Tartus: 11 killed in one incident" in blob


def test_a_resolved_notification_says_so(store: Store, rules: RuleSet, tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path)
    fire(p, T0, item("a", 12, "Latakia", T0))
    flush(p, T0 + timedelta(seconds=30))
    flush(p, T0 + timedelta(hours=2))
    resolved = notifications(store)[-1]
    slack = render_slack(resolved.resolved[0], templates_dir=ROOT / "templates", notification=resolved)
    assert "RESOLVED" in json.dumps(slack, ensure_ascii=False)
    from warnd.deliver.email import render_email
    msg = render_email(resolved.resolved[0], channel="desk", config=p.settings.channels["desk"],  # type: ignore[arg-type]
                       templates_dir=ROOT / "templates", notification=resolved)
    assert str(msg["Subject"]).startswith("[RESOLVED] Latakia: 12 killed in one incident: no longer holding")


@pytest.mark.postgres
def test_two_instances_flushing_one_group_make_one_notification(pg_url: str, rules: RuleSet, tmp_path: Path) -> None:
    # The second flush runs while the first holds the group in its transaction: it skips the locked
    # row (None) instead of waiting and then notifying again.
    from concurrent.futures import ThreadPoolExecutor

    from warnd.store import open_store
    first, second = open_store(pg_url, migrate=True), open_store(pg_url)
    try:
        p = make_pipeline(first, rules, tmp_path)
        fire(p, T0, item("a", 12, "Latakia", T0))
        at = T0 + timedelta(seconds=30)
        (group_id,) = first.due_groups(at)
        other: list[object] = []

        def plan_while_the_other_tries(snapshot: GroupSnapshot):  # type: ignore[no-untyped-def]
            with ThreadPoolExecutor(1) as pool:
                other.append(pool.submit(second.flush_group, group_id, at,
                                         functools.partial(p.plan_flush, now=at, sources=p.inhibit_sources(at))).result(timeout=10))
            return p.plan_flush(snapshot, now=at, sources=p.inhibit_sources(at))
        result = first.flush_group(group_id, at, plan_while_the_other_tries)
        assert result is not None and result.status == "firing" and other == [None]
        assert second.flush_group(group_id, at, functools.partial(p.plan_flush, now=at, sources=p.inhibit_sources(at))) is None
        assert [n.seq for n in notifications(first)] == [1]
    finally:
        first.close()
        second.close()


def test_a_notification_no_channel_takes_is_recorded_without_outbox_rows(store: Store, rules: RuleSet,
                                                                         tmp_path: Path) -> None:
    p = make_pipeline(store, rules, tmp_path, channels={
        "desk": {"type": "file", "format": "eml", "dir": str(tmp_path / "mail"), "min_severity": "critical"},
        "hook": {"type": "file", "format": "json", "dir": str(tmp_path / "hook"), "min_severity": "critical"}})
    fire(p, T0, item("a", 12, "Latakia", T0))                       # high: below both channels' floor
    assert flush(p, T0 + timedelta(seconds=30)) == ["firing:1+0"]
    assert store.deliveries() == [] and [n.seq for n in notifications(store)] == [1]
