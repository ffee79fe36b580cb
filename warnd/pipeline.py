"""One code path from items to recorded alerts, shared by the daemon, `run --once` and `backtest`.

Synchronous by design: the daemon runs it on the store's worker thread, so nothing here blocks
the event loop; `backtest` calls it directly with a simulated clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from warnd import evaluate
from warnd.alerts import Verdict, decide, dedup_key, render_rule_text, route
from warnd.config import RuleSet, Settings
from warnd.config.rules import JumpRule, NewValueRule, ThresholdRule
from warnd.store import IngestReport, Store
from warnd.types import (
    OBSERVATION_ATTR,
    Alert,
    FeedState,
    Item,
    Observation,
    ObservationFilter,
    Signals,
)

log = logging.getLogger(__name__)

EVALUATE_CURSOR = "evaluate"
_EPSILON = timedelta(microseconds=1)

EvaluatedRule = ThresholdRule | JumpRule | NewValueRule


class Extract(Protocol):
    def extract(self, item: Item) -> Signals: ...


@dataclass
class Pipeline:
    store: Store
    extractor: Extract
    settings: Settings
    rules: RuleSet
    feed_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.feed_tags:
            self.feed_tags = {f.name: f.tags for f in self.settings.feeds}

    # ---- ingest -------------------------------------------------------------------------------

    def ingest(self, feed: str, items: Sequence[Item], state: FeedState | None, now: datetime) -> IngestReport:
        """Extract signals from the new and edited items of a feed and store them with the feed's state."""
        fresh = self.store.unseen(feed, items)
        entries = [(item, self.extractor.extract(item)) for item in fresh]
        report = self.store.ingest(feed, entries, state, now)
        if report.new or report.revised:
            log.info("items stored", extra={"feed": feed, "new": report.new, "revised": report.revised,
                                            "observations": report.observations})
        return report

    # ---- evaluate -----------------------------------------------------------------------------

    def evaluate(self, now: datetime) -> list[Alert]:
        """Evaluate every enabled rule for the groups that new observations touched; record alerts.

        Cost depends on the new observations and the rules, not on the size of the history: only
        touched groups are queried, each through indexed window queries.
        """
        after = self.store.cursor(EVALUATE_CURSOR)
        fresh = self.store.observations_after(after)
        if not fresh:
            return []
        fired: list[Alert] = []
        silences = self.store.silences(active_at=now)
        for rule in self.rules.enabled():
            base = self.base_filter(rule)
            groups = dict.fromkeys(group_of(rule, o) for o in fresh if base.matches(o))
            for group in groups:
                try:
                    alert = self._evaluate_group(rule, base, group, now, silences)
                except Exception:  # one rule's failure must not stop the others
                    log.exception("rule evaluation failed", extra={"rule": rule.id})
                    continue
                if alert is not None:
                    fired.append(alert)
        self.store.set_cursor(EVALUATE_CURSOR, max(o.id for o in fresh), now)
        return fired

    def base_filter(self, rule: EvaluatedRule) -> ObservationFilter:
        m = rule.match
        feeds: tuple[str, ...] = m.feeds
        if m.tags:
            tagged = tuple(name for name, tags in self.feed_tags.items() if set(tags) & set(m.tags))
            feeds = tuple(f for f in feeds if f in tagged) if feeds else tagged
            if not feeds:
                feeds = ("\0no feed has these tags",)
        metrics: tuple[str, ...] = ("mention",) if rule.signal == "mentions" else tuple(str(k) for k in m.kind)
        if rule.signal == "casualties" and not metrics:
            metrics = ("killed", "injured", "missing", "kidnapped", "displaced", "arrested")
        return ObservationFilter(
            metrics=metrics, feeds=feeds, countries=m.country, regions=m.regions, victims=m.victims,
            qualifiers=tuple(str(q) for q in m.qualifier), targeted_groups=m.targeted_group,
        )

    def _evaluate_group(self, rule: EvaluatedRule, base: ObservationFilter, group: tuple[tuple[str, str | None], ...],
                        now: datetime, silences: Sequence[object]) -> Alert | None:
        flt = replace(base, group=group)
        start = now - rule.window
        window = self.store.observations(flt, start, now)
        if isinstance(rule, ThresholdRule):
            cand = evaluate.threshold(rule, window)
        elif isinstance(rule, JumpRule):
            history = self.store.observations(flt, start - rule.baseline.lookback, start - _EPSILON)
            cand = evaluate.jump(rule, window, history, start)
        else:
            first = min((o.observed_at for o in window), default=now)
            before = self.store.observations(flt, first - rule.lookback, first - _EPSILON, limit=1)
            cand = evaluate.new_value(rule, window, before)
        labels = tuple((k, v or "") for k, v in group)
        key = dedup_key(rule.id, group)
        label_dict = dict(labels)
        if not cand.met:
            self.store.set_firing(key, rule.id, label_dict, False, now)
            return None
        prior = self.store.alert_state(key)
        if isinstance(rule, NewValueRule) and prior is not None and prior.last_sent_at is not None \
                and window and prior.last_sent_at >= min(o.observed_at for o in window):
            # This appearance of the value was already reported; new_value fires once per appearance.
            self.store.set_firing(key, rule.id, label_dict, True, now)
            return None
        decision = decide(value=cand.value, prior=prior, realert=rule.realert, escalate_ratio=rule.escalate_ratio,
                          now=now, rule=rule.id, labels=label_dict, silences=silences)  # type: ignore[arg-type]
        if decision.verdict is Verdict.THROTTLED:
            log.info("alert throttled", extra={"rule": rule.id, "dedup_key": key, "value": cand.value,
                                               "last_value": decision.previous_value})
            self.store.set_firing(key, rule.id, label_dict, True, now)
            return None
        escalation = decision.verdict is Verdict.ESCALATE
        alert = Alert(
            rule=rule.id, dedup_key=key, severity=rule.severity, title="", labels=labels, value=cand.value,
            baseline=cand.baseline, window=rule.window, sources=cand.sources, fired_at=now,
            evidence=cand.evidence, escalation=escalation,
            previous_value=decision.previous_value if (escalation or decision.previous_value is not None) else None,
            metric=_metric_name(rule), kind=rule.kind,
        )
        alert = self._with_rule_text(rule, alert)
        channels = self._channels(rule)
        alert = replace(alert, notify=channels)
        alert_id = self.store.record_alert(alert, channels, now, silence_id=decision.silence_id)
        if alert_id is None:
            log.info("alert already recorded by another instance", extra={"rule": rule.id, "dedup_key": key})
            return None
        log.info("alert silenced" if decision.silence_id else "alert fired",
                 extra={"rule": rule.id, "alert_id": alert_id, "dedup_key": key, "value": cand.value,
                        "baseline": cand.baseline, "sources": cand.sources, "escalation": escalation,
                        "channels": list(channels), "silence_id": decision.silence_id})
        return replace(alert, id=alert_id)

    def _with_rule_text(self, rule: EvaluatedRule, alert: Alert) -> Alert:
        title = render_rule_text(rule.title, alert, rule_id=rule.id) if rule.title else ""
        annotations = tuple((k, render_rule_text(v, alert, rule_id=rule.id)) for k, v in rule.annotations.items())
        extra = tuple((k, render_rule_text(v, alert, rule_id=rule.id)) for k, v in rule.labels.items())
        labels = alert.labels + tuple(kv for kv in extra if kv[0] not in alert.label_dict)
        return replace(alert, title=title, annotations=annotations, labels=labels)

    def _channels(self, rule: EvaluatedRule) -> tuple[str, ...]:
        routing = self.settings.routing
        return route(notify=rule.notify, severity=rule.severity, default=routing.default,
                     by_severity=routing.by_severity,
                     min_severity={n: c.min_severity for n, c in self.settings.channels.items()})


def group_of(rule: EvaluatedRule, obs: Observation) -> tuple[tuple[str, str | None], ...]:
    return tuple((f, getattr(obs, OBSERVATION_ATTR.get(f, f))) for f in rule.group_by)


def _metric_name(rule: EvaluatedRule) -> str:
    if rule.signal == "mentions":
        return "mention"
    kinds = rule.match.kind
    return str(kinds[0]) if len(kinds) == 1 else "casualties"


def sorted_items(items: Iterable[Item]) -> list[Item]:
    """Items in the order they happened (published, else updated); undated ones last, stable."""
    def when(i: Item) -> tuple[int, float]:
        t = i.published_at or i.updated_at
        return (0, t.timestamp()) if t else (1, 0.0)
    return sorted(items, key=when)
