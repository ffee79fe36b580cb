"""Alert decisions (pure): dedup key, realert, escalation, silences, routing, rule text rendering."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from warnd.config.durations import format_duration
from warnd.types import Alert, Severity

log = logging.getLogger(__name__)

# Operator-written titles and annotations run sandboxed: a rule file must not reach Python internals.
_JINJA = SandboxedEnvironment(autoescape=False)


class Verdict(StrEnum):
    SEND = "send"
    ESCALATE = "escalate"
    THROTTLED = "throttled"      # realert has not passed and the value did not escalate
    SILENCED = "silenced"


class PriorState(Protocol):
    @property
    def last_value(self) -> float | None: ...
    @property
    def last_sent_at(self) -> datetime | None: ...


class SilenceLike(Protocol):
    @property
    def id(self) -> int: ...

    def active(self, now: datetime) -> bool: ...
    def covers(self, rule: str, labels: dict[str, str]) -> bool: ...


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    silence_id: int | None = None
    previous_value: float | None = None


# json.dumps with these arguments, without building an encoder per call (keys are made per group per cycle).
_CANON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dedup_key(rule_id: str, labels: Sequence[tuple[str, str | None]]) -> str:
    """A stable key for a rule + group: the same group always gets the same key, across restarts and hosts."""
    canon = _CANON.encode([rule_id, sorted((k, v or "") for k, v in labels)])
    digest = hashlib.sha256(canon.encode()).hexdigest()[:16]
    readable = ",".join(f"{k}={v or '-'}" for k, v in sorted(labels, key=lambda kv: kv[0]))
    return f"{rule_id}|{readable}"[:400] + f"|{digest}"


def decide(*, value: float, prior: PriorState | None, realert: timedelta, escalate_ratio: float | None,
           now: datetime, rule: str, labels: dict[str, str], silences: Sequence[SilenceLike]) -> Decision:
    """Whether a met condition becomes an alert now.

    realert counts from the last alert sent for the group (escalations included); an escalation
    (value ≥ escalate_ratio × last alerted value) goes out before realert has passed.
    """
    previous = prior.last_value if prior else None
    verdict = Verdict.SEND
    if prior is not None and prior.last_sent_at is not None and now - prior.last_sent_at < realert:
        if escalate_ratio is not None and previous is not None and previous > 0 and value >= escalate_ratio * previous:
            verdict = Verdict.ESCALATE
        else:
            return Decision(Verdict.THROTTLED, previous_value=previous)
    for s in silences:
        if s.active(now) and s.covers(rule, labels):
            return Decision(Verdict.SILENCED, silence_id=s.id, previous_value=previous)
    return Decision(verdict, previous_value=previous)


def route(*, notify: Sequence[str] | None, severity: Severity, default: Sequence[str],
          by_severity: Mapping[Severity, Sequence[str]], min_severity: Mapping[str, Severity]) -> tuple[str, ...]:
    """Channels for an alert: the rule's `notify`, else routing by severity plus the default."""
    if notify is not None:
        chosen = list(notify)
    else:
        chosen = [*by_severity.get(severity, ()), *default]
    out = [c for c in dict.fromkeys(chosen) if severity.rank >= min_severity.get(c, Severity.INFO).rank]
    return tuple(out)


def render_rule_text(template: str, alert: Alert, *, rule_id: str) -> str:
    """Render an operator's title/annotation template; on error keep the raw text and log why."""
    context: dict[str, Any] = {
        "labels": alert.label_dict, "value": alert.value, "baseline": alert.baseline, "sources": alert.sources,
        "window": format_duration(alert.window), "severity": str(alert.severity), "rule": alert.rule,
        "metric": alert.metric, "escalation": alert.escalation, "previous_value": alert.previous_value,
    }
    try:
        return _JINJA.from_string(template).render(context).strip()
    except TemplateError as e:
        log.warning("rule template failed", extra={"rule": rule_id, "error": str(e)})
        return template
