"""Crash injection: the real daemon is SIGKILLed at each step boundary, then restarted without the crash.

After the restart every expected alert reaches the SMTP server and the webhook receiver, none twice
except the one send the crash interrupted (at-least-once), every item the farm serves is stored, and
the database is consistent (every alert has its deliveries, none pending, no orphan observation).

The crash points are the daemon's own (`WARND_CRASH_AT`, warnd/crashpoints.py), plus one the test
makes itself: the SMTP server SIGKILLs the daemon while it is inside the DATA command.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.fixtures.httpserver import Response
from tests.reliability.conftest import (
    Database,
    FeedFarm,
    Mailbox,
    Warnd,
    WebhookReceiver,
    assert_consistent,
    killed_item,
    quiet_item,
    sqlite_integrity,
    wait_for,
    write_config,
)
from warnd import crashpoints

REGIONS = {"north": ["Latakia", "Tartus"], "south": ["Homs", "Aleppo"]}
EXPECTED_ALERTS = 4        # one per region, threshold "killed >= 10"
SMTP_DATA = "smtp_data"    # the crash the SMTP handler causes, not a daemon crash point

# (spec, may a send repeat?) — the spec is `point[:n]`: crash at the n-th reach of the point. The
# channels of one outbox batch are sent concurrently, so a crash anywhere in the send phase may catch the
# other channel between "receiver accepted" and "marked sent": that one send per channel may repeat.
POINTS = [
    pytest.param("before_fetch", False, id="before_fetch"),
    pytest.param("after_fetch:2", False, id="after_fetch-second-feed"),
    pytest.param("after_ingest_commit", False, id="after_ingest_commit"),
    pytest.param("before_alert_commit:2", False, id="before_alert_commit-second-alert"),
    pytest.param("after_alert_commit:3", False, id="after_alert_commit-third-alert"),
    pytest.param("between_rules", False, id="between_rules"),
    pytest.param("after_evaluate", False, id="after_evaluate"),
    pytest.param("after_claim", False, id="after_claim"),
    pytest.param("before_send:2", True, id="before_send-second"),
    pytest.param(SMTP_DATA, True, id="during_smtp_data"),
    pytest.param("after_send_before_mark:5", True, id="after_send_before_mark-fifth"),
    pytest.param("after_mark_sent:3", True, id="after_mark_sent-third"),
    pytest.param("after_release", False, id="after_release"),
]


def farm_feeds(farm: FeedFarm) -> dict[str, str]:
    for feed, regions in REGIONS.items():
        items = [killed_item(f"{feed}-{r.lower()}", r, 12 + i) for i, r in enumerate(regions)]
        items.append(quiet_item(f"{feed}-quiet", "Hama"))
        farm.set(feed, items)
    return {feed: farm.url(feed) for feed in REGIONS}


def kill_during_data(mailbox: Mailbox, warnd: Warnd) -> None:
    """On the first DATA, keep the message (it reached the server) and SIGKILL the daemon before the 250."""
    fired = []

    def on_data(msg: EmailMessage) -> str | None:
        if fired:
            return None
        fired.append(msg)
        mailbox.messages.append(msg)
        os.kill(warnd.pid, signal.SIGKILL)
        return "451 the client is gone"
    mailbox.on_data = on_data


def crash_then_recover(warnd: Warnd, spec: str, mailbox: Mailbox, hooks: WebhookReceiver, db: Database,
                       *, restart_ok: Callable[[], bool] | None = None) -> None:
    warnd.upgrade()
    if spec == SMTP_DATA:
        kill_during_data(mailbox, warnd)
        warnd.start()
    else:
        warnd.start(crash_at=spec)
    if spec.startswith("after_release"):
        # after_release is reached only on the SIGTERM drain: let the first run deliver, then stop it.
        wait_for(lambda: db.statuses().get("sent") == 2 * EXPECTED_ALERTS, 60, "first run delivers everything")
        warnd.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    rc = warnd.wait_exit(60)
    assert rc == -signal.SIGKILL, f"the crash at {spec} did not happen (exit {rc})\n{warnd.log_tail()}"
    mailbox.on_data = None

    warnd.start()
    warnd.wait_started()
    wait_for(lambda: (db.safe_scalar("SELECT count(*) FROM alerts") or 0) >= EXPECTED_ALERTS
             and db.statuses() == {"sent": 2 * EXPECTED_ALERTS}, 90,
             f"every delivery sent after the restart (crash at {spec})")
    assert warnd.stop() == 0, warnd.log_tail()


def assert_delivered(mailbox: Mailbox, hooks: WebhookReceiver, db: Database, *, may_repeat: bool) -> None:
    alert_ids = sorted(a for (a,) in db.rows("SELECT id FROM alerts"))
    assert len(alert_ids) == EXPECTED_ALERTS, alert_ids
    for name, got in (("email", Counter(mailbox.alert_ids())), ("webhook", Counter(hooks.alert_ids()))):
        assert sorted(got) == alert_ids, (name, got, alert_ids)
    # The two channels send concurrently, so a crash inside a send may catch one send in flight per channel.
    for name, got in (("email", mailbox.alert_ids()), ("webhook", hooks.alert_ids())):
        repeats = Counter(got) - Counter(alert_ids)
        assert sum(repeats.values()) <= (1 if may_repeat else 0), f"{name}: sent twice: {repeats}"


def assert_no_item_skipped(farm: FeedFarm, db: Database) -> None:
    stored = db.item_guids()
    for feed, guids in farm.guids().items():
        assert stored.get(feed, set()) == guids, (feed, stored.get(feed), guids)


# Reached only by grouped routes: test_sigkill_in_a_group_flush_sends_each_notification_once.
GROUP_POINTS = ["before_group_commit", "after_group_commit"]
GROUPED = "{receiver: [desk, partner], group_by: [rule], group_wait: 2s, group_interval: 2s, repeat_interval: 24h}"


def test_every_named_crash_point_is_exercised() -> None:
    """A crash point added to the daemon must be added here too, or this fails."""
    covered = {str(p.values[0]).split(":")[0] for p in POINTS} - {SMTP_DATA} | set(GROUP_POINTS)
    assert covered == set(crashpoints.POINTS)
    assert len({str(p.values[0]) for p in POINTS}) >= 10


@pytest.mark.parametrize("spec, may_repeat", [
    *POINTS, *(pytest.param(p, None, id=f"grouped-{p}") for p in GROUP_POINTS)])
def test_sigkill_at_a_step_boundary_loses_and_repeats_nothing(
        spec: str, may_repeat: bool | None, tmp_path: Path, farm: FeedFarm, mailbox: Mailbox,
        hooks: WebhookReceiver, make_warnd: Callable[..., Warnd]) -> None:
    """`may_repeat` None: a grouped route (the group flush points), where each notification arrives once."""
    db_path = tmp_path / "warnd.db"
    cfg = write_config(tmp_path, database=f"sqlite:///{db_path}", feeds=farm_feeds(farm), mailbox=mailbox,
                       hook_url=hooks.url, route=GROUPED if may_repeat is None else None)
    warnd = make_warnd(cfg)
    db = Database(f"sqlite:///{db_path}")
    try:
        if may_repeat is None:
            grouped_run(warnd, spec, db)
            assert_each_notification_once(mailbox, hooks, db)
        else:
            crash_then_recover(warnd, spec, mailbox, hooks, db)
            assert_delivered(mailbox, hooks, db, may_repeat=may_repeat)
        assert_no_item_skipped(farm, db)
        assert_consistent(db)
    finally:
        db.dispose()
    assert sqlite_integrity(db_path) == "ok"


@pytest.mark.postgres
@pytest.mark.parametrize("spec", ["after_send_before_mark:3"])
def test_sigkill_on_postgresql_loses_and_repeats_nothing(
        spec: str, pg_url: str, tmp_path: Path, farm: FeedFarm, mailbox: Mailbox, hooks: WebhookReceiver,
        make_warnd: Callable[..., Warnd]) -> None:
    # On PostgreSQL nobody clears a dead instance's leases: the restart waits for them to expire (4 s).
    cfg = write_config(tmp_path, database=pg_url, feeds=farm_feeds(farm), mailbox=mailbox, hook_url=hooks.url)
    warnd = make_warnd(cfg)
    db = Database(pg_url)
    try:
        crash_then_recover(warnd, spec, mailbox, hooks, db)
        assert_delivered(mailbox, hooks, db, may_repeat=spec.startswith("after_send_before_mark"))
        assert_no_item_skipped(farm, db)
        assert_consistent(db)
    finally:
        db.dispose()


def test_sigterm_during_a_send_finishes_and_marks_it(tmp_path: Path, farm: FeedFarm, hooks: WebhookReceiver,
                                                     make_warnd: Callable[..., Warnd]) -> None:
    farm.set("coast", [killed_item("coast-latakia", "Latakia", 12)])
    db_url = f"sqlite:///{tmp_path / 'warnd.db'}"
    cfg = write_config(tmp_path, database=db_url, feeds={"coast": farm.url("coast")}, hook_url=hooks.url)
    warnd = make_warnd(cfg)

    def answer(req):  # type: ignore[no-untyped-def]
        os.kill(warnd.pid, signal.SIGTERM)          # stop asked while the receiver is still answering
        return Response(200, b"ok", delay_s=1)
    hooks.answer = answer
    warnd.upgrade()
    warnd.start()
    assert warnd.wait_exit(30) == 0, warnd.log_tail()
    assert len(hooks.accepted) == 1
    db = Database(db_url)
    try:
        assert db.statuses() == {"sent": 1}, "the accepted send was not marked: the next start repeats it"
    finally:
        db.dispose()


def grouped_run(warnd: Warnd, spec: str, db: Database) -> None:
    """Crash at `spec`, restart, and wait until every alert was in a sent notification."""
    warnd.upgrade()
    warnd.start(crash_at=spec)
    rc = warnd.wait_exit(60)
    assert rc == -signal.SIGKILL, f"the crash at {spec} did not happen (exit {rc})\n{warnd.log_tail()}"
    warnd.start()
    warnd.wait_started()

    def done() -> bool:
        listed = {int(i) for (ids,) in db.rows("SELECT alert_ids FROM notifications")
                  for i in (json.loads(ids) if isinstance(ids, str) else ids)}
        alerts = {a for (a,) in db.rows("SELECT id FROM alerts")}
        return len(alerts) >= EXPECTED_ALERTS and listed >= alerts and db.statuses() == {
            "sent": 2 * len(db.rows("SELECT id FROM notifications"))}
    wait_for(lambda: db.safe_scalar("SELECT count(*) FROM notifications") is not None and done(), 90,
             f"every alert in a sent notification after the restart (crash at {spec})")
    assert warnd.stop() == 0, warnd.log_tail()


def assert_each_notification_once(mailbox: Mailbox, hooks: WebhookReceiver, db: Database) -> None:
    rows = db.rows("SELECT id, channel, notification FROM deliveries")
    assert rows and all(n for _i, _c, n in rows), "a grouped route sends only notifications"
    per_notification = Counter(n for _i, _c, n in rows)
    assert set(per_notification.values()) == {2}, per_notification        # one row per channel
    seqs = sorted(s for (s,) in db.rows("SELECT seq FROM notifications"))
    assert seqs == list(range(1, len(seqs) + 1)), seqs
    want = {ch: sorted(i for i, c, _n in rows if c == ch) for ch in ("desk", "partner")}
    got_mail = sorted(int(str(m["Message-ID"]).split(".")[2].split("@")[0]) for m in mailbox.messages)
    got_hook = sorted(int(json.loads(r.body)["delivery_id"]) for r in hooks.accepted)
    assert got_mail == want["desk"] and got_hook == want["partner"], (got_mail, got_hook, want)
    for r in hooks.accepted:
        body = json.loads(r.body)
        assert body["notification"]["alerts"][0]["id"] == body["alert"]["id"]


@pytest.mark.postgres
def test_sigkill_in_a_group_flush_on_postgresql(pg_url: str, tmp_path: Path, farm: FeedFarm, mailbox: Mailbox,
                                                hooks: WebhookReceiver, make_warnd: Callable[..., Warnd]) -> None:
    cfg = write_config(tmp_path, database=pg_url, feeds=farm_feeds(farm), mailbox=mailbox, hook_url=hooks.url,
                       route=GROUPED)
    warnd = make_warnd(cfg)
    db = Database(pg_url)
    try:
        grouped_run(warnd, "after_group_commit", db)
        assert_each_notification_once(mailbox, hooks, db)
        assert_consistent(db)
    finally:
        db.dispose()
