"""Per-rule evaluation progress: a rule that fails is retried from where it stood, never passed over.

The invariant (docs/reliability.md): **an observation is never passed over by a rule that has not
evaluated it successfully.** A cycle reads what was stored after the head cursor and evaluates every
rule on it. A rule that raises — a database error, a bug, a template that divides by zero, a
budget spent — keeps its position in `rule_progress`; the other rules and the head move on, so one
broken rule cannot hold the others back. The failed rule is retried on the next cycle, then after
1, 2, 4 … evaluation intervals (at most `RETRY_MAX` apart, at once when its definition changes),
each time reading its own backlog from its position in batches, until it has caught up with the
head. Each failure is an ERROR line, a metric (`warnd_rule_failures_total`, `warnd_rules_lagging`)
and a line of `warnd status`.

A retried rule evaluates its backlog at the time of the retry, against its window then: what a
rule failed on for longer than its window is evaluated, but has left the window by then.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from warnd.store import RuleCatchUp, RuleFailure, RuleLag
from warnd.types import Alert

if TYPE_CHECKING:
    from warnd.pipeline import EvaluatedRule, Pipeline

log = logging.getLogger(__name__)

RETRY_MAX = timedelta(minutes=10)
NO_CURSOR = "none"          # rules that read no cursor (feed_silence: they look at every feed each cycle)
BATCH = 10_000              # observations or items read at once, by the head and by each lagging rule


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    """What a cycle did besides alerting, for metrics and logs."""

    failed: tuple[str, ...] = ()            # rules that raised in this cycle
    recovered: tuple[str, ...] = ()         # rules that had failed and succeeded in this cycle
    lagging: int = 0                        # rules still behind the head after this cycle
    text_failures: Mapping[str, int] = field(default_factory=dict)  # rule -> texts that failed to render


def fingerprint(rule: EvaluatedRule) -> str:
    """A rule's definition as a short hash: a failing rule that is edited is retried at once."""
    return hashlib.sha256(rule.model_dump_json().encode()).hexdigest()[:32]


def retry_delay(failures: int, interval: timedelta) -> timedelta:
    """Next cycle after the first failure, then 1, 2, 4 … intervals, at most RETRY_MAX."""
    if failures <= 1:
        return timedelta(0)
    return min(interval * (1 << min(failures - 2, 16)), RETRY_MAX)


class Progress:
    """The progress of one cycle: runs each rule guarded, remembers what to write, writes it once."""

    def __init__(self, pipeline: Pipeline, now: datetime, lags: dict[str, RuleLag]) -> None:
        self.p, self.now, self.lags = pipeline, now, lags
        self.heads: dict[str, int] = {}
        self.failures: list[RuleFailure] = []
        self.catch_ups: list[RuleCatchUp] = []
        self._recovered: list[str] = []
        self._lagging: set[str] = {r for r, lag in lags.items() if pipeline.rules.by_id(r) is not None}

    def run(self, rule: EvaluatedRule, cursor: str, head: int, new_head: int, fresh: Sequence[T], *,
            backlog: Callable[[int], Sequence[T]] | None,
            evaluate: Callable[[Any, Sequence[T]], list[Alert]]) -> list[Alert]:
        """Evaluate `rule` on what it has not evaluated yet; a failure is recorded, never raised.

        `fresh` is what was stored after `head` (up to `new_head`); a rule that lags reads its own
        backlog with `backlog(position)` instead.
        """
        lag = self.lags.get(rule.id)
        if lag is not None and not self._due(rule, lag):
            return []
        # A rule that changed kind keeps no place: its old position counts other rows.
        own = lag is not None and lag.cursor == cursor and lag.position is not None and backlog is not None
        position = lag.position if own and lag is not None and lag.position is not None else head
        try:
            batch = backlog(position) if own and backlog is not None else fresh
            alerts = evaluate(rule, batch)
        except Exception as e:  # noqa: BLE001 - a rule's boundary: record it, keep its place, let the others go on
            self._failed(rule, lag, cursor, None if cursor == NO_CURSOR else position, e)
            return []
        if lag is not None:
            top = max((x.id for x in batch), default=position) if own else new_head
            caught_up = not own or len(batch) < BATCH or top >= new_head
            self.catch_ups.append(RuleCatchUp(rule.id, lag.position, None if cursor == NO_CURSOR else top,
                                              caught_up))
            if lag.failures:
                self._recovered.append(rule.id)
                log.info("rule evaluation recovered", extra={
                    "rule": rule.id, "failures": lag.failures, "caught_up": caught_up,
                    "failing_since": lag.first_failed_at.isoformat() if lag.first_failed_at else None})
            if caught_up:
                self._lagging.discard(rule.id)
        return alerts

    def _due(self, rule: EvaluatedRule, lag: RuleLag) -> bool:
        return lag.failures == 0 or lag.retry_at is None or lag.retry_at <= self.now \
            or lag.fingerprint != fingerprint(rule)

    def _failed(self, rule: EvaluatedRule, lag: RuleLag | None, cursor: str, position: int | None,
                error: Exception) -> None:
        changed = lag is not None and lag.fingerprint != fingerprint(rule)
        failures = 1 if lag is None or changed else lag.failures + 1
        retry_at = self.now + retry_delay(failures, self.p.settings.evaluate_interval)
        text = f"{type(error).__name__}: {error}"[:500]
        self.failures.append(RuleFailure(rule.id, cursor, position, text, fingerprint(rule), retry_at))
        self._lagging.add(rule.id)
        # The traceback once per failing spell (and after an edit); then one line per retry.
        log.error("rule evaluation failed; its observations wait for a retry",
                  exc_info=failures == 1, extra={
                      "rule": rule.id, "failures": failures, "retry_at": retry_at.isoformat(),
                      "position": position, "error": text})

    def save(self) -> None:
        """Write the cycle's heads, failures and catch-ups in one transaction."""
        if self.heads or self.failures or self.catch_ups:
            self.p.store.save_progress(self.heads, self.failures, self.catch_ups, self.now)

    def outcome(self, text_failures: Mapping[str, int]) -> CycleOutcome:
        return CycleOutcome(tuple(f.rule for f in self.failures), tuple(self._recovered), len(self._lagging),
                            dict(text_failures))
