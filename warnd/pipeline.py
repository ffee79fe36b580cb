"""One code path from items to recorded alerts, shared by the daemon, `run --once` and `backtest`.

Synchronous by design: the daemon runs it on the store's worker thread, so nothing here blocks
the event loop; `backtest` calls it directly with a simulated clock.
"""

from __future__ import annotations

import functools
import logging
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from warnd import crashpoints, evaluate
from warnd.alerts import Verdict, decide, dedup_key, render_rule_text, route
from warnd.clock import utc
from warnd.config import RuleSet, Settings
from warnd.config.rules import (
    FeedSilenceRule,
    FrequencyRule,
    JumpRule,
    KeywordRule,
    NewValueRule,
    ThresholdRule,
)
from warnd.evaluate import Candidate
from warnd.grouping import FlushPlan, GroupSnapshot, plan_flush
from warnd.parse import implausible_dates
from warnd.progress import BATCH, NO_CURSOR, CycleOutcome, Progress
from warnd.routing import (
    Inhibitor,
    RouteNode,
    build_tree,
    channels_for,
    group_key,
    group_labels,
    match_routes,
    may_hold,
    muted_by,
    routing_labels,
)
from warnd.store import (
    AlertState,
    DecisionRecord,
    Group,
    GroupTarget,
    IngestReport,
    NewAlert,
    Store,
    StoredItem,
)
from warnd.trace import decision_trace, rule_source
from warnd.types import (
    OBSERVATION_ATTR,
    Alert,
    Evidence,
    FeedState,
    IncidentFacts,
    Item,
    Observation,
    ObservationFilter,
    SeriesFacts,
    Signals,
    Tally,
)

log = logging.getLogger(__name__)

EVALUATE_CURSOR = "evaluate"
ITEMS_CURSOR = "evaluate-items"

ObservationRule = ThresholdRule | JumpRule | NewValueRule | FrequencyRule
EvaluatedRule = ObservationRule | KeywordRule | FeedSilenceRule
_OBSERVATION_RULES = (ThresholdRule, JumpRule, NewValueRule, FrequencyRule)


class Extract(Protocol):
    def extract(self, item: Item) -> Signals: ...


@dataclass
class Pipeline:
    store: Store
    extractor: Extract
    settings: Settings
    rules: RuleSet
    feed_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # When this pipeline first evaluated: a feed that never produced an item is silent since then.
    watching_since: datetime | None = None
    # What the last cycle did besides alerting: rules that failed or lag, texts that failed to render.
    last_cycle: CycleOutcome = field(default_factory=lambda: CycleOutcome())
    text_failures: dict[str, int] = field(default_factory=dict)
    _tree: tuple[Settings, RouteNode] | None = field(init=False, default=None)
    _sources: Inhibitor | None = field(init=False, default=None)
    # Decisions of the current cycle that did not alert (throttled, suppressed), written by its flush.
    decisions: list[DecisionRecord] = field(default_factory=list)
    _rule_sources: dict[str, str] = field(default_factory=dict)   # rule id -> file:line, for traces
    _sources_of: RuleSet | None = field(init=False, default=None)   # the rule set _rule_sources describes

    def __post_init__(self) -> None:
        if not self.feed_tags:
            self.feed_tags = {f.name: f.tags for f in self.settings.feeds if f.enabled}

    @property
    def tree(self) -> RouteNode:
        """The routing tree of the current settings (a config reload replaces `settings`)."""
        if self._tree is None or self._tree[0] is not self.settings:
            self._tree = (self.settings, build_tree(self.settings.route, self.settings.routing))
        return self._tree[1]

    # ---- ingest -------------------------------------------------------------------------------

    def ingest(self, feed: str, items: Sequence[Item], state: FeedState | None, now: datetime) -> IngestReport:
        """Extract signals from the new and edited items of a feed and store them with the feed's state."""
        now = utc(now)
        fresh = self.store.unseen(feed, items)
        for item in fresh:
            # Once per new item or revision (not per poll): the date was dropped in parse, so the item
            # counts from its first-seen time; a desk should know that a "current" report may be old.
            if reasons := implausible_dates(item):
                log.warning("item date implausible, treated as undated", extra={
                    "feed": feed, "guid": item.guid, "key": item.key, "reasons": list(reasons)})
        entries = [(item, self.extractor.extract(item)) for item in fresh]
        report = self.store.ingest(feed, entries, state, now)
        if report.new or report.revised:
            log.info("items stored", extra={"feed": feed, "new": report.new, "revised": report.revised,
                                            "observations": report.observations})
        return report

    # ---- evaluate -----------------------------------------------------------------------------

    def evaluate(self, now: datetime) -> list[Alert]:
        """Evaluate every enabled rule; record and return the alerts that go out (or are silenced).

        Observation rules (threshold, jump, new_value, frequency) and keyword rules look only at the
        groups that new observations / items touched; feed_silence rules look at every watched feed
        on every cycle, since silence is the absence of new items. Cost depends on the new items and
        the rules, not on the size of the history: each rule asks the store one aggregate query for
        all touched groups, and only groups that may hold are read in full.
        """
        # Windows are spans of UTC: `aware - timedelta` in a zone with daylight saving is wall-clock
        # arithmetic (Berlin 31 March 00:30 - 24h is 23 real hours earlier), so never compute in local time.
        now = utc(now)
        if self.watching_since is None:
            self.watching_since = now
        with self.store.reading():
            return self._evaluate(now)

    def _evaluate(self, now: datetime) -> list[Alert]:
        rules = self.rules.enabled()
        if self._sources_of is not self.rules:    # where each rule is written, once per rule set
            self._rule_sources = {lr.rule.id: rule_source(lr.path, lr.line, self.settings.base_dir)
                                  for lr in self.rules.rules}
            self._sources_of = self.rules
        self.decisions = []
        cycle = _Cycle(self, now)
        progress = Progress(self, now, self.store.rule_lags())
        self.text_failures = {}
        # Firing alerts an inhibit rule may take as its source: read once per cycle, grown as it records.
        self._sources = None
        fired: list[Alert] = []
        # Rules whose alerts may inhibit others go first, so a target fired in the same cycle sees its source.
        obs_rules = sorted((r for r in rules if isinstance(r, _OBSERVATION_RULES)), key=self._inhibit_order)
        head = self.store.cursor(EVALUATE_CURSOR)
        fresh = self.store.observations_after(head, limit=BATCH)
        new_head = max((o.id for o in fresh), default=head)
        by_country: dict[str | None, list[Observation]] = {}
        for o in fresh:
            by_country.setdefault(o.country, []).append(o)

        def mine(rule: ObservationRule, observations: Sequence[Observation]) -> Sequence[Observation]:
            # Most rules name countries: look only at those countries' new observations.
            if not rule.match.country:
                return observations
            if observations is fresh:
                return [o for c in rule.match.country for o in by_country.get(c, ())]
            wanted = set(rule.match.country)
            return [o for o in observations if o.country in wanted]

        for rule in obs_rules:
            fired.extend(progress.run(
                rule, EVALUATE_CURSOR, head, new_head, fresh,
                backlog=functools.partial(self.store.observations_after, limit=BATCH),
                evaluate=lambda r, batch: cycle.observation_rule(r, mine(r, batch))))
            crashpoints.reach("between_rules")
        if new_head > head:
            progress.heads[EVALUATE_CURSOR] = new_head
        keyword_rules = [r for r in rules if isinstance(r, KeywordRule)]
        item_head = self.store.cursor(ITEMS_CURSOR)
        if keyword_rules:
            items = self.store.items_after(item_head, limit=BATCH)
            new_item_head = max((i.id for i in items), default=item_head)
            for keyword_rule in keyword_rules:
                fired.extend(progress.run(keyword_rule, ITEMS_CURSOR, item_head, new_item_head, items,
                                          backlog=functools.partial(self.store.items_after, limit=BATCH),
                                          evaluate=cycle.keyword_rule))
        else:
            # Without keyword rules the item cursor follows the store, so a keyword rule added later
            # starts from the items that arrive after it, not from the whole history.
            new_item_head = self.store.last_item_id()
        if new_item_head > item_head:
            progress.heads[ITEMS_CURSOR] = new_item_head
        silence_rules = [r for r in rules if isinstance(r, FeedSilenceRule)]
        if silence_rules:
            states = self.store.feed_states()
            for silence_rule in silence_rules:
                fired.extend(progress.run(silence_rule, NO_CURSOR, 0, 0, (), backlog=None,
                                          evaluate=lambda r, _: cycle.feed_silence_rule(r, states)))
        cycle.flush()
        progress.save()
        self.last_cycle = progress.outcome(self.text_failures)
        return fired

    def base_filter(self, rule: EvaluatedRule) -> ObservationFilter:
        m = rule.match
        feeds: tuple[str, ...] = m.feeds
        if m.tags:
            tagged = tuple(name for name, tags in self.feed_tags.items() if set(tags) & set(m.tags))
            feeds = tuple(f for f in feeds if f in tagged) if feeds else tagged
            if not feeds:
                feeds = ("\0no feed has these tags",)
        signal = rule.signal_name()
        metrics: tuple[str, ...] = ()
        if signal == "mentions":
            metrics = ("mention",)
        elif signal == "casualties":
            metrics = tuple(str(k) for k in m.kind) or (
                "killed", "injured", "missing", "kidnapped", "displaced", "arrested")
        measure = rule.measure if isinstance(rule, ThresholdRule | JumpRule) else "total"
        return ObservationFilter(
            metrics=metrics, feeds=feeds, countries=m.country, regions=m.regions, victims=m.victims,
            qualifiers=tuple(str(q) for q in m.qualifier), targeted_groups=m.targeted_group, measure=measure,
        )

    def watched_feeds(self, rule: FeedSilenceRule) -> tuple[str, ...]:
        """The feeds a feed_silence rule watches: its `feeds`, its `tags`' feeds, else every enabled feed."""
        m = rule.match
        if not m.feeds and not m.tags:
            return tuple(self.feed_tags)
        return tuple(f for f in self.base_filter(rule).feeds if not f.startswith("\0"))

    def judge(self, rule: EvaluatedRule, group: Group, cand: Candidate, now: datetime,
              silences: Sequence[object], *, states: Mapping[str, AlertState], firing: dict[str, bool],
              appeared_at: datetime | None = None, series: Sequence[float] | None = None,
              tally: Tally | None = None) -> NewAlert | None:
        """Turn a group's candidate into an alert to record, or into a firing flag only.

        `states` are the prefetched alert states of the cycle's groups; `firing` collects the firing
        flags of existing states, written in one statement at the end of the cycle. Deciding costs no
        database round trip; `record` writes the alerts (with their own states).
        """
        labels = tuple((k, v or "") for k, v in group)
        key = _dedup_key(rule.id, group)
        label_dict = dict(labels)
        prior = states.get(key)
        if not cand.met:
            if prior is not None:
                firing[key] = False     # a group that never alerted has no state to flag
            if cand.reason:
                # The value was there but a guard (min_sources, min_baseline_days) held the alert back.
                self._note_decision(rule, key, labels, cand, "suppressed", now, prior, series)
            return None
        if appeared_at is not None and prior is not None and prior.last_sent_at is not None \
                and prior.last_sent_at >= appeared_at:
            # This appearance of the value was already reported; new_value fires once per appearance.
            firing[key] = True
            return None
        decision = decide(value=cand.value, prior=prior, realert=rule.realert, escalate_ratio=rule.escalate_ratio,
                          now=now, rule=rule.id, labels=label_dict, silences=silences)  # type: ignore[arg-type]
        if decision.verdict is Verdict.THROTTLED:
            log.info("alert throttled", extra={"rule": rule.id, "dedup_key": key, "value": cand.value,
                                               "last_value": decision.previous_value})
            firing[key] = True      # (throttling needs a prior state too)
            self._note_decision(rule, key, labels, cand, "throttled", now, prior, series)
            return None
        escalation = decision.verdict is Verdict.ESCALATE
        window = rule.silent_for or rule.failing_for or rule.window if isinstance(rule, FeedSilenceRule) \
            else rule.window
        alert = Alert(
            rule=rule.id, dedup_key=key, severity=rule.severity, title="", labels=labels, value=cand.value,
            baseline=cand.baseline, window=window, sources=cand.sources, fired_at=now,
            evidence=cand.evidence, escalation=escalation,
            previous_value=decision.previous_value if (escalation or decision.previous_value is not None) else None,
            metric=_metric_name(rule), kind=rule.kind, tally=tally,
        )
        alert = self._with_rule_text(rule, alert)
        if isinstance(rule, FeedSilenceRule) and cand.reason and "reason" not in rule.annotations:
            alert = replace(alert, annotations=(*alert.annotations, ("reason", cand.reason)))
        channels, muted, groups = self._routes(rule, alert, now)
        inhibited = None if decision.silence_id is not None else self._inhibited(rule, alert, now)
        trace = decision_trace(rule, source=self._rule_sources.get(rule.id), cand=cand, verdict=str(decision.verdict),
                               now=now, prior=prior, silence_id=decision.silence_id, channels=channels,
                               series=series)
        return NewAlert(replace(alert, notify=channels), channels, decision.silence_id,
                        seen_count=prior.alert_count if prior else 0, has_state=prior is not None,
                        inhibited=inhibited, groups=groups, muted=muted, trace=trace)

    def _note_decision(self, rule: EvaluatedRule, key: str, labels: tuple[tuple[str, str], ...], cand: Candidate,
                       verdict: str, now: datetime, prior: AlertState | None, series: Sequence[float] | None) -> None:
        trace = decision_trace(rule, source=self._rule_sources.get(rule.id), cand=cand, verdict=verdict, now=now,
                               prior=prior, series=series)
        self.decisions.append(DecisionRecord(key, rule.id, labels, verdict, cand.value, cand.reason, trace,
                                             str(rule.severity)))

    def record(self, decided: Sequence[NewAlert], now: datetime) -> list[Alert]:
        """Record the alerts a rule decided in a cycle (one transaction); returns those recorded, with ids."""
        if not decided:
            return []
        for _ in decided:
            crashpoints.reach("before_alert_commit")
        ids = self.store.record_alerts(decided, now)
        for _ in decided:
            crashpoints.reach("after_alert_commit")
        out: list[Alert] = []
        for one, alert_id in zip(decided, ids, strict=True):
            a = one.alert
            if alert_id is None:
                log.info("alert already recorded by another instance", extra={"rule": a.rule, "dedup_key": a.dedup_key})
                continue
            if self._sources is not None and one.silence_id is None and one.inhibited is None:
                self._sources.add(*self._source(replace(a, id=alert_id)))
            log.info("alert silenced" if one.silence_id else "alert inhibited" if one.inhibited else "alert fired",
                     extra={"rule": a.rule, "alert_id": alert_id, "dedup_key": a.dedup_key, "value": a.value,
                            "baseline": a.baseline, "sources": a.sources, "escalation": a.escalation,
                            "channels": list(one.channels), "silence_id": one.silence_id})
            out.append(replace(a, id=alert_id))
        return out

    def _with_rule_text(self, rule: EvaluatedRule, alert: Alert) -> Alert:
        """The rule's title, annotations and labels rendered for `alert`.

        A text that fails to render is left out (a title falls back to the default headline) and
        counted in `text_failures`; the alert itself always goes out.
        """
        def render(field: str, template: str) -> str | None:
            out = render_rule_text(template, alert, rule_id=rule.id, field=field)
            if out is None:
                self.text_failures[rule.id] = self.text_failures.get(rule.id, 0) + 1
            return out
        title = (render("title", rule.title) or "") if rule.title else ""
        annotations = tuple((k, out) for k, v in rule.annotations.items()
                            if (out := render(f"annotations.{k}", v)) is not None)
        extra = tuple((k, out) for k, v in rule.labels.items() if (out := render(f"labels.{k}", v)) is not None)
        labels = alert.labels + tuple(kv for kv in extra if kv[0] not in alert.label_dict)
        return replace(alert, title=title, annotations=annotations, labels=labels)

    def _routes(self, rule: EvaluatedRule, alert: Alert, now: datetime
                ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[GroupTarget, ...]]:
        """Where an alert goes: the channels it is sent to as it fires (the rule's `notify`, else those
        of the route nodes that take it and do not group), which of them a time interval mutes now
        (channel, reason), and the groups of the grouping nodes that take it."""
        min_severity = {n: c.min_severity for n, c in self.settings.channels.items()}
        if rule.notify is not None:
            return route(notify=rule.notify, severity=rule.severity, default=(), by_severity={},
                         min_severity=min_severity), (), ()
        labels = routing_labels(alert, rule.match.tags, implied_labels(rule))
        nodes = match_routes(self.tree, labels)
        direct = [n for n in nodes if not n.grouped]
        channels = channels_for(direct, alert.severity, min_severity)
        muted: dict[str, str] = {}
        for node in direct:
            why = muted_by(node, now, self.settings.time_intervals, self.settings.timezone)
            if why is not None:
                muted.update((c, f"{node.id}: {why}") for c in node.channels if c in channels)
        # A channel that an unmuted node also sends to is not muted.
        for node in direct:
            if muted_by(node, now, self.settings.time_intervals, self.settings.timezone) is None:
                for c in node.channels:
                    muted.pop(c, None)
        groups = tuple(GroupTarget(group_key(n, labels), n.id, group_labels(n, labels), n.channels, n.group_wait,
                                   n.group_interval, n.repeat_interval, n.send_resolved)
                       for n in nodes if n.grouped)
        return channels, tuple(muted.items()), groups

    def _inhibited(self, rule: EvaluatedRule, alert: Alert, now: datetime) -> str | None:
        """Why an inhibit rule holds the alert back (a firing source alert), or None."""
        if not self.settings.inhibit:
            return None
        if self._sources is None:
            self._sources = self.inhibit_sources(now)
        found = self._sources.check(routing_labels(alert, rule.match.tags, implied_labels(rule)),
                                    target_key=alert.dedup_key)
        if found is None:
            return None
        log.info("alert inhibited", extra={"rule": rule.id, "dedup_key": alert.dedup_key,
                                           "source_alert_id": found.source_alert_id, "reason": found.reason})
        return found.reason

    def inhibit_sources(self, now: datetime) -> Inhibitor:
        """The firing alerts an inhibit rule may take as its source (none read without inhibit rules)."""
        if not self.settings.inhibit:
            return Inhibitor(())
        return Inhibitor(self.settings.inhibit, (self._source(a) for a in self.store.firing_alerts(now)))

    def plan_flush(self, group: GroupSnapshot, *, now: datetime, sources: Inhibitor) -> FlushPlan:
        """What a flush of `group` sends now: its route's time intervals and the inhibit rules applied."""
        node = next((n for n in self.tree.walk() if n.id == group.route), None)
        muted = muted_by(node, now, self.settings.time_intervals, self.settings.timezone) if node else None
        inhibited: dict[str, str] = {}
        if self.settings.inhibit:
            for m in group.members:
                if not m.holds:
                    continue
                rule = self.rules.by_id(m.alert.rule)
                labels = routing_labels(m.alert, *((rule.match.tags, implied_labels(rule)) if rule else ()))
                found = sources.check(labels, target_key=m.dedup_key)
                if found is not None:
                    inhibited[m.dedup_key] = found.reason
        return plan_flush(group, now, muted=muted, inhibited=inhibited,
                          min_severity={n: c.min_severity for n, c in self.settings.channels.items()})

    def _inhibit_order(self, rule: EvaluatedRule) -> int:
        known = {"rule": rule.id, "severity": str(rule.severity), **implied_labels(rule)}
        return 0 if any(may_hold(r.source_matchers, known) for r in self.settings.inhibit) else 1

    def _source(self, alert: Alert) -> tuple[int | None, dict[str, str]]:
        rule = self.rules.by_id(alert.rule)
        labels = routing_labels(alert, *((rule.match.tags, implied_labels(rule)) if rule is not None else ()))
        return alert.id, {**labels, "__dedup_key": alert.dedup_key}


@functools.lru_cache(maxsize=1024)
def _implied(match: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for label, attr in (("country", "country"), ("region", "regions"), ("victims", "victims"),
                        ("targeted_group", "targeted_group"), ("qualifier", "qualifier")):
        values = getattr(match, attr)
        if len(values) == 1:
            out[label] = str(values[0])
    return out


def implied_labels(rule: EvaluatedRule) -> dict[str, str]:
    """Labels every alert of `rule` has through its match: `country: Syria` when it matches only Syria."""
    return _implied(rule.match)


def group_of(rule: EvaluatedRule, obs: Observation | StoredItem) -> Group:
    return tuple((f, getattr(obs, OBSERVATION_ATTR.get(f, f) if isinstance(obs, Observation) else f))
                 for f in rule.group_by)


@functools.lru_cache(maxsize=1 << 16)
def _dedup_key(rule_id: str, group: Group) -> str:
    # The same (rule, group) keys come back every cycle; hashing them again is a measurable cost.
    return dedup_key(rule_id, group)


@functools.lru_cache(maxsize=1024)
def _matcher(flt: ObservationFilter) -> Callable[[Observation], bool]:
    """`flt.matches`, compiled: the cycle checks every new observation against every rule."""
    if flt.group:
        return flt.matches
    checks = [(operator.attrgetter(attr), frozenset(values)) for attr, values in (
        ("metric", flt.metrics), ("feed", flt.feeds), ("country", flt.countries), ("region", flt.regions),
        ("victims", flt.victims), ("qualifier", flt.qualifiers), ("targeted_group", flt.targeted_groups))
        if values]
    if not checks:
        return lambda o: True
    if len(checks) == 1:
        ((get, allowed),) = checks
        return lambda o: get(o) in allowed
    if len(checks) == 2:
        (get1, allowed1), (get2, allowed2) = checks
        return lambda o: get1(o) in allowed1 and get2(o) in allowed2
    return lambda o: all(get(o) in allowed for get, allowed in checks)


@functools.lru_cache(maxsize=256)
def _grouper(fields: tuple[str, ...]) -> Callable[[Observation], Group]:
    """`group_of` for observations, compiled for a rule's group_by."""
    if len(fields) == 1:
        (name,) = fields
        get = operator.attrgetter(OBSERVATION_ATTR.get(name, name))
        return lambda o: ((name, get(o)),)
    getters = [(name, operator.attrgetter(OBSERVATION_ATTR.get(name, name))) for name in fields]
    return lambda o: tuple((name, get(o)) for name, get in getters)


@functools.lru_cache(maxsize=256)
def _item_matcher(flt: ObservationFilter) -> Callable[[StoredItem], bool]:
    """Whether an item is in the feeds, countries and regions of `flt` (what an item has of a filter)."""
    checks = [(operator.attrgetter(attr), frozenset(values)) for attr, values in (
        ("feed", flt.feeds), ("country", flt.countries), ("region", flt.regions)) if values]
    return lambda item: all(get(item) in allowed for get, allowed in checks)


def _metric_name(rule: EvaluatedRule) -> str:
    if isinstance(rule, KeywordRule):
        return "items"
    if isinstance(rule, FeedSilenceRule):
        return "hours_silent"
    if isinstance(rule, FrequencyRule):
        return "reports"
    if rule.signal == "mentions":
        return "mention"
    kinds = rule.match.kind
    return str(kinds[0]) if len(kinds) == 1 else "casualties"


class _Cycle:
    """One evaluation cycle: per rule, one aggregate query for every touched group, then full reads of the
    groups that may hold. The pure functions of `warnd.evaluate` make every final decision."""

    def __init__(self, pipeline: Pipeline, now: datetime) -> None:
        self.p, self.store, self.now = pipeline, pipeline.store, now
        self._silences: list[object] | None = None
        # Firing flags of existing alert states, written in one transaction at the end of the cycle.
        self.firing: dict[str, bool] = {}
        # The series and incidents read for tallies this cycle: rules share the cycle's new figures.
        self._series_facts: dict[int, SeriesFacts] = {}
        self._incident_facts: dict[int, IncidentFacts] = {}

    def flush(self) -> None:
        self.store.set_firing_many(self.firing, self.now)
        self.firing = {}
        self.store.record_decisions(self.p.decisions, self.now)
        self.p.decisions = []

    @property
    def silences(self) -> list[object]:
        if self._silences is None:
            self._silences = list(self.store.silences(active_at=self.now))
        return self._silences

    def observation_rule(self, rule: ObservationRule, fresh: Sequence[Observation]) -> list[Alert]:
        base = self.p.base_filter(rule)
        matches, key = _matcher(base), _grouper(rule.group_by)
        groups = list(dict.fromkeys(key(o) for o in fresh if matches(o)))
        if not groups:
            return []
        now, start = self.now, self.now - rule.window
        series: dict[Group, list[float]] = {}
        if isinstance(rule, ThresholdRule | FrequencyRule):
            how = rule.aggregate if isinstance(rule, ThresholdRule) else "count"
            values = self.store.group_aggregates(base, groups, start, now, how)
            low = rule.condition.at_least
            high = rule.condition.at_most if isinstance(rule, ThresholdRule) else None
            maybe = [g for g in groups if g in values and (low is None or values[g] >= low)
                     and (high is None or values[g] <= high)]
        elif isinstance(rule, JumpRule):
            values = self.store.group_aggregates(base, groups, start, now, rule.aggregate)
            # A jump needs value >= baseline + increase_at_least >= increase_at_least: the baseline is
            # computed only for groups that pass this necessary condition.
            floor = rule.condition.increase_at_least or 0
            rising = [g for g in groups if values.get(g, 0) > 0 and values[g] >= floor]
            series = self.store.baseline_series(base, rising, start, rule.baseline.lookback,
                                                evaluate.baseline_days(rule), rule.aggregate)
            maybe = [g for g in rising if evaluate.jump_holds(
                rule, values[g], evaluate.baseline_stat(series[g], rule.baseline.stat))]
        else:
            # New: first reported in the window, and not in the lookback before that first report.
            firsts = self.store.first_reports(base, groups, start, now, since=start - rule.lookback)
            fresh_groups = {g for g, (first, last_before) in firsts.items()
                            if last_before is None or last_before < first - rule.lookback}
            maybe = [g for g in groups if g in fresh_groups]
        chosen = set(maybe)
        self.firing.update({_dedup_key(rule.id, g): False for g in groups if g not in chosen})
        return self._observation_groups(rule, base, maybe, series, self.firing) if maybe else []

    def _observation_groups(self, rule: ObservationRule, base: ObservationFilter, groups: list[Group],
                            series: dict[Group, list[float]], firing: dict[str, bool]) -> list[Alert]:
        """Read the groups that may hold in full (one query), decide each with the pure functions."""
        now, start = self.now, self.now - rule.window
        windows = self.store.group_observations(base, groups, start, now)
        states = self.store.alert_states([_dedup_key(rule.id, g) for g in groups])
        firsts: dict[Group, datetime] = {}
        if isinstance(rule, JumpRule) and rule.baseline.min_baseline_days:
            # Enough history means a first report at or before `old_enough`; only the others need their
            # exact first report (for the reason), found in a range as short as min_baseline_days.
            old_enough = start - timedelta(days=rule.baseline.min_baseline_days)
            seen = self.store.groups_seen_by(base, groups, old_enough)
            firsts = dict.fromkeys(seen, old_enough)
            firsts.update(self.store.group_times(base, [g for g in groups if g not in seen], old_enough, now,
                                                 last=False))
        judged: list[tuple[Group, Candidate, datetime | None]] = []
        for group in groups:
            window = windows.get(group, [])
            appeared_at = None
            if isinstance(rule, ThresholdRule):
                cand = evaluate.threshold(rule, window)
            elif isinstance(rule, FrequencyRule):
                cand = evaluate.frequency(rule, window)
            elif isinstance(rule, JumpRule):
                cand = evaluate.jump_from_series(rule, window, series[group], start, first_seen_at=firsts.get(group))
            else:
                # The aggregate query found nothing in the lookback before the first report in the window.
                cand = evaluate.new_value(rule, window, ())
                appeared_at = min((o.observed_at for o in window), default=None)
            judged.append((group, cand, appeared_at))
        # Tallies are read for the groups that will alert: a throttled group's alert is not made.
        tallies = self._tallies(rule, [(g, windows.get(g, [])) for g, cand, _ in judged
                                       if cand.met and not self._throttled(rule, g, cand, states)], start)
        decided: list[NewAlert] = []
        for group, cand, appeared_at in judged:
            one = self.p.judge(rule, group, cand, now, self.silences, appeared_at=appeared_at, states=states,
                               firing=firing, tally=tallies.get(group), series=series.get(group))
            if one:
                decided.append(one)
        return self.p.record(decided, now)

    def _throttled(self, rule: ObservationRule, group: Group, cand: Candidate, states: Mapping[str, AlertState]) -> bool:
        """Whether `judge` will throttle this met group (the same pure decision, made ahead)."""
        prior = states.get(_dedup_key(rule.id, group))
        if prior is None:
            return False
        labels = {k: v or "" for k, v in group}
        return decide(value=cand.value, prior=prior, realert=rule.realert, escalate_ratio=rule.escalate_ratio,
                      now=self.now, rule=rule.id, labels=labels,
                      silences=self.silences).verdict is Verdict.THROTTLED  # type: ignore[arg-type]

    def _tallies(self, rule: ObservationRule, met: Sequence[tuple[Group, Sequence[Observation]]],
                 start: datetime) -> dict[Group, Tally]:
        """The tolls and incidents behind each met group's value: one read for all of a rule's groups."""
        if not met or not (isinstance(rule, ThresholdRule | JumpRule) and rule.signal == "casualties"):
            return {}
        series_ids: set[int] = set()
        incident_ids: set[int] = set()
        for _, window in met:
            s_ids, i_ids = evaluate.ids_behind(rule.measure, window)
            series_ids |= s_ids
            incident_ids |= i_ids
        missing_series = series_ids - self._series_facts.keys()
        missing_incidents = incident_ids - self._incident_facts.keys()
        if missing_series or missing_incidents:
            series, incidents = self.store.toll_facts(missing_series, missing_incidents, self.now)
            self._series_facts.update(series)
            self._incident_facts.update(incidents)
        return {group: evaluate.build_tally(rule.measure, window, start, self._series_facts, self._incident_facts)
                for group, window in met}

    def keyword_rule(self, rule: KeywordRule, items: Sequence[StoredItem]) -> list[Alert]:
        base = self.p.base_filter(rule)
        hits = evaluate.keyword_hits(rule, list(filter(_item_matcher(base), items)))
        groups = list(dict.fromkeys(group_of(rule, i) for i in hits))
        if not groups:
            return []
        # One read for every touched group: the items of the window that may contain a phrase.
        windows: dict[Group, list[StoredItem]] = {}
        for item in self.store.items_in(base, groups, self.now - rule.window, self.now, containing=rule.phrases):
            windows.setdefault(group_of(rule, item), []).append(item)
        states = self.store.alert_states([_dedup_key(rule.id, g) for g in groups])
        decided = [self.p.judge(rule, group, evaluate.keyword(rule, windows.get(group, [])), self.now,
                                self.silences, states=states, firing=self.firing) for group in groups]
        return self.p.record([one for one in decided if one], self.now)

    def feed_silence_rule(self, rule: FeedSilenceRule, states: dict[str, FeedState]) -> list[Alert]:
        feeds = self.p.watched_feeds(rule)
        # The daemon keeps each feed's last new item time in its state; the items are read only for
        # feeds without one (backtests and rule tests ingest without feed states) and for evidence.
        unknown = [f for f in feeds if not (states.get(f) and states[f].last_new_item_at)]
        last = self.store.last_items(unknown) if unknown else {}
        watching = self.p.watching_since or self.now
        alert_states = self.store.alert_states([_dedup_key(rule.id, (("feed", f),)) for f in feeds])
        decided: list[NewAlert] = []
        for feed in feeds:
            item = last.get(feed)
            cand = evaluate.feed_silence(rule, now=self.now, last_item_at=item.first_seen_at if item else None,
                                         state=states.get(feed), watched_since=watching)
            if cand.met:
                item = item or self.store.last_items([feed]).get(feed)
                if item is not None:
                    cand = replace(cand, evidence=(Evidence(item.title, item.feed, item.link, item.observed_at),))
            one = self.p.judge(rule, (("feed", feed),), cand, self.now, self.silences, states=alert_states,
                               firing=self.firing)
            if one:
                decided.append(one)
        return self.p.record(decided, self.now)


def sorted_items(items: Iterable[Item]) -> list[Item]:
    """Items in the order they happened (published, else updated); undated ones last, stable."""
    def when(i: Item) -> tuple[int, float]:
        t = i.published_at or i.updated_at
        return (0, t.timestamp()) if t else (1, 0.0)
    return sorted(items, key=when)
