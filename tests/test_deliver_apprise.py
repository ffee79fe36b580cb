"""The apprise channel against real json:// and form:// targets on 127.0.0.1, through the outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fixtures.aioserver import AioReceiver
from tests.fixtures.deliver_alerts import delivery, latakia
from warnd.config import load_settings
from warnd.config.settings import AppriseChannelConfig, OutboxSettings
from warnd.deliver.apprise_channel import AppriseSender
from warnd.deliver.outbox import Outbox
from warnd.errors import ConfigError, TransientDeliveryError
from warnd.store import Store, StoreThread
from warnd.types import DeliveryStatus, Notification

ROOT = Path(__file__).resolve().parent.parent


def sender(url: str, **kw) -> AppriseSender:
    cfg = AppriseChannelConfig.model_validate({"type": "apprise", "url": url, "timeout_s": 5, **kw})
    return AppriseSender("desk-chat", cfg, templates_dir=ROOT / "templates")


def target(rec: AioReceiver, scheme: str, path: str = "/notify") -> str:
    return rec.url.replace("http", scheme, 1) + path


async def test_json_target_gets_title_and_body(aio_receiver: AioReceiver) -> None:
    await sender(target(aio_receiver, "json")).send(latakia(id=42), delivery(7))
    (req,) = aio_receiver.requests
    body = json.loads(req.body)
    assert req.path == "/notify"
    assert body["title"] == "[CRITICAL] Latakia: 1,018 killed in 24h"
    assert body["message"].startswith("1,018 killed reported in Latakia within 24h, by 2 sources")
    assert "https://monitor-a.example.org/reports/1018" in body["message"]


async def test_form_target_and_a_notification_lists_its_alerts(aio_receiver: AioReceiver) -> None:
    tartus = latakia(id=43, labels=(("region", "Tartus"),))
    note = Notification(3, (("country", "Syria"),), "root", "firing", 1, (tartus, latakia(id=42)))
    await sender(target(aio_receiver, "form")).send(tartus, replace(delivery(8), notification=note))
    form = aio_receiver.requests[0].form
    assert form["title"] == "[CRITICAL] Tartus: 1,018 killed in 24h and 1 more"
    assert "2 alerts:" in form["message"] and "- [CRITICAL] Latakia: 1,018 killed in 24h" in form["message"]


async def test_a_refused_notification_is_transient_and_names_no_secret(aio_receiver: AioReceiver) -> None:
    aio_receiver.statuses = [500]
    with pytest.raises(TransientDeliveryError) as info:
        await sender(target(aio_receiver, "json", "/tok3n-path")).send(latakia(), delivery())
    assert "JSON" in str(info.value) and "tok3n" not in str(info.value)


def test_an_unknown_apprise_url_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="not an apprise URL"):
        sender("nosuchservice://x")


@pytest.mark.parametrize("where", ["env", "file"])
def test_the_url_comes_from_the_environment_or_a_file(tmp_path: Path, where: str) -> None:
    (tmp_path / "chat-url").write_text("tgram://123456789:abcdefg_hijklmnop/-100123\n")
    key = "url_env: WARND_CHAT_URL" if where == "env" else "url_file: chat-url"
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(f"base_dir: {tmp_path}\nchannels:\n  chat: {{type: apprise, {key}, format: markdown}}\n")
    channel = load_settings(cfg, env={"WARND_CHAT_URL": "tgram://123456789:abcdefg_hijklmnop/-100123"}).channels["chat"]
    assert isinstance(channel, AppriseChannelConfig) and channel.url is not None
    assert channel.url.get_secret_value().startswith("tgram://") and "abcdefg" not in repr(channel)
    cfg.write_text("channels:\n  chat: {type: apprise}\n")
    with pytest.raises(ConfigError, match="exactly one of 'url', 'url_env' or 'url_file'"):
        load_settings(cfg, env={})


async def test_through_the_outbox_a_failure_is_retried_then_sent(aio_receiver: AioReceiver, store: Store,
                                                                 clock) -> None:
    alert = replace(latakia(), fired_at=clock.now())
    store.record_alert(alert, ["chat"], clock.now())
    aio_receiver.statuses = [503]
    db = StoreThread(store)
    outbox = Outbox(db, {"chat": sender(target(aio_receiver, "json"))}, clock=clock,
                    settings=OutboxSettings(backoff_base=timedelta(seconds=1)), owner="t")
    try:
        first = await outbox.drain()
        assert (first.sent, first.retried) == (0, 1)
        clock.advance(seconds=5)
        second = await outbox.drain()
        assert second.sent == 1
    finally:
        db.shutdown()
    (d, _a), = store.deliveries()
    assert d.status == DeliveryStatus.SENT and d.attempts == 2 and len(aio_receiver.requests) == 2
