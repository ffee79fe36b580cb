"""Store: evaluation progress — the cursors every rule has passed, and the rules that lag behind them.
Mixed into `Store`; values out, never rows.

An evaluation cycle reads what was stored after the head cursor, evaluates every rule on it and
moves the head. A rule that fails keeps a `rule_progress` row with the position it had: it is
retried from there (with backoff) until it succeeds, so no observation is ever passed over by a
rule that has not evaluated it. All of a cycle's progress is written in one transaction.

Several instances may evaluate the same cycle at once (PostgreSQL). Every write is conservative:
the head only moves forward, a failure only moves a rule's position back (`min`), and a success
moves or deletes a row only if it still holds the position the cycle read. A lost race therefore
makes a rule evaluate something twice (its alert states throttle the repeat), never skip it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warnd.errors import StoreError

from ._base import StoreBase
from .tables import CursorRow, ItemRow, ObservationRow, RuleProgressRow


@dataclass(frozen=True, slots=True)
class RuleLag:
    """A rule that failed and has not caught up yet."""

    rule: str
    cursor: str                 # the head cursor it lags behind ('none' for rules that read no cursor)
    position: int | None        # it has evaluated everything up to this id; None: it reads no cursor
    failures: int               # consecutive failures (0: recovered but still catching up)
    first_failed_at: datetime | None
    last_failed_at: datetime | None
    retry_at: datetime | None
    last_error: str | None
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class RuleFailure:
    rule: str
    cursor: str
    position: int | None        # the last id the rule had evaluated before this cycle
    error: str
    fingerprint: str
    retry_at: datetime


@dataclass(frozen=True, slots=True)
class RuleCatchUp:
    """A lagging rule that succeeded: from `seen` (the position the cycle read) to `position`."""

    rule: str
    seen: int | None
    position: int | None
    caught_up: bool             # reached the head: the row goes


class EvaluationProgress(StoreBase):
    """The evaluation cursors and rule progress of `Store`."""

    def rule_lags(self) -> dict[str, RuleLag]:
        """Every rule that failed and has not caught up, by rule id."""
        with self._read() as conn:
            return {r.rule: RuleLag(r.rule, r.cursor, r.position, r.failures, r.first_failed_at, r.last_failed_at,
                                    r.retry_at, r.last_error, r.fingerprint)
                    for r in conn.execute(select(*RuleProgressRow.__table__.c))}

    def backlog_size(self, cursor: str, position: int) -> int:
        """How many observations (cursor `evaluate`) or items (`evaluate-items`) are stored after `position`."""
        table = ItemRow if cursor == "evaluate-items" else ObservationRow
        with self._read() as conn:
            return int(conn.scalar(select(func.count()).select_from(table).where(table.id > position)) or 0)

    def save_progress(self, heads: Mapping[str, int], failures: Sequence[RuleFailure],
                      catch_ups: Sequence[RuleCatchUp], now: datetime) -> None:
        """A cycle's progress, in one transaction: heads moved forward, rules failed, rules caught up."""
        for _ in range(3):
            try:
                with self._tx() as s:
                    for name, position in heads.items():
                        _advance(s, name, position, now)
                    for f in failures:
                        _failed(s, f, now)
                    for c in catch_ups:
                        _caught_up(s, c, now)
                return
            except IntegrityError:
                # Another instance inserted the same cursor or rule row first: read it and merge again.
                continue
        raise StoreError("evaluation progress: lost the insert race to other instances three times")


def _advance(s: Session, name: str, position: int, now: datetime) -> None:
    res = s.execute(update(CursorRow).where(CursorRow.name == name, CursorRow.position < position)
                    .values(position=position, updated_at=now))
    if res.rowcount == 0 and s.get(CursorRow, name) is None:  # type: ignore[attr-defined]
        s.add(CursorRow(name=name, position=position, updated_at=now))
        s.flush()


def _failed(s: Session, f: RuleFailure, now: datetime) -> None:
    row = s.get(RuleProgressRow, f.rule, with_for_update=True)
    if row is None:
        s.add(RuleProgressRow(rule=f.rule, cursor=f.cursor, position=f.position, failures=1, first_failed_at=now,
                              last_failed_at=now, retry_at=f.retry_at, last_error=f.error[:2000],
                              fingerprint=f.fingerprint, updated_at=now))
        s.flush()
        return
    if f.position is not None:
        row.position = f.position if row.position is None else min(row.position, f.position)
    row.cursor = f.cursor
    row.failures += 1
    row.first_failed_at = row.first_failed_at or now
    row.last_failed_at, row.retry_at, row.last_error = now, f.retry_at, f.error[:2000]
    row.fingerprint, row.updated_at = f.fingerprint, now


def _caught_up(s: Session, c: RuleCatchUp, now: datetime) -> None:
    held = RuleProgressRow.position.is_(None) if c.seen is None else RuleProgressRow.position == c.seen
    if c.caught_up:
        s.execute(delete(RuleProgressRow).where(RuleProgressRow.rule == c.rule, held))
        return
    s.execute(update(RuleProgressRow).where(RuleProgressRow.rule == c.rule, held).values(
        position=func.coalesce(c.position, RuleProgressRow.position), failures=0, retry_at=None, updated_at=now))
