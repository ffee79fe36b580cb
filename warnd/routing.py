"""Routing (pure): which route nodes, channels and groups an alert reaches, inhibition, time windows.

Alertmanager's semantics: the root node takes every alert; a node's children are tried in order and
the first that matches takes the alert (a child with `continue: true` lets the next ones try too); an
alert that no child takes stays with the node. A node inherits `receiver`, `group_by`, the timings and
`send_resolved` from its parent. The legacy `routing.default` / `routing.by_severity` is the same tree:
a root with the default channels and one child per severity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warnd.config.routing import InhibitRule, Matcher, NamedTimeIntervals, Route, TimeInterval
from warnd.config.settings import RoutingSettings
from warnd.types import Alert, Severity

# Alertmanager's defaults for a grouped route (its docs/configuration.md `route` section).
GROUP_WAIT = timedelta(seconds=30)
GROUP_INTERVAL = timedelta(minutes=5)
REPEAT_INTERVAL = timedelta(hours=4)
EVERY_LABEL = "..."


@dataclass(frozen=True, slots=True)
class RouteNode:
    """A node with what it inherited resolved; `id` is its path from the root (`root`, `root.0.1`)."""

    id: str
    matchers: tuple[Matcher, ...]
    channels: tuple[str, ...]
    group_by: tuple[str, ...] | None          # None: not grouped, each alert is sent as it fires
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    send_resolved: bool
    continue_: bool
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    children: tuple[RouteNode, ...] = field(default=())

    @property
    def grouped(self) -> bool:
        return self.group_by is not None

    def walk(self) -> Iterable[RouteNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def build_tree(route: Route | None, legacy: RoutingSettings) -> RouteNode:
    """The routing tree: `route:` when given, else the one `routing:` implies."""
    if route is None:
        route = Route(receiver=legacy.default, routes=tuple(
            Route(matchers=(Matcher.parse(f'severity="{sev}"'),), receiver=(*chans, *legacy.default))
            for sev, chans in legacy.by_severity.items()))
    return _resolve(route, None, "root")


def _resolve(route: Route, parent: RouteNode | None, node_id: str) -> RouteNode:
    def pick(own: object, inherited: object, default: object) -> object:
        return own if own is not None else inherited if parent is not None else default
    group_by = route.group_by if route.group_by is not None else (parent.group_by if parent else None)
    node = RouteNode(
        id=node_id, matchers=route.matchers,
        channels=tuple(pick(route.receiver, parent and parent.channels, ())),  # type: ignore[arg-type]
        group_by=group_by,
        group_wait=pick(route.group_wait, parent and parent.group_wait, GROUP_WAIT),  # type: ignore[arg-type]
        group_interval=pick(route.group_interval, parent and parent.group_interval, GROUP_INTERVAL),  # type: ignore[arg-type]
        repeat_interval=pick(route.repeat_interval, parent and parent.repeat_interval, REPEAT_INTERVAL),  # type: ignore[arg-type]
        send_resolved=bool(pick(route.send_resolved, parent and parent.send_resolved, False)),
        continue_=route.continue_,
        mute_time_intervals=route.mute_time_intervals, active_time_intervals=route.active_time_intervals)
    if node.group_by is None and node.send_resolved:
        # A resolved notice needs the alert's state kept: such a route groups each alert on its own,
        # sent at once unless it says otherwise (`group_by: ['...']`, group_wait 0).
        node = replace(node, group_by=(EVERY_LABEL,),
                       group_wait=route.group_wait if route.group_wait is not None else timedelta(0))
    children = tuple(_resolve(child, node, f"{node_id}.{i}") for i, child in enumerate(route.routes))
    return RouteNode(**{**{f: getattr(node, f) for f in node.__dataclass_fields__}, "children": children})


def routing_labels(alert: Alert, tags: Sequence[str] = (), implied: Mapping[str, str] | None = None) -> dict[str, str]:
    """What matchers see: the alert's labels plus `severity`, `rule`, `kind`, `metric` and `tags`,
    and the labels its rule implies (`implied`: a rule matching one country makes `country` known)."""
    out = {**(implied or {}), **dict(alert.labels)}
    out.update(severity=str(alert.severity), rule=alert.rule, kind=alert.kind, metric=alert.metric)
    if tags:
        out["tags"] = ",".join(tags)
    return out


def may_hold(matchers: Sequence[Matcher], known: Mapping[str, str]) -> bool:
    """Whether an alert whose labels include `known` (and others unknown) may satisfy `matchers`."""
    return all(matcher_holds(m, known) for m in matchers if m.name in known)


def matcher_holds(m: Matcher, labels: Mapping[str, str]) -> bool:
    """A missing label is the empty string, as in Alertmanager (`country!="Syria"` holds without one).

    `tags` holds a comma-separated set: `tags="demo"` holds when one tag is demo, `tags!="demo"` when none is.
    """
    values = labels.get(m.name, "").split(",") if m.name == "tags" else [labels.get(m.name, "")]
    if m.op in ("=", "=~"):
        return any(_one(m, v) for v in values)
    return all(_one(m, v) for v in values)


def _one(m: Matcher, value: str) -> bool:
    if m.op == "=":
        return value == m.value
    if m.op == "!=":
        return value != m.value
    assert m.pattern is not None
    found = m.pattern.match(value) is not None
    return found if m.op == "=~" else not found


def all_hold(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    return all(matcher_holds(m, labels) for m in matchers)


def match_routes(node: RouteNode, labels: Mapping[str, str]) -> list[RouteNode]:
    """The nodes that take an alert with `labels` (the root matches every alert)."""
    if not all_hold(node.matchers, labels):
        return []
    taken: list[RouteNode] = []
    for child in node.children:
        found = match_routes(child, labels)
        if found:
            taken.extend(found)
            if not child.continue_:
                break
    return taken or [node]


def group_labels(node: RouteNode, labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The labels that name an alert's group on `node` (every label for `...`)."""
    if node.group_by is None or node.group_by == (EVERY_LABEL,):
        return tuple(sorted(labels.items()))
    return tuple((name, labels.get(name, "")) for name in node.group_by)


def group_key(node: RouteNode, labels: Mapping[str, str]) -> str:
    """A stable key for (route node, group): the same group has the same key on every instance."""
    canon = json.dumps([node.id, group_labels(node, labels)], ensure_ascii=False, separators=(",", ":"))
    return f"{node.id}|{hashlib.sha256(canon.encode()).hexdigest()[:32]}"


def channels_for(nodes: Sequence[RouteNode], severity: Severity, min_severity: Mapping[str, Severity]) -> tuple[str, ...]:
    """The channels of `nodes`, each once, less those whose `min_severity` is above the alert's."""
    chosen = [c for n in nodes for c in n.channels]
    return tuple(c for c in dict.fromkeys(chosen) if severity.rank >= min_severity.get(c, Severity.INFO).rank)


# ---- time intervals ---------------------------------------------------------------------------------


def _in_ranges(value: int, ranges: Sequence[tuple[int, int]], *, month_days: int | None = None) -> bool:
    if not ranges:
        return True
    for first, last in ranges:
        if month_days is not None:  # negative days of month count from its end (-1: the last day)
            first = first if first > 0 else month_days + 1 + first
            last = last if last > 0 else month_days + 1 + last
        if first <= value <= last:
            return True
    return False


def interval_holds(interval: TimeInterval, at: datetime, default_zone: str) -> bool:
    """Whether `at` falls in the window (each given part must hold, in the interval's zone)."""
    local = at.astimezone(ZoneInfo(interval.location or default_zone))
    minute = local.hour * 60 + local.minute
    if interval.times and not any(start <= minute < end for start, end in (t.minutes() for t in interval.times)):
        return False
    next_month = local.replace(day=28) + timedelta(days=4)
    month_days = (next_month - timedelta(days=next_month.day)).day
    return (_in_ranges(local.weekday(), interval.weekdays)
            and _in_ranges(local.day, interval.days_of_month, month_days=month_days)
            and _in_ranges(local.month, interval.months) and _in_ranges(local.year, interval.years))


def muted_by(node: RouteNode, at: datetime, intervals: Sequence[NamedTimeIntervals], zone: str) -> str | None:
    """Why `node` sends nothing at `at` (a mute interval holds, or no active interval does), or None."""
    named = {n.name: n for n in intervals}
    for name in node.mute_time_intervals:
        if any(interval_holds(i, at, zone) for i in named[name].time_intervals):
            return f"mute time interval {name!r}"
    if node.active_time_intervals and not any(
            interval_holds(i, at, zone) for name in node.active_time_intervals for i in named[name].time_intervals):
        return f"outside active time intervals {', '.join(repr(n) for n in node.active_time_intervals)}"
    return None


# ---- inhibition -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inhibition:
    source_alert_id: int | None
    source_rule: str
    reason: str


def _equal_key(rule: InhibitRule, labels: Mapping[str, str]) -> tuple[str, ...] | None:
    # A label missing (or empty) on either side is never equal: otherwise a source without `country`
    # would inhibit every target without one (Alertmanager issue #507). None: this side has one missing.
    values = tuple(labels.get(n, "") for n in rule.equal)
    return None if any(v == "" for v in values) else values


class Inhibitor:
    """The firing source alerts of the inhibit rules, indexed by rule and by their `equal` values, so
    checking a target costs a lookup per rule, not a pass over every firing alert."""

    def __init__(self, rules: Sequence[InhibitRule], sources: Iterable[tuple[int | None, Mapping[str, str]]] = ()):
        self.rules = tuple(rules)
        self._index: list[dict[tuple[str, ...], list[tuple[int | None, Mapping[str, str]]]]] = [{} for _ in self.rules]
        for source_id, source in sources:
            self.add(source_id, source)

    def add(self, source_id: int | None, source: Mapping[str, str]) -> None:
        """A firing alert (id, routing labels with `__dedup_key`) that may inhibit others."""
        for rule, index in zip(self.rules, self._index, strict=True):
            key = _equal_key(rule, source)
            if key is not None and all_hold(rule.source_matchers, source):
                index.setdefault(key, []).append((source_id, source))

    def check(self, target: Mapping[str, str], *, target_key: str | None = None) -> Inhibition | None:
        """The first firing source that inhibits `target`, with the reason, or None. An alert never
        inhibits itself (`target_key` is its dedup key, compared with a source's `__dedup_key`)."""
        for number, (rule, index) in enumerate(zip(self.rules, self._index, strict=True), 1):
            if not index or not all_hold(rule.target_matchers, target):
                continue
            key = _equal_key(rule, target)
            for source_id, source in index.get(key, ()) if key is not None else ():
                if target_key is not None and source.get("__dedup_key") == target_key:
                    continue
                equal = ", ".join(f"{n}={source[n]}" for n in rule.equal)
                return Inhibition(source_id, source.get("rule", ""),
                                  f"inhibited by {rule.name or f'inhibit #{number}'}: alert {source_id} of rule "
                                  f"{source.get('rule', '?')!r}" + (f" with the same {equal}" if equal else ""))
        return None


def inhibition(target: Mapping[str, str], sources: Iterable[tuple[int | None, Mapping[str, str]]],
               rules: Sequence[InhibitRule], *, target_key: str | None = None) -> Inhibition | None:
    """The first firing source alert that inhibits `target`, with the reason, or None (see `Inhibitor`)."""
    return Inhibitor(rules, sources).check(target, target_key=target_key)
