"""The email channel: an RFC 5322 multipart message per alert, submitted over SMTP with aiosmtplib.

Threading: every alert of one rule+group refers to the same synthetic root Message-ID (derived from
the dedup key) in `In-Reply-To`/`References`, so mail clients show one thread per situation. The
message's own Message-ID is derived from the delivery id, so a re-send of the same delivery carries
the same Message-ID and clients that deduplicate on it show it once.

Connections are reused: the sender keeps up to `smtp.connections` open SMTP sessions and submits one
message per transaction on them, reconnecting when the server has closed an idle one.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import logging
import re
import ssl
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

import aiohttp
import aiosmtplib

from warnd.clock import Clock, utc
from warnd.config.settings import EmailChannelConfig, FileChannelConfig, Settings, SmtpSettings
from warnd.deliver.render import TemplateSet, alert_context, resolved, template_set
from warnd.errors import PermanentDeliveryError, TransientDeliveryError
from warnd.types import Alert, Delivery, Notification

log = logging.getLogger(__name__)

EMAIL_TEMPLATES = ("subject.txt.j2", "body.txt.j2", "body.html.j2")


class _CachedHeaderRegistry(HeaderRegistry):
    """The stdlib registry builds a new class with `type()` for every header it parses; cache them per name.

    Same parsing and folding; measured at about a quarter of the cost of composing a message (bench/deliver.py).
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


POLICY = email.policy.SMTP.clone(header_factory=_CachedHeaderRegistry())
"""RFC 5322 with CRLF line ends: what goes on the wire and into `.eml` files."""
IDLE_MAX_S = 60.0   # RFC 5321 §4.5.3.2.7 lets a server drop a client idle for 5 minutes; stay well under
SUBJECT_MAX = 250  # RFC 5322 allows 998 per line; clients show far less
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _header(value: str, *, limit: int = SUBJECT_MAX) -> str:
    """A header value on one line: CR, LF and other controls become spaces (no header injection)."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mail_domain(from_addr: str) -> str:
    addr = parseaddr(from_addr)[1]
    domain = addr.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]{1,253}", domain or "") else "warnd.local"


def thread_id(alert: Alert, domain: str) -> str:
    """The Message-ID every alert of one rule+group replies to."""
    digest = hashlib.sha256(f"{alert.rule}\0{alert.dedup_key}".encode()).hexdigest()[:32]
    return f"<warnd.thread.{digest}@{domain}>"


def group_thread_id(notification: Notification, domain: str) -> str:
    """The Message-ID every notification of one group (route node + group labels) replies to."""
    key = "\0".join([notification.route, *(f"{k}={v}" for k, v in notification.group)])
    return f"<warnd.group.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def message_id(alert: Alert, domain: str, delivery_id: int | None) -> str:
    """Stable per delivery (a re-send keeps it); unique per alert otherwise."""
    if delivery_id is not None:
        return f"<warnd.delivery.{delivery_id}@{domain}>"
    basis = f"{alert.rule}\0{alert.dedup_key}\0{alert.id}\0{utc(alert.fired_at).isoformat()}"
    return f"<warnd.alert.{hashlib.sha256(basis.encode()).hexdigest()[:32]}@{domain}>"


def render_email(alert: Alert, *, channel: str, config: EmailChannelConfig | FileChannelConfig,
                 templates_dir: Path, delivery_id: int | None = None, now: datetime | None = None,
                 public_url: str | None = None, templates: TemplateSet | None = None,
                 notification: Notification | None = None) -> EmailMessage:
    """Render `alert` as a multipart/alternative (text + HTML) message with threading headers.

    `templates` lets a sender reuse its compiled set; otherwise one is built from `templates_dir`
    and the channel's `templates:` override.

    Raises:
        PermanentDeliveryError: a template is missing or fails to render.
    """
    tset = templates or template_set("email", Path(templates_dir), config.templates)
    ctx = alert_context(alert, public_url=public_url, channel=channel, notification=notification)
    subject = tset.render("subject.txt.j2", ctx, rule=alert.rule)
    text = tset.render("body.txt.j2", ctx, rule=alert.rule)
    html = tset.render("body.html.j2", ctx, rule=alert.rule)
    domain = mail_domain(config.from_)
    return compose_message(
        subject=subject, text=text, html=html, from_=config.from_, to=config.to,
        list_id=config.list_id,
        msg_id=message_id(alert, domain, delivery_id),
        # A group's notifications thread together, as one alert group's alerts do.
        thread=group_thread_id(notification, domain) if notification else thread_id(alert, domain),
        date=now or alert.fired_at,
        extra={"X-Warnd-Rule": alert.rule, "X-Warnd-Severity": alert.severity.value,
               **({"X-Warnd-Alert-Id": str(alert.id)} if alert.id is not None else {})},
    )


def compose_message(*, subject: str, text: str, html: str | None, from_: str, to: tuple[str, ...], list_id: str,
             msg_id: str, thread: str | None, date: datetime, extra: Mapping[str, str]) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = _header(subject)
    msg["From"] = _header(from_, limit=998)
    msg["To"] = ", ".join(_header(a, limit=998) for a in to)
    msg["Date"] = utc(date)  # a datetime is stored as is; a string would be parsed back
    msg["Message-ID"] = msg_id
    if thread is not None:
        msg["In-Reply-To"] = thread
        msg["References"] = thread
    msg["List-Id"] = _header(list_id, limit=998)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to alerts
    for key, value in extra.items():
        msg[key] = _header(value, limit=200)
    msg.set_content(text.rstrip() + "\n", charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


class EmailSender:
    """Sends alerts of one email channel; keeps SMTP connections open between sends."""

    @classmethod
    def from_config(cls, name: str, config: EmailChannelConfig, *, settings: Settings, http: aiohttp.ClientSession,
                    clock: Clock, templates_dir: Path) -> EmailSender:
        return cls(name, resolved(config, settings), clock=clock, templates_dir=templates_dir,
                   public_url=settings.public_url)

    def __init__(self, name: str, config: EmailChannelConfig, *, clock: Clock, templates_dir: Path,
                 public_url: str | None = None) -> None:
        self.name = name
        self.config = config
        self.clock = clock
        self.public_url = public_url
        self.templates = TemplateSet.for_channel("email", templates_dir, config.templates)
        self.templates.check(EMAIL_TEMPLATES)
        self._envelope_from = parseaddr(config.from_)[1]
        self._envelope_to = [addr for _name, addr in getaddresses(list(config.to)) if addr]
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []   # (connection, monotonic time it went idle)
        self._slots = asyncio.Semaphore(config.smtp.connections)
        self._closed = False

    def render(self, alert: Alert, delivery: Delivery) -> EmailMessage:
        return render_email(alert, channel=self.name, config=self.config, templates_dir=Path("."),
                            delivery_id=delivery.id, now=self.clock.now(), public_url=self.public_url,
                            templates=self.templates, notification=delivery.notification)

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Render and submit one alert.

        Raises:
            TransientDeliveryError: connection refused/dropped, timeout, 4xx SMTP reply.
            PermanentDeliveryError: 5xx SMTP reply, TLS/auth mismatch, broken template.
        """
        await self.send_message(self.render(alert, delivery), delivery_id=delivery.id)

    async def send_message(self, msg: EmailMessage, *, delivery_id: int | None = None) -> None:
        """Submit an already rendered message (alerts, digests) on a pooled connection."""
        if self._closed:
            raise TransientDeliveryError(self.name, "sender is closed")
        async with self._slots:
            smtp = await self._take_idle()
            reused = smtp is not None
            if smtp is None:
                smtp = await self._connect()
            try:
                await self._submit(smtp, msg)
            except aiosmtplib.SMTPServerDisconnected as e:
                await _discard(smtp)
                if not reused:
                    raise _classify(self.name, e) from e
                # The server closed an idle connection (RFC 5321 §4.5.3.2 lets it after 5 min):
                # one fresh attempt; a duplicate is possible only if it dropped after accepting DATA.
                smtp = await self._connect()
                try:
                    await self._submit(smtp, msg)
                except aiosmtplib.SMTPException as e2:
                    await _discard(smtp)
                    raise _classify(self.name, e2) from e2
            except (aiosmtplib.SMTPException, OSError) as e:
                await _discard(smtp)
                raise _classify(self.name, e) from e
            if self._closed:   # aclose() ran while this send was in flight
                await _quit(smtp)
            else:
                self._idle.append((smtp, self.clock.monotonic()))
        log.info("email sent", extra={"channel": self.name, "delivery": delivery_id,
                                      "recipients": len(self.config.to)})

    async def _take_idle(self) -> aiosmtplib.SMTP | None:
        """The most recently used open connection, dropping ones idle long enough that the server may have closed them."""
        while self._idle:
            smtp, since = self._idle.pop()
            if self.clock.monotonic() - since <= IDLE_MAX_S and smtp.is_connected:
                return smtp
            await _quit(smtp)
        return None

    async def _submit(self, smtp: aiosmtplib.SMTP, msg: EmailMessage) -> None:
        # Flattened once, here, with our policy; `send_message` would copy and re-flatten it.
        errors, _response = await smtp.sendmail(self._envelope_from, self._envelope_to, msg.as_bytes(policy=POLICY))
        if errors:
            # Some recipients refused, others accepted: re-sending would duplicate for the accepted ones.
            log.warning("email partly refused", extra={"channel": self.name, "refused": sorted(errors)})

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = _client(self.config.smtp)
        try:
            await smtp.connect()
            username, password = self.config.smtp.username, self.config.smtp.password
            if username is not None and password is not None:
                await smtp.login(username, password.get_secret_value())
        except (aiosmtplib.SMTPException, OSError) as e:
            await _discard(smtp)
            raise _classify(self.name, e) from e
        return smtp

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for smtp, _since in idle:
            await _quit(smtp)


def _client(cfg: SmtpSettings) -> aiosmtplib.SMTP:
    kwargs: dict[str, Any] = {
        "hostname": cfg.host, "port": cfg.port, "timeout": cfg.timeout_s,
        "use_tls": cfg.tls, "start_tls": cfg.starttls,
        "validate_certs": cfg.validate_certs,
    }
    if cfg.ca_file:
        kwargs["cert_bundle"] = cfg.ca_file
    return aiosmtplib.SMTP(**kwargs)


async def _discard(smtp: aiosmtplib.SMTP) -> None:
    smtp.close()


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    """Say QUIT politely; a connection that is already gone is just closed."""
    try:
        await smtp.quit(timeout=2)
    except (aiosmtplib.SMTPException, OSError):
        await _discard(smtp)


def _classify(channel: str, e: BaseException) -> TransientDeliveryError | PermanentDeliveryError:
    """SMTP failure → transient (4xx, network, timeout) or permanent (5xx, TLS/auth mismatch)."""
    if isinstance(e, aiosmtplib.SMTPResponseException):
        text = f"SMTP server answered {e.code}"
        return PermanentDeliveryError(channel, text) if 500 <= e.code < 600 else TransientDeliveryError(channel, text)
    if isinstance(e, aiosmtplib.SMTPRecipientsRefused):
        codes = sorted({r.code for r in e.recipients})
        text = f"SMTP server refused every recipient ({', '.join(map(str, codes))})"
        if all(500 <= c < 600 for c in codes):
            return PermanentDeliveryError(channel, text)
        return TransientDeliveryError(channel, text)
    if isinstance(e, aiosmtplib.SMTPNotSupported):
        return PermanentDeliveryError(channel, "the SMTP server lacks a required extension (check smtp.starttls/tls)")
    if isinstance(e, ssl.SSLCertVerificationError):
        return PermanentDeliveryError(channel, "the SMTP server's certificate is not trusted (set smtp.ca_file or fix it)")
    if isinstance(e, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return TransientDeliveryError(channel, "SMTP server did not answer in time")
    if isinstance(e, aiosmtplib.SMTPServerDisconnected):
        return TransientDeliveryError(channel, "SMTP server closed the connection")
    if isinstance(e, aiosmtplib.SMTPConnectError | OSError):
        return TransientDeliveryError(channel, "could not reach the SMTP server")
    # What is left is aiosmtplib refusing to go on: no AUTH or STARTTLS offered where the config needs it.
    return PermanentDeliveryError(channel, "the SMTP server does not offer what smtp settings require "
                                           "(check starttls/tls/username)")


def recipients(msg: EmailMessage) -> list[str]:
    """Every address in To/Cc, for logs and tests."""
    return [addr for _name, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
