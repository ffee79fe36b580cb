"""The alertmanager channel against a real Alertmanager-API receiver on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fixtures.aioserver import AioReceiver
from tests.fixtures.deliver_alerts import FIRED_AT, delivery, hostile, latakia
from warnd.config import load_settings
from warnd.config.settings import AlertmanagerChannelConfig
from warnd.deliver.alertmanager import AlertmanagerSender, label_name
from warnd.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError
from warnd.types import Notification


def sender(url: str, http, clock, **kw) -> AlertmanagerSender:
    cfg = AlertmanagerChannelConfig.model_validate({"type": "alertmanager", "url": url, "timeout_s": 2, **kw})
    return AlertmanagerSender("prom", cfg, http=http, clock=clock, generator_url="https://warnd.example.org/")


async def test_an_alert_is_posted_in_the_api_v2_shape(aio_receiver: AioReceiver, aio_session, clock) -> None:
    clock.at = FIRED_AT + timedelta(minutes=1)
    await sender(aio_receiver.url, aio_session, clock, bearer_token="t0k").send(latakia(id=42), delivery(7))
    (req,) = aio_receiver.requests
    assert req.path == "/api/v2/alerts" and req.headers["Authorization"] == "Bearer t0k"
    (alert,) = json.loads(req.body)
    assert alert["labels"] == {"alertname": "coast-killed-jump", "severity": "critical", "region": "Latakia",
                               "country": "Syria", "source": "warnd"}
    assert alert["annotations"]["summary"] == "Latakia: 1,018 killed in 24h"
    assert alert["annotations"]["description"].startswith("1,018 killed reported in Latakia")
    assert alert["annotations"]["warnd_alert_id"] == "42"
    assert alert["startsAt"] == FIRED_AT.isoformat()
    assert alert["endsAt"] == (FIRED_AT + timedelta(hours=24)).isoformat()      # until its window closes
    assert alert["generatorURL"] == "https://warnd.example.org/"


async def test_a_notification_posts_its_alerts_and_resolves_the_gone_ones(aio_receiver: AioReceiver, aio_session,
                                                                          clock) -> None:
    clock.at = FIRED_AT + timedelta(hours=30)
    tartus = latakia(id=43, labels=(("region", "Tartus"), ("targeted group", "Alawite")))
    old = latakia(id=41)
    note = Notification(9, (("country", "Syria"),), "root.1", "firing", 2, (tartus,), (old,))
    await sender(aio_receiver.url + "/", aio_session, clock).send(tartus, replace(delivery(8), notification=note))
    posted = json.loads(aio_receiver.requests[0].body)
    assert [a["annotations"]["warnd_alert_id"] for a in posted] == ["43", "41"]
    assert posted[0]["labels"]["targeted_group"] == "Alawite"
    assert posted[0]["endsAt"] == clock.now().isoformat()       # window passed: ends now at the latest
    assert posted[1]["endsAt"] == clock.now().isoformat()       # resolved


async def test_hostile_text_stays_single_line(aio_receiver: AioReceiver, aio_session, clock) -> None:
    await sender(aio_receiver.url, aio_session, clock).send(hostile(), delivery())
    (alert,) = json.loads(aio_receiver.requests[0].body)
    assert all("\n" not in v and "\r" not in v for v in alert["labels"].values())
    assert "\r" not in alert["annotations"]["summary"]


@pytest.mark.parametrize("status, error", [(500, TransientDeliveryError), (429, TransientDeliveryError),
                                           (400, PermanentDeliveryError)])
async def test_statuses(aio_receiver: AioReceiver, aio_session, clock, status: int, error: type) -> None:
    aio_receiver.statuses = [status]
    with pytest.raises(error):
        await sender(aio_receiver.url, aio_session, clock).send(latakia(), delivery())


async def test_an_unreachable_alertmanager_is_transient(aio_session, clock) -> None:
    with pytest.raises(TransientDeliveryError, match="could not reach Alertmanager"):
        await sender("http://127.0.0.1:9", aio_session, clock).send(latakia(), delivery())


@pytest.mark.parametrize("name, expected", [("region", "region"), ("targeted group", "targeted_group"),
                                            ("1st", "_1st"), ("", "_")])
def test_label_names(name: str, expected: str) -> None:
    assert label_name(name) == expected


def test_config_takes_the_token_from_a_file_and_refuses_a_bad_url(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret\n")
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(f"base_dir: {tmp_path}\nchannels:\n  prom: {{type: alertmanager, url: 'http://127.0.0.1:9093', "
                   "bearer_token_file: token}\n")
    channel = load_settings(cfg, env={}).channels["prom"]
    assert isinstance(channel, AlertmanagerChannelConfig) and channel.bearer_token is not None
    assert channel.bearer_token.get_secret_value() == "s3cret" and "s3cret" not in repr(channel)
    cfg.write_text("channels:\n  prom: {type: alertmanager, url: 'alertmanager:9093'}\n")
    with pytest.raises(ConfigError, match="2:9: channels.prom: .*must start with http"):
        load_settings(cfg, env={})
