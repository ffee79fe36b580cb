"""Store: the outbox — deliveries claimed under leases, marked sent or failed, dead letters.
Mixed into `Store`; values out, never rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from warnd.types import Alert, Delivery, DeliveryStatus

from . import _convert as conv
from ._base import StoreBase
from ._groups import _notification
from .tables import AlertRow, DeliveryRow


class DeliveryQueue(StoreBase):
    """The outbox of `Store`."""

    # ---- outbox -------------------------------------------------------------------------------

    def claim_deliveries(self, now: datetime, owner: str, lease: timedelta, limit: int) -> list[tuple[Delivery, Alert]]:
        """Lease due deliveries to `owner` (FOR UPDATE SKIP LOCKED on PostgreSQL), oldest alert first."""
        with self._tx() as s:
            q = (
                select(DeliveryRow)
                .where(
                    DeliveryRow.status == str(DeliveryStatus.PENDING),
                    or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now),
                    or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now),
                )
                .order_by(DeliveryRow.alert_id, DeliveryRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = list(s.scalars(q))
            out = []
            for row in rows:
                row.lease_owner, row.lease_until = owner, now + lease
                alert_row = s.get(AlertRow, row.alert_id)
                assert alert_row is not None
                delivery = conv.delivery(row)
                if row.notification:
                    delivery = replace(delivery, notification=_notification(s, row.notification))
                out.append((delivery, conv.alert(alert_row)))
            return out

    def mark_sent(self, delivery_id: int, now: datetime) -> None:
        with self._tx() as s:
            s.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(
                status=str(DeliveryStatus.SENT), sent_at=now, attempts=DeliveryRow.attempts + 1,
                lease_owner=None, lease_until=None, last_error=None))

    def mark_failed(self, delivery_id: int, error: str, *, retry_at: datetime | None,
                    count_attempt: bool = True) -> None:
        """Record a failed attempt: retry at `retry_at`, or dead letter when it is None.

        With `count_attempt=False` the lease is only released (a delivery held back to keep order).
        """
        values: dict[str, object] = {"lease_owner": None, "lease_until": None}
        if count_attempt:
            values.update(attempts=DeliveryRow.attempts + 1, last_error=error[:2000])
        if retry_at is None:
            values["status"] = str(DeliveryStatus.DEAD)
        else:
            values["next_attempt_at"] = retry_at
        with self._tx() as s:
            s.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(**values))

    def deliveries(self, *, status: DeliveryStatus | None = None, limit: int = 200) -> list[tuple[Delivery, Alert]]:
        q = select(DeliveryRow, AlertRow).join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
        if status is not None:
            q = q.where(DeliveryRow.status == str(status))
        q = q.order_by(DeliveryRow.id.desc()).limit(limit)
        with self._tx() as s:
            return [(conv.delivery(d), conv.alert(a)) for d, a in s.execute(q).all()]

    def retry_deliveries(self, now: datetime, *, ids: Sequence[int] = (), all_dead: bool = False) -> int:
        """Put dead (or given) deliveries back in the queue, due now."""
        q = update(DeliveryRow).values(status=str(DeliveryStatus.PENDING), next_attempt_at=now,
                                       lease_owner=None, lease_until=None, attempts=0)
        if all_dead:
            q = q.where(DeliveryRow.status == str(DeliveryStatus.DEAD))
        else:
            q = q.where(DeliveryRow.id.in_(list(ids)), DeliveryRow.status != str(DeliveryStatus.SENT))
        with self._tx() as s:
            return int(s.execute(q).rowcount or 0)  # type: ignore[attr-defined]

    def outbox_counts(self) -> dict[str, int]:
        with self._tx() as s:
            rows = s.execute(select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)).all()
            return {status: int(n) for status, n in rows}
