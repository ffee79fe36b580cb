"""The outbox worker against a real store and a real signed-webhook receiver on 127.0.0.1:
retries with backoff, Retry-After, dead letters, creation order, and a missing channel."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from tests.fixtures.httpserver import LocalHTTPServer, Response
from warnd.clock import FakeClock
from warnd.config.settings import OutboxSettings, WebhookChannelConfig
from warnd.deliver import WebhookSender
from warnd.deliver.outbox import Outbox, backoff
from warnd.store import Store, StoreThread
from warnd.types import Alert, DeliveryStatus, Severity

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)
SETTINGS = OutboxSettings(max_attempts=3, backoff_base=timedelta(seconds=30), backoff_max=timedelta(hours=1))


def alert(n: int) -> Alert:
    return Alert(rule="r", dedup_key=f"r|region=R{n}", severity=Severity.HIGH, title="", labels=(("region", f"R{n}"),),
                 value=100 + n, baseline=0, window=timedelta(hours=24), sources=1, fired_at=T0, kind="threshold",
                 metric="killed")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
async def outbox(store: Store, clock: FakeClock, http_server: LocalHTTPServer) -> AsyncIterator[Outbox]:
    async with aiohttp.ClientSession() as http:
        config = WebhookChannelConfig.model_validate({"type": "webhook", "url": http_server.url("/hook"),
                                                      "secret": "s3cret"})
        sender = WebhookSender("hook", config, http=http, clock=clock)
        db = StoreThread(store)
        yield Outbox(db, {"hook": sender}, clock=clock, settings=SETTINGS, owner="test", rng=random.Random(7),
                     send_timeout_s=5)
        db.shutdown()


def statuses(store: Store) -> dict[int, tuple[str, int]]:
    return {a.id or 0: (str(d.status), d.attempts) for d, a in store.deliveries()}


async def test_sends_each_delivery_once_in_creation_order(store: Store, outbox: Outbox,
                                                          http_server: LocalHTTPServer) -> None:
    http_server.route("/hook", Response(200, b"ok"))
    ids = [store.record_alert(alert(n), ["hook"], T0) for n in range(3)]
    report = await outbox.drain()
    assert (report.sent, report.retried, report.dead) == (3, 0, 0)
    bodies = [json.loads(r.body)["alert"]["id"] for r in http_server.requests]
    assert bodies == ids
    assert (await outbox.drain()).claimed == 0        # nothing is sent twice


async def test_transient_failure_backs_off_and_keeps_later_alerts_behind(
        store: Store, outbox: Outbox, clock: FakeClock, http_server: LocalHTTPServer) -> None:
    answers = iter([Response(503, b"busy"), Response(200, b"ok"), Response(200, b"ok")])
    http_server.route("/hook", lambda _r: next(answers))
    first, second = (store.record_alert(alert(n), ["hook"], T0) for n in range(2))
    report = await outbox.drain()
    assert (report.sent, report.retried) == (0, 1)
    assert len(http_server.requests) == 1               # the second alert did not overtake the first
    assert statuses(store)[first] == ("pending", 1)
    assert (await outbox.drain()).claimed == 0          # neither is due: the first backs off, the second waits
    clock.advance(minutes=1)
    report = await outbox.drain()
    assert report.sent == 2
    assert [json.loads(r.body)["alert"]["id"] for r in http_server.requests[1:]] == [first, second]


async def test_retry_after_is_honoured(store: Store, outbox: Outbox, clock: FakeClock,
                                       http_server: LocalHTTPServer) -> None:
    answers = iter([Response(429, b"slow down", {"Retry-After": "600"}), Response(200, b"ok")])
    http_server.route("/hook", lambda _r: next(answers))
    store.record_alert(alert(1), ["hook"], T0)
    await outbox.drain()
    clock.advance(minutes=5)
    # backoff alone (~30 s) would be over, Retry-After (600 s) is not
    assert (await outbox.drain()).claimed == 0
    clock.advance(minutes=6)
    assert (await outbox.drain()).sent == 1


async def test_permanent_error_goes_straight_to_dead_letters_and_can_be_retried(
        store: Store, outbox: Outbox, clock: FakeClock, http_server: LocalHTTPServer) -> None:
    http_server.route("/hook", Response(400, b"bad request"))
    alert_id = store.record_alert(alert(1), ["hook"], T0)
    report = await outbox.drain()
    assert report.dead == 1
    (dead, _), = store.deliveries(status=DeliveryStatus.DEAD)
    assert dead.alert_id == alert_id and "400" in (dead.last_error or "")
    http_server.route("/hook", Response(200, b"ok"))
    assert store.retry_deliveries(clock.now(), all_dead=True) == 1
    assert (await outbox.drain()).sent == 1


async def test_exhausted_retries_become_a_dead_letter(store: Store, outbox: Outbox, clock: FakeClock,
                                                      http_server: LocalHTTPServer) -> None:
    http_server.route("/hook", Response(500, b"down"))
    alert_id = store.record_alert(alert(1), ["hook"], T0)
    for _ in range(SETTINGS.max_attempts):
        await outbox.drain()
        clock.advance(hours=2)
    assert statuses(store)[alert_id] == ("dead", SETTINGS.max_attempts)
    assert len(http_server.requests) == SETTINGS.max_attempts


async def test_a_channel_removed_from_config_dead_letters_its_rows(store: Store, outbox: Outbox) -> None:
    alert_id = store.record_alert(alert(1), ["gone"], T0)
    assert (await outbox.drain()).dead == 1
    (dead, _), = store.deliveries(status=DeliveryStatus.DEAD)
    assert dead.alert_id == alert_id and "not configured" in (dead.last_error or "")


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    base, cap = timedelta(seconds=30), timedelta(minutes=10)
    waits = [backoff(n, base=base, cap=cap, rng=rng).total_seconds() for n in range(1, 8)]
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60 and 60 <= waits[2] <= 120
    assert all(300 <= w <= 600 for w in waits[5:])


