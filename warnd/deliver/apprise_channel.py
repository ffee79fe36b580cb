"""The `apprise` channel: Teams, Telegram, Matrix, Signal, WhatsApp and SMS gateways and the rest of
apprise's services (https://github.com/caronc/apprise/wiki), through one apprise URL per channel.

The URL holds the service's secrets, so it is a `SecretStr` and comes from `url_env` or `url_file` as
other channel secrets do; log lines name the service, never the URL. Apprise says only whether a
notification went out, not why not: a failure is retried as a transient one (and becomes a dead
letter after `outbox.max_attempts`), a URL apprise does not know is refused at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import apprise

from warnd.clock import Clock
from warnd.config.settings import AppriseChannelConfig, Settings
from warnd.deliver.render import TemplateSet, alert_context, resolved
from warnd.deliver.sanitize import clean_line
from warnd.errors import ConfigError, TransientDeliveryError
from warnd.types import Alert, Delivery

log = logging.getLogger(__name__)

APPRISE_TEMPLATES = ("title.txt.j2", "body.txt.j2")
_FORMATS = {"text": apprise.NotifyFormat.TEXT, "markdown": apprise.NotifyFormat.MARKDOWN,
            "html": apprise.NotifyFormat.HTML}


def render_apprise(alert: Alert, delivery: Delivery, templates: TemplateSet, *, public_url: str | None = None,
                   channel: str = "") -> tuple[str, str]:
    """The title and body of one notification. Raises PermanentDeliveryError for a broken template."""
    ctx = alert_context(alert, public_url=public_url, channel=channel, notification=delivery.notification)
    title = clean_line(templates.render("title.txt.j2", ctx, rule=alert.rule), limit=250)
    body = templates.render("body.txt.j2", ctx, rule=alert.rule).strip()
    return title, body


class AppriseSender:
    """Sends each delivery through one apprise URL."""

    @classmethod
    def from_config(cls, name: str, config: AppriseChannelConfig, *, settings: Settings, http: aiohttp.ClientSession,
                    clock: Clock, templates_dir: Path) -> AppriseSender:
        return cls(name, resolved(config, settings), templates_dir=templates_dir, public_url=settings.public_url)

    def __init__(self, name: str, config: AppriseChannelConfig, *, templates_dir: Path,
                 public_url: str | None = None) -> None:
        if config.url is None:
            raise ConfigError.at(f"channels.{name}", f"channels.{name}: url_env {config.url_env} was not resolved")
        self.name, self.config, self.public_url = name, config, public_url
        self._apprise = apprise.Apprise()
        if not self._apprise.add(config.url.get_secret_value()):
            raise ConfigError.at(f"channels.{name}", f"channels.{name}: url is not an apprise URL apprise knows "
                                                     "(see https://github.com/caronc/apprise/wiki)")
        self.service = clean_line(self._apprise[0].service_name or "apprise", limit=60)
        self.templates = TemplateSet.for_channel("apprise", templates_dir, config.templates)
        self.templates.check(APPRISE_TEMPLATES)

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Raises: TransientDeliveryError (the service did not take it), PermanentDeliveryError (template)."""
        title, body = render_apprise(alert, delivery, self.templates, public_url=self.public_url, channel=self.name)
        # apprise sends with blocking HTTP calls: in a worker thread, bounded by its own timeout.
        result = await asyncio.to_thread(self._apprise.notify, body=body, title=title,
                                         body_format=_FORMATS[self.config.format], timeout=self.config.timeout_s)
        if not result:
            raise TransientDeliveryError(self.name, f"{self.service} did not accept the notification "
                                                    f"(apprise gives no reason; see its log at DEBUG)")
        log.info("apprise notification sent", extra={"channel": self.name, "delivery": delivery.id,
                                                      "service": self.service})

    async def aclose(self) -> None:
        """Nothing to close."""
