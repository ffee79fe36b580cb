"""Alert decisions (pure): dedup key, realert, escalation, silences, routing, rule text rendering."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import jinja2

from warnd.config import RuleSet, rule_templates
from warnd.config.durations import format_duration
from warnd.config.rules import JumpRule, ThresholdRule
from warnd.errors import Problem
from warnd.templating import RULE_TEXT_BUDGET, BoundedEnvironment
from warnd.types import Alert, Severity, Tally, TollView

log = logging.getLogger(__name__)

# Operator-written titles and annotations run sandboxed and bounded: a rule file must neither reach
# Python internals nor hold the evaluation thread (warnd/templating.py). StrictUndefined: a misspelt
# name (`labels.regoin`) is an error that `warnd check` reports, not a blank in a desk's subject line.
_JINJA = BoundedEnvironment(budget=RULE_TEXT_BUDGET, autoescape=False, undefined=jinja2.StrictUndefined)


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


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> jinja2.Template:
    # A rule's texts are rendered for every alert it fires; compiling them is most of the cost.
    return _JINJA.from_string(template)


def _rule_text(template: str, alert: Alert) -> str:
    """Render a rule text. Raises whatever the template raises (it is operator code)."""
    toll = alert.tally.toll if alert.tally is not None else None
    context: dict[str, Any] = {
        "labels": alert.label_dict, "value": alert.value, "baseline": alert.baseline, "sources": alert.sources,
        "window": format_duration(alert.window), "severity": str(alert.severity), "rule": alert.rule,
        "metric": alert.metric, "escalation": alert.escalation, "previous_value": alert.previous_value,
        # What the value counts (docs/rules.md#tolls): "new", "total", or "" for rules without figures.
        "measure": alert.measure,
        "toll": toll,
        "previous": toll.previous if toll is not None else None,
        "increment": toll.increment if toll is not None else None,
        "incidents": list(alert.tally.incidents) if alert.tally is not None else [],
    }
    return _compiled(template).render(context).strip()


def render_rule_text(template: str, alert: Alert, *, rule_id: str, field: str = "title") -> str | None:
    """Render an operator's title, annotation or label template; None (and an ERROR line) if it fails.

    A failing text must not cost the alert: the caller falls back (the default headline for a title,
    no annotation or label) and the alert goes out. Any exception counts, not only template errors:
    `{{ value / baseline }}` raises ZeroDivisionError for the usual jump, whose baseline is 0.
    """
    try:
        return _rule_text(template, alert)
    except Exception as e:  # noqa: BLE001 - operator code: whatever it raises, the alert goes out
        log.error("rule text failed to render; the alert goes out without it",
                  extra={"rule": rule_id, "field": field, "error": f"{type(e).__name__}: {e}"[:300]})
        return None


def _sample_alerts(rule_id: str, severity: Severity, group_by: Sequence[str], jump: bool,
                   measure: str = "") -> list[tuple[str, Alert]]:
    labels = tuple((f, f"sample {f}") for f in group_by)
    at = datetime(2025, 3, 8, tzinfo=UTC)
    # A casualty rule's first sample is a toll first reported (no previous level), its escalation a rise.
    first_tally = Tally(measure, (TollView("killed", "sample scope", None, "sample source", 12, None, None),)) \
        if measure else None
    rise_tally = Tally(measure, (TollView("killed", "sample scope", None, "sample source", 30, 12, at),)) \
        if measure else None
    first = Alert(rule=rule_id, dedup_key="check", severity=severity, title="", labels=labels, value=12.0,
                  baseline=0.0 if jump else None, window=timedelta(hours=24), sources=1,
                  fired_at=at, metric="killed", tally=first_tally)
    escalated = Alert(rule=rule_id, dedup_key="check", severity=severity, title="", labels=labels, value=30.0,
                      baseline=2.0 if jump else None, window=timedelta(hours=24), sources=3,
                      fired_at=datetime(2025, 3, 9, tzinfo=UTC), metric="killed", escalation=True,
                      previous_value=12.0, tally=rise_tally)
    return [("a first alert" + (" with baseline 0" if jump else "") + " and no previous value", first),
            ("an escalation", escalated)]


def rule_warnings(rules: RuleSet) -> list[Problem]:
    """Rules that are valid but likely wrong, for `warnd check` and start-up to say (not refuse)."""
    out: list[Problem] = []
    for loaded in rules.rules:
        rule = loaded.rule
        if isinstance(rule, JumpRule) and rule.signal == "casualties" and rule.measure == "total":
            out.append(Problem(loaded.path, loaded.line, None, (
                f"rule {rule.id!r}: a jump with measure: total compares the level of running tolls with a "
                "baseline of daily figures, so it keeps firing on deaths reported days ago; use measure: new "
                "(casualties newly reported: docs/rules.md#tolls) unless that is what you mean")))
        if isinstance(rule, ThresholdRule | JumpRule) and rule.signal == "casualties" and rule.measure == "new" \
                and rule.aggregate in ("count", "distinct_sources"):
            out.append(Problem(loaded.path, loaded.line, None, (
                f"rule {rule.id!r}: aggregate: {rule.aggregate} counts reports, whatever they newly report; "
                "measure has no effect on it")))
    return out


def check_rule_texts(rules: RuleSet) -> list[Problem]:
    """Render every rule's title, annotations and labels for sample alerts, as `warnd check` does.

    The samples are a first alert (a jump's usual baseline of 0, no previous value) and an
    escalation; a text that raises, or spends its budget, for either is a problem at its line.
    """
    problems: list[Problem] = []
    for loaded in rules.rules:
        rule = loaded.rule
        texts = rule_templates(rule)
        if not texts:
            continue
        measure = rule.measure if isinstance(rule, ThresholdRule | JumpRule) and rule.signal == "casualties" else ""
        samples = _sample_alerts(rule.id, rule.severity, rule.group_by, isinstance(rule, JumpRule), measure)
        for key, template in texts:
            for what, alert in samples:
                try:
                    _rule_text(template, alert)
                except Exception as e:  # noqa: BLE001 - reported to the operator, with where and why
                    line, col = loaded.text_position(key)
                    problems.append(Problem(loaded.path, line, col, f"rule {rule.id!r}: {'.'.join(key)}: "
                                            f"{type(e).__name__}: {e} (rendered for {what})"))
                    break
    return problems
