"""Deliver: render alerts per channel and send them (email, Slack, signed webhooks, files, Alertmanager, apprise).

The outbox worker (`warnd/deliver/outbox.py`) calls `Sender.send(alert, delivery)` for each pending
delivery. A send returns when the receiver accepted the message, or raises
`TransientDeliveryError(retry_after_s=…)` (retry later) or `PermanentDeliveryError` (dead letter).
`delivery.id` is the idempotency key: a re-send of one delivery produces the same email Message-ID,
the same webhook body and `X-Warnd-Delivery`/`Idempotency-Key`, and overwrites the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

from warnd.clock import Clock
from warnd.config.settings import Settings
from warnd.deliver.alertmanager import AlertmanagerSender, render_alertmanager
from warnd.deliver.apprise_channel import AppriseSender, render_apprise
from warnd.deliver.digest import DigestFigure, digest_figures, digest_filename, next_digest_at, render_digest
from warnd.deliver.email import EmailSender, render_email
from warnd.deliver.filesink import FileSender
from warnd.deliver.render import TemplateSet, alert_context
from warnd.deliver.slack import SlackSender, render_slack
from warnd.deliver.webhook import (
    SCHEMA_VERSION,
    WebhookPayload,
    WebhookSender,
    render_webhook,
    sign_webhook,
    verify_webhook,
)
from warnd.types import Alert, Delivery

__all__ = [
    "AlertmanagerSender", "AppriseSender", "CHANNELS", "DigestFigure", "EmailSender", "FileSender", "SCHEMA_VERSION", "Sender", "SlackSender",
    "TemplateSet", "WebhookPayload", "WebhookSender", "alert_context", "build_senders", "digest_figures",
    "digest_filename", "next_digest_at", "render_alertmanager", "render_apprise", "render_digest", "render_email", "render_slack", "render_webhook",
    "sign_webhook", "verify_webhook",
]


class Sender(Protocol):
    """One configured channel. `send` raises on failure; it never returns a status."""

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Deliver `alert`; idempotency key = `delivery.id`.

        Raises:
            TransientDeliveryError: retry later (after `retry_after_s` when set).
            PermanentDeliveryError: retrying will not help; dead-letter it.
        """
        ...

    async def aclose(self) -> None: ...


CHANNELS: dict[str, type] = {
    "email": EmailSender,
    "slack": SlackSender,
    "webhook": WebhookSender,
    "file": FileSender,
    "alertmanager": AlertmanagerSender,
    "apprise": AppriseSender,
}


if TYPE_CHECKING:  # mypy checks that every registered class satisfies the Sender protocol
    _CONFORMS: tuple[type[Sender], ...] = (EmailSender, SlackSender, WebhookSender, FileSender, AlertmanagerSender,
                                           AppriseSender)


def build_senders(settings: Settings, *, http: aiohttp.ClientSession, clock: Clock,
                  templates_dir: Path) -> dict[str, Sender]:
    """One sender per configured channel name; templates are compiled now, so a broken one fails start-up.

    Raises:
        ConfigError: a template is missing or invalid, or a `*_env` secret was not resolved.
    """
    senders: dict[str, Sender] = {}
    for name, config in settings.channels.items():
        # Each registered class has the same `from_config` classmethod; `type` cannot say so.
        factory: Any = CHANNELS[config.type]
        senders[name] = factory.from_config(name, config, settings=settings, http=http, clock=clock,
                                        templates_dir=templates_dir)
    return senders
