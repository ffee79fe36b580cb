"""The `alertmanager` channel: alerts posted to an Alertmanager's API v2 (`POST /api/v2/alerts`).

A Prometheus shop then routes, silences and shows warnd's alerts with the tools it already runs. Each
alert becomes one Alertmanager alert: `alertname` is the rule id, `severity` and the alert's labels
are its labels (names outside Prometheus' `[a-zA-Z_][a-zA-Z0-9_]*` get `_` for the other characters),
the headline and sentence are the `summary` and `description` annotations, `startsAt` is when it
fired and `endsAt` when its window closes (the time until which warnd holds it). A grouped route's
notification posts every alert it lists, the resolved ones with `endsAt` now.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from warnd.clock import Clock, utc
from warnd.config.settings import AlertmanagerChannelConfig, Settings
from warnd.deliver.http import post
from warnd.deliver.render import alert_context
from warnd.deliver.sanitize import clean_line, safe_url
from warnd.errors import ConfigError
from warnd.types import Alert, Delivery

log = logging.getLogger(__name__)

API_PATH = "/api/v2/alerts"
_NOT_LABEL = re.compile(r"[^A-Za-z0-9_]")


def label_name(name: str) -> str:
    """A Prometheus label name: `targeted group` → `targeted_group`, `1st` → `_1st`."""
    out = _NOT_LABEL.sub("_", name) or "_"
    return out if not out[0].isdigit() else "_" + out


def am_alert(alert: Alert, *, ends_at: datetime, generator_url: str | None) -> dict[str, Any]:
    """One alert in Alertmanager's `postableAlert` shape."""
    ctx = alert_context(alert)
    labels = {label_name(k): v for k, v in ctx["labels"] if v}
    labels.update(alertname=alert.rule, severity=alert.severity.value, source="warnd")
    annotations = {label_name(k): v for k, v in ctx["annotations"]}
    annotations.update(summary=ctx["title"], description=ctx["sentence"])
    if alert.id is not None:
        annotations["warnd_alert_id"] = str(alert.id)
    link = generator_url or next((e.link for e in ctx["evidence"] if e.link), None)
    out: dict[str, Any] = {"labels": labels, "annotations": annotations,
                           "startsAt": utc(alert.fired_at).isoformat(), "endsAt": utc(ends_at).isoformat()}
    if link:
        out["generatorURL"] = link
    return out


def render_alertmanager(alert: Alert, delivery: Delivery, *, now: datetime, generator_url: str | None = None) -> bytes:
    """The JSON array to POST: the alert, or every alert of the delivery's notification."""
    note = delivery.notification
    firing = note.alerts if note is not None else (alert,)
    resolved = note.resolved if note is not None else ()
    body = [am_alert(a, ends_at=max(a.fired_at + a.window, now), generator_url=generator_url) for a in firing]
    body += [am_alert(a, ends_at=now, generator_url=generator_url) for a in resolved]
    return json.dumps(body, ensure_ascii=False).encode()


class AlertmanagerSender:
    """POSTs alerts to one Alertmanager."""

    @classmethod
    def from_config(cls, name: str, config: AlertmanagerChannelConfig, *, settings: Settings,
                    http: aiohttp.ClientSession, clock: Clock, templates_dir: Path) -> AlertmanagerSender:
        return cls(name, config, http=http, clock=clock, user_agent=settings.fetch.user_agent,
                   generator_url=config.generator_url or settings.public_url)

    def __init__(self, name: str, config: AlertmanagerChannelConfig, *, http: aiohttp.ClientSession, clock: Clock,
                 user_agent: str = "warnd", generator_url: str | None = None) -> None:
        if config.url is None:
            raise ConfigError.at(f"channels.{name}", f"channels.{name}: url_env {config.url_env} was not resolved")
        self.name, self.config, self.http, self.clock = name, config, http, clock
        self._url = config.url.rstrip("/") + API_PATH
        self._generator_url = safe_url(generator_url)
        self._headers = {**config.headers, "Content-Type": "application/json", "User-Agent": clean_line(user_agent)}
        if config.bearer_token is not None:
            self._headers["Authorization"] = f"Bearer {config.bearer_token.get_secret_value()}"

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Raises: TransientDeliveryError (timeout, 408/429/5xx), PermanentDeliveryError (other 4xx: a bad alert)."""
        body = render_alertmanager(alert, delivery, now=self.clock.now(), generator_url=self._generator_url)
        await post(self.http, self._url, body, headers=self._headers, timeout_s=self.config.timeout_s,
                   channel=self.name, clock=self.clock, what="Alertmanager")
        log.info("alertmanager alerts posted", extra={"channel": self.name, "delivery": delivery.id,
                                                      "bytes": len(body)})

    async def aclose(self) -> None:
        """Nothing to close: the HTTP session is the daemon's."""
