"""The webhook channel: a versioned JSON body, signed with HMAC-SHA256 over the timestamp and the body.

Headers: `X-Warnd-Timestamp: <unix seconds>`, `X-Warnd-Signature: sha256=<hex>` where the MAC is over
`<timestamp>.<body>` with the channel's secret, `X-Warnd-Delivery: <delivery id>` (also sent as
`Idempotency-Key`). Receivers recompute the MAC, compare in constant time, and refuse timestamps more
than 5 minutes away and signatures they have already seen (replays). See docs/delivery.md.

The body is built in Python from pydantic models, not from a template: it is a contract with other
programs, so its shape is fixed by `schema_version`, not by an operator's template edit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict

from warnd.clock import Clock, utc
from warnd.config.settings import CapSettings, Settings, WebhookChannelConfig
from warnd.deliver.cap import CAP_CONTENT_TYPE, render_cap
from warnd.deliver.http import post
from warnd.deliver.render import alert_context, format_window
from warnd.deliver.sanitize import clean_line, safe_url
from warnd.deliver.tally_text import tally_json
from warnd.errors import ConfigError
from warnd.types import Alert, Delivery, Notification

log = logging.getLogger(__name__)

SCHEMA_VERSION: Literal[1] = 1
TITLE_MAX = 1000
EVIDENCE_MAX = 50
SIGNATURE_TOLERANCE_S = 300


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidencePayload(_Out):
    title: str
    feed: str
    link: str | None                # only http(s) links; anything else is null
    published_at: datetime
    value: int | None


class TollPayload(_Out):
    kind: str
    scope: str
    since: date | None
    source: str
    value: int


class SeriesPointPayload(_Out):
    at: datetime
    value: int
    source: str
    feed: str
    conflicting: bool


class IncidentPayload(_Out):
    at: datetime
    kind: str
    place: str
    count: int
    counts: list[int]
    sources: list[str]
    within_toll: bool


class AlertPayload(_Out):
    id: int | None
    rule: str
    dedup_key: str
    severity: Literal["info", "warning", "high", "critical"]
    kind: str
    metric: str
    title: str                      # the rule's title, or warnd's default headline
    headline: str                   # always warnd's "Place: figure in window"
    summary: str                    # one sentence
    value: float
    baseline: float | None
    previous_value: float | None
    escalation: bool
    window: str                     # "24h"
    window_s: int
    sources: int
    fired_at: datetime
    first_report_at: datetime | None
    last_report_at: datetime | None
    labels: dict[str, str]
    annotations: dict[str, str]
    evidence: list[EvidencePayload]
    evidence_total: int
    # What the value counts (docs/delivery.md#what-the-number-counts); null / empty for other rules.
    measure: Literal["new", "total"] | None = None
    previous: int | None = None         # the main running toll's level before the window
    increment: int | None = None        # its rise in the window (its whole value when first reported)
    toll: TollPayload | None = None
    series: list[SeriesPointPayload] = []
    incidents: list[IncidentPayload] = []


class NotificationPayload(_Out):
    """A grouped route's notification: every alert of the group that holds (`alerts`, the body's
    `alert` first) and, with send_resolved, those that stopped holding (`resolved`)."""

    id: int
    status: Literal["firing", "resolved"]
    seq: int
    route: str
    group: dict[str, str]
    alerts: list[AlertPayload]
    resolved: list[AlertPayload]


class WebhookPayload(_Out):
    """Version 1 of the webhook body. Fields are only added within a version, never renamed or removed."""

    schema_version: Literal[1] = SCHEMA_VERSION
    type: Literal["alert"] = "alert"
    delivery_id: int | None
    channel: str
    alert: AlertPayload
    silence_command: str
    notification: NotificationPayload | None = None


def webhook_payload(alert: Alert, *, channel: str = "", delivery_id: int | None = None,
                    notification: Notification | None = None) -> WebhookPayload:
    ctx = alert_context(alert, channel=channel)
    note = None
    if notification is not None:
        note = NotificationPayload(
            id=notification.id, status=notification.status,
            seq=notification.seq, route=clean_line(notification.route, limit=200),
            group={clean_line(k, limit=40): clean_line(v, limit=120) for k, v in notification.group},
            alerts=[alert_payload(a, alert_context(a, channel=channel)) for a in notification.alerts],
            resolved=[alert_payload(a, alert_context(a, channel=channel)) for a in notification.resolved])
    return WebhookPayload(
        delivery_id=delivery_id,
        channel=channel,
        silence_command=ctx["silence"],
        notification=note,
        alert=alert_payload(alert, ctx),
    )


def alert_payload(alert: Alert, ctx: dict[str, Any]) -> AlertPayload:
    return AlertPayload(
        id=alert.id, rule=alert.rule, dedup_key=clean_line(alert.dedup_key, limit=500),
        severity=alert.severity.value, kind=alert.kind, metric=ctx["metric"],
        title=clean_line(alert.title, limit=TITLE_MAX) or ctx["headline"], headline=ctx["headline"],
        summary=ctx["sentence"], value=alert.value, baseline=alert.baseline,
        previous_value=alert.previous_value, escalation=alert.escalation,
        window=format_window(alert.window), window_s=int(alert.window.total_seconds()),
        sources=alert.sources, fired_at=utc(alert.fired_at),
        first_report_at=ctx["first_report_at"], last_report_at=ctx["last_report_at"],
        labels=dict(ctx["labels"]), annotations=dict(ctx["annotations"]),
        evidence=[
            EvidencePayload(title=clean_line(e.title, limit=TITLE_MAX), feed=clean_line(e.feed, limit=200),
                            link=safe_url(e.link), published_at=utc(e.published_at), value=e.value)
            for e in alert.evidence[:EVIDENCE_MAX]
        ],
        evidence_total=len(alert.evidence),
        **tally_json(alert),
    )


def render_webhook(alert: Alert, *, channel: str = "", delivery_id: int | None = None,
                   notification: Notification | None = None) -> bytes:
    """The JSON body (UTF-8), identical for every re-send of one delivery."""
    payload = webhook_payload(alert, channel=channel, delivery_id=delivery_id, notification=notification)
    # A single alert's body is what it was before grouping existed: no `notification` key at all.
    return payload.model_dump_json(exclude=None if notification else {"notification"}).encode()


def sign_webhook(body: bytes, *, secret: bytes, timestamp: int) -> str:
    """`sha256=<hex HMAC-SHA256 of b"<timestamp>." + body>`."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def standard_webhook_key(secret: bytes) -> bytes:
    """The HMAC key of a Standard Webhooks secret: `whsec_<base64>` decoded, any other secret as it is."""
    text = secret.decode("utf-8", "replace")
    if text.startswith("whsec_"):
        try:
            return base64.b64decode(text.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            return secret
    return secret


def sign_standard_webhook(body: bytes, *, key: bytes, msg_id: str, timestamp: int) -> str:
    """`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (the Standard Webhooks signature scheme)."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verify_webhook(body: bytes, *, secret: bytes, timestamp: str, signature: str, now_s: float,
                   tolerance_s: float = SIGNATURE_TOLERANCE_S) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature (constant-time compare).

    Replay protection beyond the time window is the receiver's: remember signatures seen in the window.
    """
    if not timestamp.isdigit() or abs(now_s - int(timestamp)) > tolerance_s:
        return False
    expected = sign_webhook(body, secret=secret, timestamp=int(timestamp))
    return hmac.compare_digest(expected, signature)


class WebhookSender:
    """POSTs signed alert bodies to one receiver."""

    @classmethod
    def from_config(cls, name: str, config: WebhookChannelConfig, *, settings: Settings, http: aiohttp.ClientSession,
                    clock: Clock, templates_dir: Path) -> WebhookSender:
        return cls(name, config, http=http, clock=clock, user_agent=settings.fetch.user_agent, cap=settings.cap,
                   public_url=settings.public_url)

    def __init__(self, name: str, config: WebhookChannelConfig, *, http: aiohttp.ClientSession, clock: Clock,
                 user_agent: str = "warnd", cap: CapSettings | None = None, public_url: str | None = None) -> None:
        if config.url is None:
            raise ConfigError.at(f"channels.{name}", f"channels.{name}: url_env {config.url_env} was not resolved")
        if config.secret is None:
            raise ConfigError.at(f"channels.{name}",
                                 f"channels.{name}: secret_env {config.secret_env} was not resolved")
        self.name = name
        self.config = config
        self.http = http
        self.clock = clock
        self._url = config.url
        self._secret = config.secret.get_secret_value().encode()
        self._user_agent = user_agent
        self._cap = cap or CapSettings()
        self._public_url = public_url

    def request(self, alert: Alert, delivery: Delivery) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one POST (signed now)."""
        if self.config.body == "cap":
            body = render_cap(alert, self._cap, public_url=self._public_url, notification=delivery.notification,
                              now=self.clock.now())
            content_type = f"{CAP_CONTENT_TYPE}; charset=utf-8"
        else:
            body = render_webhook(alert, channel=self.name, delivery_id=delivery.id,
                                  notification=delivery.notification)
            content_type = "application/json; charset=utf-8"
        timestamp = int(self.clock.now().timestamp())
        headers = {
            **self.config.headers,
            "Content-Type": content_type,
            "User-Agent": self._user_agent,
            "X-Warnd-Timestamp": str(timestamp),
            "X-Warnd-Signature": sign_webhook(body, secret=self._secret, timestamp=timestamp),
            "X-Warnd-Delivery": str(delivery.id),
            "Idempotency-Key": f"warnd-delivery-{delivery.id}",
        }
        if self.config.standard_webhooks:
            # Standard Webhooks (standardwebhooks.com): the id is stable across re-sends, so a receiver
            # that dedups on it sees a retry as the same message.
            msg_id = f"msg_warnd_{delivery.id}"
            headers.update({"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
                            "webhook-signature": sign_standard_webhook(
                                body, key=standard_webhook_key(self._secret), msg_id=msg_id, timestamp=timestamp)})
        return body, headers

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Raises: TransientDeliveryError (timeout, 408/429/5xx), PermanentDeliveryError (other 4xx)."""
        body, headers = self.request(alert, delivery)
        await post(self.http, self._url, body, headers=headers, timeout_s=self.config.timeout_s,
                   channel=self.name, clock=self.clock, what="webhook receiver")
        log.info("webhook sent", extra={"channel": self.name, "delivery": delivery.id, "bytes": len(body)})

    async def aclose(self) -> None:
        """Nothing to close: the HTTP session is the daemon's."""
