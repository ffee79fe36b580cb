"""Webhook channel against real HTTP receivers on 127.0.0.1: signature, replay, statuses, hangs."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime

import aiohttp
import pytest
from aiohttp import web

from tests.fixtures.deliver_alerts import delivery, hostile, latakia
from tests.fixtures.httpserver import Response
from warnd.config.settings import WebhookChannelConfig
from warnd.deliver.webhook import WebhookSender, render_webhook, sign_webhook, verify_webhook
from warnd.errors import PermanentDeliveryError, TransientDeliveryError

SECRET = "whsec-test-0123456789"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def webhook(url: str, http, clock, **kw) -> WebhookSender:
    cfg = WebhookChannelConfig.model_validate({"type": "webhook", "url": url, "secret": SECRET, "timeout_s": 2, **kw})
    return WebhookSender("partner-hook", cfg, http=http, clock=clock)


class Receiver:
    """What a partner runs: verify the HMAC, refuse stale timestamps and replayed signatures."""

    def __init__(self, clock, tolerance_s: int = 300) -> None:
        self.clock = clock
        self.tolerance_s = tolerance_s
        self.seen: set[str] = set()
        self.accepted: list[dict] = []
        self.statuses: list[int] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ts = request.headers.get("X-Warnd-Timestamp", "")
        sig = request.headers.get("X-Warnd-Signature", "")
        status = self._check(body, ts, sig)
        self.statuses.append(status)
        if status == 200:
            self.accepted.append(json.loads(body))
        return web.Response(status=status, text={200: "ok", 401: "bad signature", 409: "replay"}[status])

    def _check(self, body: bytes, ts: str, sig: str) -> int:
        # Written out here rather than calling verify_webhook: the test must not trust the code it tests.
        if not ts.isdigit() or abs(self.clock.now().timestamp() - int(ts)) > self.tolerance_s:
            return 401
        expected = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            return 401
        if sig in self.seen:
            return 409
        self.seen.add(sig)
        return 200


@pytest.fixture
async def receiver(clock) -> AsyncIterator[tuple[Receiver, str]]:
    rec = Receiver(clock)
    app = web.Application()
    app.router.add_post("/hooks/warnd", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield rec, f"http://127.0.0.1:{port}/hooks/warnd"
    await runner.cleanup()


async def test_signed_body_is_verified_and_accepted(receiver, http, clock):
    rec, url = receiver
    await webhook(url, http, clock).send(latakia(), delivery(7))
    assert rec.statuses == [200]
    body = rec.accepted[0]
    assert body["schema_version"] == 1 and body["type"] == "alert" and body["delivery_id"] == 7
    assert body["alert"]["severity"] == "critical" and body["alert"]["value"] == 1018
    assert body["alert"]["window"] == "24h" and body["alert"]["window_s"] == 86400
    assert body["alert"]["labels"] == {"region": "Latakia", "country": "Syria"}
    assert body["alert"]["evidence"][0]["link"] == "https://monitor-a.example.org/reports/1018"


async def test_replayed_request_is_rejected(receiver, http, clock):
    rec, url = receiver
    s = webhook(url, http, clock)
    body, headers = s.request(latakia(), delivery(7))
    async with http.post(url, data=body, headers=headers) as r:
        assert r.status == 200
    async with http.post(url, data=body, headers=headers) as r:   # an attacker replays what it captured
        assert r.status == 409


async def test_tampered_body_is_rejected(receiver, http, clock):
    rec, url = receiver
    body, headers = webhook(url, http, clock).request(latakia(), delivery(7))
    tampered = body.replace(b'"critical"', b'"info"')
    async with http.post(url, data=tampered, headers=headers) as r:
        assert r.status == 401


async def test_stale_timestamp_is_rejected_and_permanent(receiver, http, clock):
    rec, url = receiver
    from warnd.clock import FakeClock
    old = FakeClock(clock.now() - timedelta(hours=1))
    with pytest.raises(PermanentDeliveryError, match="HTTP 401"):
        await webhook(url, http, old).send(latakia(), delivery(7))


def test_sign_and_verify_round_trip():
    body = render_webhook(latakia(), delivery_id=1)
    sig = sign_webhook(body, secret=b"k", timestamp=1_700_000_000)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify_webhook(body, secret=b"k", timestamp="1700000000", signature=sig, now_s=1_700_000_100)
    assert not verify_webhook(body, secret=b"k", timestamp="1700000000", signature=sig, now_s=1_700_000_400)
    assert not verify_webhook(body + b" ", secret=b"k", timestamp="1700000000", signature=sig, now_s=1_700_000_000)
    assert not verify_webhook(body, secret=b"other", timestamp="1700000000", signature=sig, now_s=1_700_000_000)


def test_body_is_identical_for_every_resend():
    assert render_webhook(latakia(), delivery_id=5) == render_webhook(latakia(), delivery_id=5)


def test_hostile_text_is_cleaned_in_the_body():
    body = json.loads(render_webhook(hostile(), delivery_id=5))
    alert = body["alert"]
    assert "\r" not in alert["title"] and "\n" not in alert["title"]
    assert all("\u202e" not in e["title"] for e in alert["evidence"])
    assert {e["link"] for e in alert["evidence"]} <= {None, "https://example.org/long", "https://warnd.example.org/ok/4",
                                                      "https://warnd.example.org/ok/5?a=1&b=<2>|x",
                                                      "https://arabic.example.org/news/77"}
    assert max(len(e["title"]) for e in alert["evidence"]) <= 1000
    assert "\r" not in alert["labels"]["region"]


STATUSES = [
    pytest.param(Response(429, b"slow down", {"Retry-After": "30"}), TransientDeliveryError, 30.0, id="429-retry-after"),
    pytest.param(Response(503, b"", {"Retry-After": "Sat, 08 Mar 2025 12:02:00 GMT"}), TransientDeliveryError, 120.0,
                 id="503-retry-after-date"),
    pytest.param(Response(500, b"boom"), TransientDeliveryError, None, id="500"),
    pytest.param(Response(408, b""), TransientDeliveryError, None, id="408"),
    pytest.param(Response(400, b"bad payload"), PermanentDeliveryError, None, id="400"),
    pytest.param(Response(410, b"gone"), PermanentDeliveryError, None, id="410"),
    pytest.param(Response(301, b"", {"Location": "http://127.0.0.1:9/elsewhere"}), PermanentDeliveryError, None,
                 id="301-not-followed"),
]


@pytest.mark.parametrize("response, error, retry_after", STATUSES)
async def test_status_classification(http_server, http, clock, response, error, retry_after):
    http_server.route("/hook/secret-path-token", response)
    with pytest.raises(error) as info:
        await webhook(http_server.url("/hook/secret-path-token"), http, clock).send(latakia(), delivery(7))
    assert f"HTTP {response.status}" in str(info.value)
    assert "secret-path-token" not in str(info.value), "the URL path is redacted"
    if error is TransientDeliveryError:
        assert info.value.retry_after_s == retry_after


async def test_hanging_receiver_times_out(http_server, http, clock):
    http_server.route("/hook", Response(200, b"ok", delay_s=3))
    s = webhook(http_server.url("/hook"), http, clock, timeout_s=0.2)
    with pytest.raises(TransientDeliveryError, match="did not answer within 0.2s"):
        await s.send(latakia(), delivery(7))


async def test_connection_refused_is_transient(http, clock):
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(TransientDeliveryError, match="could not reach"):
        await webhook(f"http://127.0.0.1:{port}/hook", http, clock).send(latakia(), delivery(7))


async def test_headers_carry_idempotency_and_operator_headers(http_server, http, clock):
    http_server.route("/hook", Response(204))
    s = webhook(http_server.url("/hook"), http, clock, headers={"Authorization": "Bearer t0k"})
    await s.send(latakia(), delivery(7))
    h = http_server.requests[0].headers
    assert h["x-warnd-delivery"] == "7" and h["idempotency-key"] == "warnd-delivery-7"
    assert h["authorization"] == "Bearer t0k"
    assert h["x-warnd-timestamp"] == str(int(clock.now().timestamp()))
    assert h["content-type"].startswith("application/json")


def test_config_requires_a_secret():
    with pytest.raises(ValueError, match="secret"):
        WebhookChannelConfig.model_validate({"type": "webhook", "url": "http://127.0.0.1/x"})


def test_retry_after_http_date_uses_the_injected_clock(clock):
    # The one parser (tests/test_retry_after.py), with the deliveries' cap.
    from warnd.deliver.http import RETRY_AFTER_MAX_S
    from warnd.retry_after import parse_retry_after
    assert parse_retry_after(format_datetime(clock.now() + timedelta(seconds=90), usegmt=True), now=clock.now(),
                             cap_s=RETRY_AFTER_MAX_S) == 90
    assert parse_retry_after("999999", now=clock.now(), cap_s=RETRY_AFTER_MAX_S) == 6 * 3600


@pytest.mark.parametrize("secret, key", [
    pytest.param("whsec_" + __import__("base64").b64encode(b"standard-key-bytes").decode(), b"standard-key-bytes",
                 id="whsec-secret"),
    pytest.param(SECRET, SECRET.encode(), id="plain-secret"),
])
def test_standard_webhooks_headers_beside_the_warnd_signature(clock, secret: str, key: bytes) -> None:
    import base64
    cfg = WebhookChannelConfig.model_validate({"type": "webhook", "url": "http://127.0.0.1:9/", "secret": secret,
                                               "standard_webhooks": True})
    body, headers = WebhookSender("partner", cfg, http=None, clock=clock).request(latakia(), delivery(7))
    # Verified as the Standard Webhooks spec says, written out here: HMAC-SHA256 over "id.timestamp.body".
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == expected
    assert ts == headers["X-Warnd-Timestamp"] and headers["X-Warnd-Signature"].startswith("sha256=")
    _, again = WebhookSender("partner", cfg, http=None, clock=clock).request(latakia(), delivery(7))
    assert again["webhook-id"] == msg_id == "msg_warnd_7"          # a re-send is the same message
    plain = WebhookSender("partner", WebhookChannelConfig.model_validate(
        {"type": "webhook", "url": "http://127.0.0.1:9/", "secret": secret}), http=None, clock=clock)
    assert "webhook-signature" not in plain.request(latakia(), delivery(7))[1]
