"""The decision trace (pure): what an evaluation knew when it decided a group, kept with the alert.

The console shows it as "why this alert fired" (or why it did not go out): the rule as it was
evaluated and where it is written, the window, the aggregate and its value, the baseline and the
daily values it was computed from, the condition, the sources counted, and the realert, escalation
and silence decisions. It is written at firing time, never recomputed: rules, silences and the
history change afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from warnd.config.durations import format_duration
from warnd.config.rules import Rule

__all__ = ["decision_trace", "rule_source"]

# A trace is stored with every alert: the baseline series is cut to its last days beyond this.
_SERIES_MAX = 400


class _Candidate(Protocol):
    @property
    def met(self) -> bool: ...
    @property
    def value(self) -> float: ...
    @property
    def baseline(self) -> float | None: ...
    @property
    def sources(self) -> int: ...
    @property
    def reason(self) -> str: ...


class _Prior(Protocol):
    @property
    def last_value(self) -> float | None: ...
    @property
    def last_sent_at(self) -> datetime | None: ...
    @property
    def alert_count(self) -> int: ...


def decision_trace(rule: Rule, *, source: str | None, cand: _Candidate, verdict: str, now: datetime,
                   prior: _Prior | None, silence_id: int | None = None, channels: Sequence[str] = (),
                   series: Sequence[float] | None = None) -> dict[str, Any]:
    """A JSON-ready account of one decision for one group."""
    window = getattr(rule, "window", None)
    out: dict[str, Any] = {
        "rule": rule.id,
        "kind": getattr(rule, "kind", None),
        "source": source,
        "decided_at": now.isoformat(timespec="seconds"),
        "window": format_duration(window) if window is not None else None,
        "window_s": int(window.total_seconds()) if window is not None else None,
        "window_start": (now - window).isoformat(timespec="seconds") if window is not None else None,
        "window_end": now.isoformat(timespec="seconds"),
        "aggregate": getattr(rule, "aggregate", None),
        # What a figure counts: `new` (what each report newly reported) or `total` (docs/rules.md#tolls).
        "measure": getattr(rule, "measure", None),
        "condition": _model(getattr(rule, "condition", None)),
        "match": rule.match.model_dump(mode="json", exclude_defaults=True),
        "group_by": list(rule.group_by),
        "value": cand.value,
        "met": cand.met,
        "reason": cand.reason or None,
        "min_sources": rule.min_sources,
        "sources": cand.sources,
        "realert": format_duration(rule.realert),
        "escalate_ratio": rule.escalate_ratio,
        "prior": None if prior is None else {
            "last_value": prior.last_value,
            "last_sent_at": prior.last_sent_at.isoformat(timespec="seconds") if prior.last_sent_at else None,
            "alert_count": prior.alert_count,
        },
        "verdict": verdict,
        "silence_id": silence_id,
        "channels": list(channels),
    }
    baseline = getattr(rule, "baseline", None)
    if baseline is not None:
        days = list(series or ())[-_SERIES_MAX:]
        out["baseline"] = {"value": cand.baseline, "stat": baseline.stat,
                           "lookback": format_duration(baseline.lookback),
                           "min_baseline_days": baseline.min_baseline_days, "daily": days}
    lookback = getattr(rule, "lookback", None)
    if lookback is not None:
        out["lookback"] = format_duration(lookback)
    return out


def rule_source(path: str, line: int | None, base_dir: str) -> str:
    """`rules/x.yaml:14`: where a rule is written, relative to the deployment's directory when inside it."""
    try:
        shown = str(Path(path).absolute().relative_to(Path(base_dir).absolute()))
    except ValueError:
        shown = path
    return f"{shown}:{line}" if line else shown


def _model(value: Any) -> Any:
    return value.model_dump(mode="json", exclude_none=True) if value is not None else None
