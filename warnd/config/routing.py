"""The routing tree, inhibition rules and time intervals of `config/warnd.yaml` (pydantic models).

The shape is Alertmanager's (`route:` with `matchers`, `continue`, nested `routes`, a receiver per
node; `inhibit:` with source/target matchers and `equal`; named `time_intervals`), written for warnd's
channels: a node's `receiver` is a list of channel names. docs/configuration.md#route documents it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from warnd.config.durations import Duration

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# name, operator, value: `severity="critical"`, `region=~"Lat.*"`, `country!=Syria`, `tags=demo`.
_MATCHER = re.compile(r"""^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$""")
Operator = Literal["=", "!=", "=~", "!~"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Matcher(_Model):
    """One `name op value` test on an alert's labels (`tags` tests each of the rule's tags)."""

    name: str
    op: Operator
    value: str
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """`region=~"Latakia|Tartus"` → Matcher. Raises ValueError with what is wrong."""
        m = _MATCHER.match(text)
        if m is None:
            raise ValueError(f"{text!r} is not a matcher (name=value, name!=value, name=~regex or name!~regex; "
                             f"e.g. severity=\"critical\")")
        name, op, quoted, bare = m.groups()
        value = bytes(quoted, "utf-8").decode("unicode_escape") if quoted is not None else bare
        pattern = None
        if op in ("=~", "!~"):
            try:
                # Anchored, as Alertmanager's are: `region=~"Lat"` does not match "Latakia".
                pattern = re.compile(f"^(?:{value})$")
            except re.error as e:
                raise ValueError(f"{text!r}: {value!r} is not a regular expression: {e}") from e
        return cls(name=name, op=op, value=value, pattern=pattern)

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value!r}".replace("'", '"')


def _matchers(value: Any) -> Any:
    """`matchers` as a list of strings, or a mapping of exact values (`{severity: critical}`)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        value = [f'{k}="{v}"' for k, v in value.items()]
    if not isinstance(value, list | tuple):
        raise ValueError("matchers are a list of strings such as 'severity=\"critical\"'")
    out = []
    for one in value:
        if isinstance(one, Matcher):
            out.append(one)
        elif isinstance(one, str):
            out.append(Matcher.parse(one))
        else:
            raise ValueError(f"{one!r} is not a matcher string (e.g. 'severity=\"critical\"')")
    return tuple(out)


Matchers = Annotated[tuple[Matcher, ...], BeforeValidator(_matchers)]


def _names(value: Any) -> Any:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else value


Names = Annotated[tuple[str, ...], BeforeValidator(_names)]


class Route(_Model):
    """A node of the routing tree. Unset timings, `group_by`, `receiver` and `send_resolved` are inherited."""

    receiver: Annotated[tuple[str, ...] | None, BeforeValidator(_names)] = Field(
        None, description="channel names this node delivers to")
    matchers: Matchers = ()
    continue_: bool = Field(False, alias="continue")
    group_by: Annotated[tuple[str, ...] | None, BeforeValidator(_names)] = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    send_resolved: bool | None = None
    mute_time_intervals: Names = ()
    active_time_intervals: Names = ()
    routes: tuple[Route, ...] = ()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        if "..." in v and len(v) > 1:
            raise ValueError("'...' (every label: one notification per alert) stands alone in group_by")
        for name in v:
            if name != "..." and not _LABEL.match(name):
                raise ValueError(f"{name!r} is not a label name")
        return v

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _positive(cls, v: timedelta | None) -> timedelta | None:
        if v is not None and v <= timedelta(0):
            raise ValueError("must be longer than 0 (e.g. 5m)")
        return v


class InhibitRule(_Model):
    """While an alert matching `source_matchers` fires, alerts matching `target_matchers` are not sent
    when every `equal` label has the same value on both (a label missing on either side is never equal)."""

    source_matchers: Matchers = Field(min_length=1)
    target_matchers: Matchers = Field(min_length=1)
    equal: Names = ()
    name: str | None = Field(None, description="shown in the reason an alert was inhibited")


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")


def _minutes(text: str) -> int:
    m = _HHMM.match(text)
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (int(m.group(1)) == 24 and m.group(2) != "00"):
        raise ValueError(f"{text!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    return int(m.group(1)) * 60 + int(m.group(2))


def _ranges(value: Any, names: tuple[str, ...] | None, low: int, high: int, what: str) -> Any:
    """`['monday:friday', 'sunday']` or `['1:15', '-1']` → ((first, last), …) inclusive."""
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = [value]
    out = []
    for one in value:
        if isinstance(one, tuple):
            out.append(one)
            continue
        parts = str(one).lower().split(":")
        if len(parts) > 2:
            raise ValueError(f"{one!r} is not a {what} or a range ({what}:{what})")
        try:
            bounds = [names.index(p) + low if names else int(p) for p in parts]
        except ValueError as e:
            hint = f" ({', '.join(names)})" if names else ""
            raise ValueError(f"{one!r} is not a {what}{hint}") from e
        for b in bounds:
            if not (low <= b <= high or (names is None and what == "day of month" and -31 <= b <= -1)):
                raise ValueError(f"{one!r}: a {what} is from {low} to {high}")
        first, last = bounds[0], bounds[-1]
        out.append((first, last))
    return tuple(out)


class TimeRange(_Model):
    start_time: str
    end_time: str

    @model_validator(mode="after")
    def _order(self) -> TimeRange:
        if _minutes(self.start_time) >= _minutes(self.end_time):
            raise ValueError(f"start_time {self.start_time} must be before end_time {self.end_time} "
                             "(a night is two ranges: 20:00-24:00 and 00:00-07:00)")
        return self

    def minutes(self) -> tuple[int, int]:
        return _minutes(self.start_time), _minutes(self.end_time)


class TimeInterval(_Model):
    """One window: every given part must hold (times of day, weekdays, days of month, months, years)."""

    times: tuple[TimeRange, ...] = ()
    weekdays: Annotated[tuple[tuple[int, int], ...], BeforeValidator(
        lambda v: _ranges(v, _WEEKDAYS, 0, 6, "weekday"))] = ()
    days_of_month: Annotated[tuple[tuple[int, int], ...], BeforeValidator(
        lambda v: _ranges(v, None, 1, 31, "day of month"))] = ()
    months: Annotated[tuple[tuple[int, int], ...], BeforeValidator(
        lambda v: _ranges(v, _MONTHS, 1, 12, "month"))] = ()
    years: Annotated[tuple[tuple[int, int], ...], BeforeValidator(
        lambda v: _ranges(v, None, 1970, 9999, "year"))] = ()
    location: str | None = Field(None, description="IANA zone of the times; the config's `timezone` if unset")


class NamedTimeIntervals(_Model):
    name: str
    time_intervals: tuple[TimeInterval, ...] = Field(min_length=1)


def routing_problems(route: Route | None, inhibit: tuple[InhibitRule, ...],
                     intervals: tuple[NamedTimeIntervals, ...], *, channels: set[str], legacy_given: bool,
                     problem: Any) -> list[Any]:
    """Cross checks the models cannot make alone, each at its line: unknown channels and interval
    names, a root with matchers or no receiver, `route` beside `routing`, repeated interval names.

    `problem(loc, message)` makes a located Problem (LocatedYaml.problem).
    """
    out: list[Any] = []
    defined = ", ".join(sorted(channels)) or "none"
    names = [n.name for n in intervals]
    for i, name in enumerate(names):
        if names.index(name) != i:
            out.append(problem(("time_intervals", i, "name"), f"time_intervals: {name!r} is defined twice"))
    if route is None:
        return out
    if legacy_given:
        out.append(problem(("routing",), "give 'route' (the routing tree) or 'routing' (default/by_severity), "
                                         "not both: the tree replaces it", key=True))
    if route.matchers:
        out.append(problem(("route", "matchers"), "route: the root route takes every alert; it has no matchers"))
    if route.receiver is None:
        out.append(problem(("route",), "route: the root route needs a 'receiver' (a list of channel names)"))

    def walk(node: Route, loc: tuple[str | int, ...]) -> None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        for i, ch in enumerate(node.receiver or ()):
            if ch not in channels:
                out.append(problem((*loc, "receiver", i) if isinstance(node.receiver, tuple) else (*loc, "receiver"),
                                   f"{where}.receiver: unknown channel {ch!r} (defined: {defined})"))
        for key in ("mute_time_intervals", "active_time_intervals"):
            for i, name in enumerate(getattr(node, key)):
                if name not in names:
                    out.append(problem((*loc, key, i), f"{where}.{key}: unknown time interval {name!r} "
                                                       f"(defined: {', '.join(names) or 'none'})"))
        for i, child in enumerate(node.routes):
            walk(child, (*loc, "routes", i))
    walk(route, ("route",))
    return out
