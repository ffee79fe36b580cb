"""Digests: one summary email of a period's alerts and the top figures per region. Pure functions.

The daemon's scheduler (not this module) decides when: `next_digest_at` says when the next one is
due from a channel's `digest` (period) and `digest_at` (local time of day), and `render_digest` builds
the message from the alerts the store returns for the period. Sending reuses the channel's sender
(`EmailSender.send_message`, or writing the `.eml` for a file channel).

Figures are never summed across alerts: for each region and metric the digest shows the highest
value any alert reported (ARCHITECTURE.md: casualty tolls are cumulative, ten reports of 1,018 are
one toll).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from warnd.clock import utc
from warnd.config.settings import EmailChannelConfig, FileChannelConfig
from warnd.deliver.email import compose_message, mail_domain
from warnd.deliver.render import (
    TemplateSet,
    alert_figure,
    alert_place,
    default_headline,
    format_window,
    template_set,
)
from warnd.deliver.sanitize import clean_line
from warnd.types import Alert, Severity

DIGEST_TEMPLATES = ("subject.txt.j2", "body.txt.j2", "body.html.j2")
ALERTS_LISTED_MAX = 100


@dataclass(frozen=True, slots=True)
class DigestFigure:
    """The highest value one metric reached in one region during the period."""

    region: str
    metric: str
    value: float
    figure: str                     # "1,018 killed", "first report of Alawite targeted"
    window: str
    severity: str
    sources: int
    fired_at: datetime
    rule: str
    title: str


@dataclass(frozen=True, slots=True)
class DigestRegion:
    name: str
    figures: tuple[DigestFigure, ...]


@dataclass(frozen=True, slots=True)
class DigestAlert:
    severity: str
    title: str
    rule: str
    fired_at: datetime
    escalation: bool


def digest_figures(alerts: Sequence[Alert], *, top: int = 5) -> list[DigestRegion]:
    """Per region, the `top` metrics by severity then value; regions ordered by their worst figure."""
    best: dict[tuple[str, str], Alert] = {}
    for alert in alerts:
        key = (alert_place(alert), clean_line(alert.metric or alert.kind, limit=40))
        held = best.get(key)
        if held is None or (alert.value, alert.severity.rank) > (held.value, held.severity.rank):
            best[key] = alert
    by_region: dict[str, list[DigestFigure]] = {}
    for (region, metric), alert in best.items():
        by_region.setdefault(region, []).append(DigestFigure(
            region=region, metric=metric, value=alert.value, figure=alert_figure(alert), window=format_window(alert.window),
            severity=alert.severity.value, sources=alert.sources, fired_at=utc(alert.fired_at), rule=alert.rule,
            title=clean_line(alert.title, limit=200) or default_headline(alert)))

    def rank(f: DigestFigure) -> tuple[int, float]:
        return (Severity(f.severity).rank, f.value)

    regions = [DigestRegion(name, tuple(sorted(figs, key=rank, reverse=True)[:top])) for name, figs in by_region.items()]
    return sorted(regions, key=lambda r: (rank(r.figures[0]), r.name), reverse=True)


def next_digest_at(*, every: timedelta, at: str, tz: str, after: datetime) -> datetime:
    """The first digest time strictly after `after` (UTC): `at` local time each day, then every `every`."""
    zone = ZoneInfo(tz)
    local = utc(after).astimezone(zone)
    hour, minute = (int(p) for p in at.split(":"))
    anchor = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if anchor > local:
        anchor -= timedelta(days=1)
    candidate = anchor
    while candidate <= local:
        candidate += every
    return utc(candidate)


def digest_filename(channel: str, period_end: datetime) -> str:
    """The file a file channel writes a digest to: one per channel and period, re-sends overwrite."""
    return f"digest-{channel}-{utc(period_end):%Y%m%dT%H%MZ}.eml"


def render_digest(alerts: Sequence[Alert], *, channel: str, config: EmailChannelConfig | FileChannelConfig,
                  templates_dir: Path, period_start: datetime, period_end: datetime, tz: str = "UTC",
                  top: int | None = None, templates: TemplateSet | None = None) -> EmailMessage:
    """The digest email for the alerts fired in [period_start, period_end).

    Its Message-ID is derived from the channel and period, so re-sending one digest is recognisable.

    Raises:
        PermanentDeliveryError: a digest template is missing or fails.
    """
    tset = templates or template_set("digest", Path(templates_dir))
    ordered = sorted(alerts, key=lambda a: utc(a.fired_at), reverse=True)
    counts = {s.value: 0 for s in Severity}
    for a in ordered:
        counts[a.severity.value] += 1
    ctx = {
        "channel": channel,
        "tz_name": tz,
        "period_start": utc(period_start),
        "period_end": utc(period_end),
        "counts": counts,
        "regions": digest_figures(ordered, top=top or config.digest_top),
        "alerts": [DigestAlert(a.severity.value, clean_line(a.title, limit=200) or default_headline(a), a.rule,
                               utc(a.fired_at), a.escalation) for a in ordered[:ALERTS_LISTED_MAX]],
        "alerts_more": max(len(ordered) - ALERTS_LISTED_MAX, 0),
    }
    domain = mail_domain(config.from_)
    period_key = hashlib.sha256(f"{channel}\0{utc(period_start).isoformat()}\0{utc(period_end).isoformat()}".encode())
    return compose_message(
        subject=tset.render("subject.txt.j2", ctx), text=tset.render("body.txt.j2", ctx),
        html=tset.render("body.html.j2", ctx), from_=config.from_, to=config.to, list_id=config.list_id,
        msg_id=f"<warnd.digest.{period_key.hexdigest()[:32]}@{domain}>", thread=None, date=period_end,
        extra={"X-Warnd-Digest": channel},
    )
