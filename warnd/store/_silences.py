"""Store: silences — operator mutes by rule and labels, for a while.
Mixed into `Store`; values out, never rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from ._base import StoreBase
from .tables import SilenceRow


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    rule: str | None
    matchers: tuple[tuple[str, str], ...]
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str | None
    created_at: datetime

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def covers(self, rule: str, labels: dict[str, str]) -> bool:
        if self.rule is not None and self.rule != rule:
            return False
        return all(labels.get(k) == v for k, v in self.matchers)


class Silences(StoreBase):
    """The silences of `Store`."""

    # ---- silences -----------------------------------------------------------------------------

    def add_silence(self, *, rule: str | None, matchers: dict[str, str], starts_at: datetime, ends_at: datetime,
                    reason: str, created_by: str | None, now: datetime) -> int:
        """Record a silence.

        Raises:
            ValueError: it names neither a rule nor a label matcher (it would mute every alert).
        """
        if not rule and not matchers:
            raise ValueError("a silence must name a rule or at least one label matcher")
        with self._tx() as s:
            row = SilenceRow(rule=rule, matchers=matchers, starts_at=starts_at, ends_at=ends_at, reason=reason,
                             created_by=created_by, created_at=now)
            s.add(row)
            s.flush()
            return row.id

    def silences(self, *, active_at: datetime | None = None) -> list[Silence]:
        q = select(SilenceRow).order_by(SilenceRow.id)
        if active_at is not None:
            q = q.where(SilenceRow.starts_at <= active_at, SilenceRow.ends_at > active_at)
        with self._tx() as s:
            return [Silence(r.id, r.rule, tuple(sorted(r.matchers.items())), r.starts_at, r.ends_at, r.reason,
                            r.created_by, r.created_at) for r in s.scalars(q)]

    def expire_silence(self, silence_id: int, now: datetime) -> bool:
        with self._tx() as s:
            res = s.execute(update(SilenceRow).where(SilenceRow.id == silence_id, SilenceRow.ends_at > now)
                            .values(ends_at=now))
            return bool(res.rowcount)  # type: ignore[attr-defined]
