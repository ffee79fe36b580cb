"""The Slack channel: an incoming-webhook payload with Block Kit blocks and a `text` fallback.

The block structure is built here, in Python, and only its texts come from templates
(`templates/slack/header.txt.j2`, `summary.mrkdwn.j2`, `fallback.mrkdwn.j2`). Block Kit has hard
limits — header 150 characters, section text 3000, at most 10 fields of 2000, 50 blocks — and Slack
rejects the whole message (HTTP 400 `invalid_blocks`) when one is exceeded; a JSON template edited by an
operator could also emit invalid JSON or an unescaped `<!channel>`. In code, every limit and every
escape is enforced whatever the template says.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import aiohttp

from warnd.clock import Clock
from warnd.config.settings import Settings, SlackChannelConfig
from warnd.deliver.http import post
from warnd.deliver.render import (
    TemplateSet,
    alert_context,
    format_time,
    resolved,
    template_set,
)
from warnd.deliver.sanitize import clean_line, escape_mrkdwn, mrkdwn_link, truncate
from warnd.deliver.tally_text import format_number
from warnd.errors import ConfigError
from warnd.types import Alert, Delivery, Notification

log = logging.getLogger(__name__)

SLACK_TEMPLATES = ("header.txt.j2", "summary.mrkdwn.j2", "fallback.mrkdwn.j2")
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
BLOCKS_MAX = 50
TEXT_MAX = 3000  # fallback `text`: Slack truncates past 40,000; a notification shows far less


def _cut_mrkdwn(text: str, limit: int) -> str:
    """Truncate escaped mrkdwn without cutting through an entity (`&amp;`) or a `<link|text>`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp, lt = cut.rfind("&"), cut.rfind("<")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    if lt > cut.rfind(">"):
        cut = cut[:lt]
    return cut.rstrip() + "…"


def _mrkdwn(text: str) -> dict[str, object]:
    # verbatim: Slack must not auto-link channel names or parse mentions in text we did not mark up.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _field(label: str, value: str) -> dict[str, object]:
    return {"type": "mrkdwn", "text": _cut_mrkdwn(f"*{label}*\n{escape_mrkdwn(value)}", FIELD_MAX), "verbatim": True}


def render_slack(alert: Alert, *, templates: TemplateSet | None = None, templates_dir: Path | None = None,
                 channel: str = "", public_url: str | None = None,
                 notification: Notification | None = None) -> dict[str, object]:
    """The incoming-webhook JSON payload for `alert`.

    Raises:
        PermanentDeliveryError: a template is missing or fails to render.
    """
    tset = templates or template_set("slack", Path(templates_dir or "templates"))
    ctx = alert_context(alert, public_url=public_url, channel=channel, notification=notification)
    header = clean_line(tset.render("header.txt.j2", ctx, rule=alert.rule))
    summary = tset.render("summary.mrkdwn.j2", ctx, rule=alert.rule).strip()
    fallback = " ".join(tset.render("fallback.mrkdwn.j2", ctx, rule=alert.rule).split())

    fields = [
        _field("Value", f"{format_number(alert.value)} {ctx['metric']}{ctx['value_note']}".strip()),
        _field("Baseline", format_number(alert.baseline)),
        _field("Change", ctx["change"]),
        _field("Window", ctx["window"]),
        _field("Sources", str(alert.sources)),
        _field("Last report", format_time(ctx["last_report_at"])),
    ]
    if alert.escalation and alert.previous_value is not None:
        fields.insert(1, _field("Previous alert", format_number(alert.previous_value)))
    toll = alert.tally.toll if alert.tally is not None else None
    if toll is not None and toll.previous is not None:
        # The running toll behind the value: where it stood before the window, where it stands now.
        fields.insert(1, _field("Toll", f"{format_number(toll.previous)} → {format_number(toll.value)}"))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(header, HEADER_MAX), "emoji": True}},
        {"type": "section", "text": _mrkdwn(_cut_mrkdwn(summary, SECTION_MAX))},
        {"type": "section", "fields": fields[:FIELDS_MAX]},
    ]
    if ctx["tally_lines"]:
        counts = "\n".join(f"• {escape_mrkdwn(line)}" for line in ctx["tally_lines"])
        blocks.append({"type": "section", "text": _mrkdwn(_cut_mrkdwn("*What the number counts*\n" + counts,
                                                                     SECTION_MAX))})
    lines: list[str] = []
    size = len("*Evidence*\n")
    for e in ctx["evidence"]:
        line = (f"• {mrkdwn_link(e.link, truncate(e.title, 200))} — "
                f"{escape_mrkdwn(e.feed)}, {format_time(e.published_at, '%d %b %H:%M UTC')}")
        if size + len(line) + 40 > SECTION_MAX:
            break
        lines.append(line)
        size += len(line) + 1
    hidden = len(alert.evidence) - len(lines)
    if hidden > 0:
        lines.append(f"…and {hidden} more")
    if lines:
        blocks.append({"type": "section", "text": _mrkdwn("*Evidence*\n" + "\n".join(lines))})
    context = f"Rule `{escape_mrkdwn(alert.rule)}` · silence: `{escape_mrkdwn(ctx['silence'])}`"
    if ctx["alert_url"]:
        context += " · " + mrkdwn_link(ctx["alert_url"], "open in the console")
    elif ctx["public_url"]:
        context += " · " + mrkdwn_link(ctx["public_url"], "dashboard")
    blocks.append({"type": "context", "elements": [_mrkdwn(_cut_mrkdwn(context, SECTION_MAX))]})
    return {"text": _cut_mrkdwn(fallback, TEXT_MAX), "blocks": blocks[:BLOCKS_MAX],
            "unfurl_links": False, "unfurl_media": False}


class SlackSender:
    """POSTs alerts to one Slack incoming webhook; its URL is a secret and is never logged."""

    @classmethod
    def from_config(cls, name: str, config: SlackChannelConfig, *, settings: Settings, http: aiohttp.ClientSession,
                    clock: Clock, templates_dir: Path) -> SlackSender:
        return cls(name, resolved(config, settings), http=http, clock=clock, templates_dir=templates_dir,
                   public_url=settings.public_url)

    def __init__(self, name: str, config: SlackChannelConfig, *, http: aiohttp.ClientSession, clock: Clock,
                 templates_dir: Path, public_url: str | None = None) -> None:
        if config.url is None:
            raise ConfigError.at(f"channels.{name}", f"channels.{name}: url_env {config.url_env} was not resolved")
        self.name = name
        self.config = config
        self.http = http
        self.clock = clock
        self.public_url = public_url
        self._url = config.url.get_secret_value()
        self.templates = TemplateSet.for_channel("slack", templates_dir, config.templates)
        self.templates.check(SLACK_TEMPLATES)

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Raises: TransientDeliveryError (timeout, 429 + Retry-After, 5xx), PermanentDeliveryError (4xx)."""
        payload = render_slack(alert, templates=self.templates, channel=self.name, public_url=self.public_url,
                               notification=delivery.notification)
        body = json.dumps(payload, ensure_ascii=False).encode()
        await post(self.http, self._url, body, headers={"Content-Type": "application/json; charset=utf-8"},
                   timeout_s=self.config.timeout_s, channel=self.name, clock=self.clock, what="Slack webhook")
        log.info("slack message sent", extra={"channel": self.name, "delivery": delivery.id})

    async def aclose(self) -> None:
        """Nothing to close: the HTTP session is the daemon's."""
