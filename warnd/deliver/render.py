"""Turning an alert into text: Jinja2 environments, filters, template lookup, and the template context.

Every template — the bundled ones in `templates/` and the ones operators write — runs in a
`SandboxedEnvironment` with `StrictUndefined`, so a template can neither reach Python internals nor
silently print nothing for a misspelt name. Output is escaped by where it goes, never by the template
author remembering to: templates whose name contains `.html` are autoescaped, templates whose name
ends in `.mrkdwn.j2` escape every expression for Slack mrkdwn (`&`, `<`, `>`), and text templates get
text that was cleaned (`warnd/deliver/sanitize.py`) before it reached them.

Lookup (first hit wins): `<channel templates dir>/rules/<rule id>/<name>`,
`<templates_dir>/<type>/rules/<rule id>/<name>`, `<channel templates dir>/<name>`, `<templates_dir>/<type>/<name>`.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import jinja2

from warnd.clock import utc
from warnd.config.durations import format_duration
from warnd.config.settings import (
    AppriseChannelConfig,
    EmailChannelConfig,
    FileChannelConfig,
    Settings,
    SlackChannelConfig,
    WebhookChannelConfig,
)
from warnd.deliver.sanitize import (
    clean_block,
    clean_line,
    escape_mrkdwn,
    has_rtl,
    html_link,
    isolate,
    mrkdwn_link,
    safe_url,
    truncate,
)
from warnd.deliver.tally_text import (
    counted_incidents,
    format_number,
    leads_with_toll,
    tally_comparison,
    tally_figure,
    tally_lines,
    tally_sentence,
)
from warnd.errors import ConfigError, PermanentDeliveryError, Problem
from warnd.templating import BoundedEnvironment
from warnd.types import Alert, Evidence, Notification

TITLE_MAX = 200          # characters of a title in a subject, header or heading
EVIDENCE_TITLE_MAX = 300 # characters of an evidence title in a list
EVIDENCE_MAX = 10        # evidence items shown; the rest are counted




def format_change(value: float, baseline: float | None) -> str:
    """`+1,018`, `-3`, `+35%` style change against a baseline; `—` without one."""
    if baseline is None:
        return "—"
    diff = value - baseline
    sign = "+" if diff >= 0 else "−"
    text = f"{sign}{format_number(abs(diff))}"
    if baseline > 0:
        text += f" ({sign}{abs(diff) / baseline:.0%})"
    return text


def format_time(value: datetime | None, fmt: str = "%d %b %Y %H:%M UTC") -> str:
    """A UTC time the way a desk officer reads it: `11 Feb 2026 06:20 UTC`."""
    if value is None:
        return "—"
    return utc(value).strftime(fmt)


@jinja2.pass_context
def format_local(ctx: jinja2.runtime.Context, value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A time in the context's `tz_name` zone (digests are read in local time)."""
    if value is None:
        return "—"
    return utc(value).astimezone(ZoneInfo(ctx.get("tz_name", "UTC"))).strftime(fmt)


# One duration formatter for config, rule texts and messages (issue 19): `format_window` is its name here.
format_window = format_duration


def pluralise(count: float, singular: str, plural: str | None = None) -> str:
    return singular if count == 1 else (plural or singular + "s")




@jinja2.pass_context
def _finalize(ctx: jinja2.runtime.Context, value: object) -> object:
    if ctx.name is not None and ctx.name.endswith(".mrkdwn.j2"):
        return escape_mrkdwn(value)
    return value


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


def make_environment(search_path: Sequence[Path]) -> BoundedEnvironment:
    """A sandboxed, bounded environment over `search_path` with warnd's filters and escaping."""
    env = BoundedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=_autoescape,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.add_filters(
        number=format_number,
        duration=format_window,
        time=format_time,
        local=format_local,
        line=clean_line,
        block=clean_block,
        truncate_text=lambda v, n=TITLE_MAX: truncate(clean_line(v), int(n)),
        isolate=isolate,
        safe_url=safe_url,
        html_link=html_link,
        mrkdwn_link=mrkdwn_link,
        plural=pluralise,
        change=format_change,
    )
    env.tests["rtl"] = lambda v: has_rtl(str(v))
    return env


@dataclass
class TemplateSet:
    """The templates of one channel type, with the channel's and each rule's overrides."""

    kind: str                       # email | slack | digest
    search_path: tuple[Path, ...]

    def __post_init__(self) -> None:
        self.env = make_environment(self.search_path)

    @classmethod
    def for_channel(cls, kind: str, templates_dir: Path, override: str | Path | None = None) -> TemplateSet:
        """`override` (a channel's `templates:` dir) first, then `templates_dir/<kind>`."""
        path = (Path(override),) if override else ()
        return cls(kind, (*path, Path(templates_dir) / kind))

    def render(self, name: str, context: Mapping[str, Any], *, rule: str | None = None) -> str:
        """Render `name`, preferring `rules/<rule>/<name>`.

        Raises:
            PermanentDeliveryError: the template is missing or fails; retrying will not fix it.
        """
        names = [f"rules/{rule}/{name}", name] if rule else [name]
        try:
            template = self.env.select_template(names)
            return template.render(context)
        except jinja2.TemplateError as e:
            where = f"{e.filename}:{e.lineno}" if isinstance(e, jinja2.TemplateSyntaxError) else name
            raise PermanentDeliveryError(self.kind, f"template {where}: {e.message or type(e).__name__}") from e

    def check(self, names: Iterable[str]) -> None:
        """Compile `names` and every rule override now, so a broken template fails at start-up.

        Raises:
            ConfigError: every missing or syntactically wrong template, with file:line.
        """
        problems: list[Problem] = []
        wanted = set(names)
        for name in sorted(wanted):
            try:
                self.env.get_template(name)
            except jinja2.TemplateNotFound:
                problems.append(Problem(str(self.search_path[-1] / name), None, None,
                                        f"template {name!r} not found in {', '.join(map(str, self.search_path))}"))
            except jinja2.TemplateSyntaxError as e:
                problems.append(Problem(e.filename or name, e.lineno, None, f"template syntax: {e.message}"))
        for base in self.search_path:
            for path in sorted(base.glob("rules/*/*.j2")):
                try:
                    self.env.get_template(path.relative_to(base).as_posix())
                except jinja2.TemplateSyntaxError as e:
                    problems.append(Problem(e.filename or str(path), e.lineno, None, f"template syntax: {e.message}"))
        if problems:
            raise ConfigError(problems)


@functools.lru_cache(maxsize=32)
def template_set(kind: str, templates_dir: Path, override: str | None = None) -> TemplateSet:
    """A shared compiled TemplateSet for one-off renders (Jinja reloads a template whose file changed)."""
    return TemplateSet.for_channel(kind, templates_dir, override)


_C = TypeVar("_C", EmailChannelConfig, SlackChannelConfig, WebhookChannelConfig, FileChannelConfig,
             AppriseChannelConfig)


def resolved(config: _C, settings: Settings) -> _C:
    """`config` with its `templates:` dir resolved against the settings' `base_dir`."""
    if config.templates is None:
        return config
    return config.model_copy(update={"templates": str(settings.path(config.templates))})


# ---------------------------------------------------------------- the context every template gets


def alert_place(alert: Alert) -> str:
    labels = alert.label_dict
    for key in ("location", "region", "country", "feed"):
        if labels.get(key):
            return clean_line(labels[key], limit=80)
    # A toll for a whole country or coast groups under no region: name the place it covers.
    tally = alert.tally
    if tally is not None and tally.toll is not None:
        return clean_line(tally.toll.scope, limit=80)
    if tally is not None and tally.incidents:
        return clean_line(tally.incidents[0].place, limit=80)
    return "unknown place"


def alert_figure(alert: Alert) -> str:
    """What happened, as a short phrase: `1,018 killed`, `first report of Alawite targeted`, `12 reports`."""
    labels = alert.label_dict
    group = clean_line(labels.get("targeted_group", ""), limit=60)
    if alert.kind == "new_value":
        what = group or clean_line(labels.get(alert.metric, alert.metric or "value"), limit=60)
        return f"first report of {what} targeted" if group else f"first report of {what}"
    if alert.metric in ("", "mention"):
        noun = pluralise(alert.value, "report")
        return f"{format_number(alert.value)} {noun}" + (f" of {group} targeted" if group else "")
    told = tally_figure(alert)
    if told is not None:
        return told
    return f"{format_number(alert.value)} {clean_line(alert.metric, limit=40)}"


def _figure_is_whole(alert: Alert) -> bool:
    """The figure names its own span (a toll's rise, one incident): no "in 24h" after it."""
    tally = alert.tally
    return tally is not None and (leads_with_toll(alert) or (
        tally.measure == "new" and not tally.tolls and len(counted_incidents(tally)) == 1))


def alert_comparison(alert: Alert) -> str:
    """`baseline 0, 2 sources` / `was 745, 3 sources`."""
    parts = []
    told = tally_comparison(alert)
    if alert.escalation and alert.previous_value is not None:
        parts.append(f"was {format_number(alert.previous_value)} at the last alert"
                     if alert.tally is not None else f"was {format_number(alert.previous_value)}")
    if alert.baseline is not None:
        parts.append(f"baseline {format_number(alert.baseline)}")
    parts.append(f"{alert.sources} {pluralise(alert.sources, 'source')}")
    return "; ".join((told, ", ".join(parts))) if told else ", ".join(parts)


def default_headline(alert: Alert) -> str:
    """`Latakia: 1,018 killed in 24h` — what, where, how much; the subject line of every alert."""
    if alert.kind == "new_value" or _figure_is_whole(alert):
        return f"{alert_place(alert)}: {alert_figure(alert)}"
    return f"{alert_place(alert)}: {alert_figure(alert)} in {format_window(alert.window)}"


def alert_sentence(alert: Alert) -> str:
    """The one sentence an email or Slack message opens with."""
    place, window = alert_place(alert), format_window(alert.window)
    sources = f"{alert.sources} {pluralise(alert.sources, 'source')}"
    told = tally_sentence(alert, place)
    if told is not None:
        if alert.escalation and alert.previous_value is not None:
            told += f" Escalation: up from {format_number(alert.previous_value)} at the last alert."
        return told
    if alert.kind == "new_value":
        text = f"{alert_figure(alert)} in {place}: the first in its lookback, reported by {sources}"
    else:
        text = f"{alert_figure(alert)} reported in {place} within {window}, by {sources}"
        if alert.baseline is not None:
            text += f", against a usual {format_number(alert.baseline)}"
            if alert.baseline > 0:
                text += f" ({format_change(alert.value, alert.baseline).split(' ', 1)[1].strip('()')})"
    text += "."
    if alert.escalation and alert.previous_value is not None:
        text += f" Escalation: up from {format_number(alert.previous_value)} at the last alert."
    return text[0].upper() + text[1:]


def silence_command(alert: Alert, *, duration: str = "6h") -> str:
    """The CLI line that mutes this alert's group, quoted so a label value cannot break the shell."""
    parts = ["warnd", "silence", "add", "--rule", shlex.quote(alert.rule)]
    for key, value in alert.labels:
        parts += ["--label", shlex.quote(f"{clean_line(key)}={clean_line(value, limit=80)}")]
    parts += ["--for", duration, "--reason", '"…"']
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """One evidence item, cleaned for display."""

    title: str
    feed: str
    link: str | None
    published_at: datetime
    value: int | None
    rtl: bool


def evidence_views(evidence: Sequence[Evidence], *, limit: int = EVIDENCE_MAX) -> list[EvidenceView]:
    return [
        EvidenceView(
            title=clean_line(e.title, limit=EVIDENCE_TITLE_MAX) or "(untitled item)",
            feed=clean_line(e.feed, limit=60),
            link=safe_url(e.link),
            published_at=utc(e.published_at),
            value=e.value,
            rtl=has_rtl(e.title),
        )
        for e in evidence[:limit]
    ]


@dataclass(frozen=True, slots=True)
class ListedAlert:
    """One alert of a grouped notification, as its list shows it."""

    alert_id: int | None
    rule: str
    severity_upper: str
    headline: str
    sentence: str
    fired_at: datetime


def listed(alerts: Sequence[Alert]) -> list[ListedAlert]:
    return [ListedAlert(a.id, a.rule, a.severity.value.upper(), default_headline(a), alert_sentence(a),
                        utc(a.fired_at)) for a in alerts]


def notification_context(notification: Notification | None) -> dict[str, Any] | None:
    """`notification` in the templates: a grouped route's notification (None for a single alert).

    `status` firing | resolved; `alerts` the group's alerts that hold (this message's alert first),
    `resolved` those that stopped holding; `group` the group_by labels; `count` how many are listed.
    """
    if notification is None:
        return None
    return {
        "id": notification.id, "status": notification.status, "seq": notification.seq,
        "route": clean_line(notification.route, limit=200),
        "group": [(clean_line(k, limit=40), clean_line(v, limit=120)) for k, v in notification.group],
        "alerts": listed(notification.alerts), "resolved": listed(notification.resolved),
        "count": len(notification.alerts), "resolved_count": len(notification.resolved),
    }


def alert_url(alert: Alert, public_url: str | None) -> str | None:
    """The alert's page in the console (`public_url` + /alerts/ID), once the alert is stored."""
    if not public_url or alert.id is None:
        return None
    return safe_url(f"{public_url.rstrip('/')}/alerts/{alert.id}")


def alert_context(alert: Alert, *, public_url: str | None = None, channel: str = "",
                  extra: Mapping[str, Any] | None = None, notification: Notification | None = None) -> dict[str, Any]:
    """Everything the templates may use, computed once; feed text in it is already cleaned."""
    title = clean_line(alert.title, limit=TITLE_MAX)
    times = [utc(e.published_at) for e in alert.evidence]
    severity = alert.severity.value
    return {
        "alert": alert,
        "channel": channel,
        "severity": severity,
        "severity_upper": severity.upper(),
        "title": title or default_headline(alert),
        "title_is_default": not title,
        "headline": default_headline(alert),
        "place": alert_place(alert),
        "figure": alert_figure(alert),
        "comparison": alert_comparison(alert),
        "sentence": alert_sentence(alert),
        "value": alert.value,
        "baseline": alert.baseline,
        "change": format_change(alert.value, alert.baseline),
        "previous_value": alert.previous_value,
        "escalation": alert.escalation,
        "window": format_window(alert.window),
        "sources": alert.sources,
        "metric": clean_line(alert.metric, limit=40),
        "kind": alert.kind,
        "rule": alert.rule,
        "labels": [(clean_line(k, limit=40), clean_line(v, limit=120)) for k, v in alert.labels],
        "annotations": [(clean_line(k, limit=40), clean_line(v, limit=500)) for k, v in alert.annotations],
        "fired_at": utc(alert.fired_at),
        "first_report_at": min(times) if times else None,
        "last_report_at": max(times) if times else None,
        "evidence": evidence_views(alert.evidence),
        "evidence_more": max(len(alert.evidence) - EVIDENCE_MAX, 0),
        "silence": silence_command(alert),
        "measure": alert.measure,
        "toll": alert.tally.toll if alert.tally is not None else None,
        "incidents": list(alert.tally.incidents) if alert.tally is not None else [],
        "tally_lines": tally_lines(alert),
        "value_note": {"new": " (newly reported)", "total": " (highest running total)"}.get(alert.measure, ""),
        "public_url": safe_url(public_url),
        "alert_url": alert_url(alert, public_url),
        "alert_id": alert.id,
        "notification": notification_context(notification),
        "resolved": notification is not None and notification.status == "resolved",
        **(extra or {}),
    }
