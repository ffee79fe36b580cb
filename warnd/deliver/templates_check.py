"""`warnd check` for templates: every Jinja2 file under the template directories must compile, and
every channel's templates must render for sample alerts (a first alert with a baseline of 0, an
escalation), for each rule that has its own templates too — so a template that divides by zero, loops
past its budget or names a missing variable is found before an alert needs it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import jinja2

from warnd.config import Settings
from warnd.config.settings import (
    AppriseChannelConfig,
    EmailChannelConfig,
    FileChannelConfig,
    SlackChannelConfig,
)
from warnd.deliver.apprise_channel import render_apprise
from warnd.deliver.email import render_email
from warnd.deliver.render import TemplateSet, resolved
from warnd.deliver.slack import render_slack
from warnd.errors import Problem
from warnd.templating import BoundedEnvironment
from warnd.types import Alert, Delivery, DeliveryStatus, Evidence, Notification, Severity


def check_templates(settings: Settings, rule_ids: Iterable[str] = ()) -> list[Problem]:
    """Compile every `*.j2` under the configured template directories, then render each channel's
    templates for sample alerts; report problems with file:line where known."""
    dirs = [settings.path(settings.templates)]
    dirs += [settings.path(c.templates) for c in settings.channels.values() if c.templates]
    problems: list[Problem] = []
    env = BoundedEnvironment()
    for d in dirs:
        if not d.is_dir():
            problems.append(Problem(str(d), None, None, "template directory not found"))
            continue
        for path in sorted(d.rglob("*.j2")):
            try:
                env.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except jinja2.TemplateSyntaxError as e:
                problems.append(Problem(str(path), e.lineno, None, f"template syntax: {e.message}"))
            except (OSError, UnicodeDecodeError) as e:
                problems.append(Problem(str(path), None, None, f"cannot read: {e}"))
    if problems:
        return problems
    return _render_samples(settings, ["(sample rule)", *rule_ids])


def sample_alerts(rule_id: str) -> list[tuple[str, Alert]]:
    """A first alert (baseline 0, no previous value) and an escalation, as a channel would get them."""
    labels = (("region", "Latakia"), ("country", "Syria"))
    evidence = (Evidence("Sample item: 12 civilians killed", "sample-feed", "https://example.org/item",
                         datetime(2025, 3, 8, 9, tzinfo=UTC), 12),)
    first = Alert(rule=rule_id, dedup_key="check", severity=Severity.HIGH, title="", labels=labels, value=12.0,
                  baseline=0.0, window=timedelta(hours=24), sources=1, fired_at=datetime(2025, 3, 8, 10, tzinfo=UTC),
                  evidence=evidence, metric="killed", kind="jump", id=1)
    escalated = Alert(rule=rule_id, dedup_key="check", severity=Severity.CRITICAL, title="Sample title",
                      labels=labels, value=30.0, baseline=2.0, window=timedelta(hours=24), sources=3,
                      fired_at=datetime(2025, 3, 9, 10, tzinfo=UTC), evidence=evidence * 3, metric="killed",
                      kind="jump", escalation=True, previous_value=12.0, annotations=(("note", "sample"),), id=2)
    return [("a first alert with baseline 0", first), ("an escalation", escalated)]


def _render_samples(settings: Settings, rule_ids: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    templates_dir = settings.path(settings.templates)
    for name, config in settings.channels.items():
        render: Callable[[Alert], object]
        if isinstance(config, SlackChannelConfig):
            slack = TemplateSet.for_channel("slack", templates_dir, resolved(config, settings).templates)
            render = functools.partial(render_slack, templates=slack, channel=name, public_url=settings.public_url)
        elif isinstance(config, EmailChannelConfig | FileChannelConfig) and getattr(config, "format", "eml") == "eml":
            mail: EmailChannelConfig | FileChannelConfig = (
                resolved(config, settings) if isinstance(config, EmailChannelConfig) else resolved(config, settings))
            render = functools.partial(render_email, channel=name, config=mail, templates_dir=templates_dir,
                                       public_url=settings.public_url)
        elif isinstance(config, AppriseChannelConfig):
            chat = TemplateSet.for_channel("apprise", templates_dir, resolved(config, settings).templates)

            def render_chat(alert: Alert, notification: Notification | None = None,
                            chat: TemplateSet = chat, name: str = name) -> object:
                return render_apprise(alert, Delivery(0, alert.id or 0, name, DeliveryStatus.PENDING,
                                                      notification=notification), chat)
            render = render_chat
        else:
            continue  # webhooks, Alertmanager and JSON files carry warnd's own JSON: no operator template
        where = str(settings.path(config.templates) if config.templates else templates_dir)
        problem = _first_failure(render, rule_ids)
        if problem is not None:
            problems.append(Problem(where, None, None, f"channel {name!r}: {problem}"))
    return problems


def _first_failure(render: Callable[..., object], rule_ids: list[str]) -> str | None:
    for rule_id in dict.fromkeys(rule_ids):
        samples = sample_alerts(rule_id)
        alerts = tuple(a for _w, a in samples)
        # A grouped route's notification of both samples, and the resolved notice of the first.
        grouped = [("a grouped notification", alerts[1], Notification(1, (("country", "Syria"),), "root", "firing", 1,
                                                                       alerts[::-1], alerts[:1])),
                   ("a resolved notice", alerts[0], Notification(2, (), "root", "resolved", 2, (), alerts[:1]))]
        for what, alert, notification in [(w, a, None) for w, a in samples] + grouped:
            try:
                render(alert, notification=notification) if notification else render(alert)
            except Exception as e:  # noqa: BLE001 - reported to the operator, with where and why
                rule = "" if rule_id.startswith("(") else f"rule {rule_id!r}: "
                return f"{rule}templates fail for {what}: {type(e).__name__}: {e}"
    return None


__all__ = ["check_templates", "sample_alerts"]
