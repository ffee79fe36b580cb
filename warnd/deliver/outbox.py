"""The outbox worker: claims due deliveries, sends each, and marks it in its own commit.

Guarantees (see docs/reliability.md): a delivery row is committed with its alert before any network
I/O; a delivery is marked sent only after the channel accepted it, so a crash between the two repeats
that one send (at-least-once) and never skips it; so does a database that cannot record the send (disk
full): the delivery stays pending under its lease and is sent again once the lease expires. Within a channel, alerts go out in the order they
were created: a transient failure stops that channel's batch instead of letting later alerts overtake.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from warnd import crashpoints
from warnd.clock import Clock
from warnd.config.settings import OutboxSettings
from warnd.errors import PermanentDeliveryError, StoreError, TransientDeliveryError
from warnd.store import Store, StoreThread
from warnd.types import Alert, Delivery

log = logging.getLogger(__name__)


class Sender(Protocol):
    async def send(self, alert: Alert, delivery: Delivery) -> None: ...


@dataclass(frozen=True, slots=True)
class DrainReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


def backoff(attempt: int, *, base: timedelta, cap: timedelta, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter on the upper half: attempt 1 waits ~base, then doubles up to cap."""
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** max(0, attempt - 1))
    return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)


class Outbox:
    def __init__(self, db: StoreThread, senders: Mapping[str, Sender], *, clock: Clock, settings: OutboxSettings,
                 owner: str, rng: random.Random | None = None, send_timeout_s: float = 60.0,
                 observe: Callable[[str, str], None] | None = None) -> None:
        self._observe = observe or (lambda _channel, _outcome: None)
        self._db = db
        self._senders = senders
        self._clock = clock
        self._settings = settings
        self._owner = owner
        self._rng = rng or random.Random()
        self._send_timeout_s = send_timeout_s

    async def drain(self) -> DrainReport:
        """Send every due delivery once (one batch per call)."""
        now = self._clock.now()
        claimed = await self._db(Store.claim_deliveries, self._db.store, now, self._owner, self._settings.lease,
                                 self._settings.batch)
        if not claimed:
            return DrainReport()
        crashpoints.reach("after_claim")
        by_channel: dict[str, list[tuple[Delivery, Alert]]] = {}
        for d, a in claimed:
            by_channel.setdefault(d.channel, []).append((d, a))
        results: list[DrainReport] = []
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(self._drain_channel(ch, rows)) for ch, rows in by_channel.items()]
        results = [t.result() for t in tasks]
        return DrainReport(len(claimed), sum(r.sent for r in results), sum(r.retried for r in results),
                           sum(r.dead for r in results))

    async def _drain_channel(self, channel: str, rows: Sequence[tuple[Delivery, Alert]]) -> DrainReport:
        sent = retried = dead = 0
        sender = self._senders.get(channel)
        for index, (delivery, alert) in enumerate(rows):
            if sender is None:
                await self._fail(delivery, f"channel {channel!r} is not configured", permanent=True)
                self._observe(channel, "dead")
                dead += 1
                continue
            try:
                crashpoints.reach("before_send")
                await asyncio.wait_for(sender.send(alert, delivery), timeout=self._send_timeout_s)
            except PermanentDeliveryError as e:
                await self._fail(delivery, str(e), permanent=True)
                self._observe(channel, "dead")
                dead += 1
                continue
            except (TransientDeliveryError, TimeoutError) as e:
                message = str(e) or f"no answer within {self._send_timeout_s}s"
                retry_after: float | None = getattr(e, "retry_after_s", None)
            except Exception as e:  # a bug in one sender must not kill the worker; retry like a transient error
                log.exception("delivery crashed", extra={"channel": channel, "delivery_id": delivery.id})
                message, retry_after = f"{type(e).__name__}: {e}", None
            else:
                crashpoints.reach("after_send_before_mark")
                try:
                    await self._db(Store.mark_sent, self._db.store, delivery.id, self._clock.now())
                except StoreError as e:
                    # The receiver has it; the database does not say so. The job fails (the next sends
                    # could not be recorded either) and the row is re-sent after its lease: a duplicate,
                    # never a loss.
                    log.error("delivery sent but not recorded; it will be sent again", extra={
                        "channel": channel, "delivery_id": delivery.id, "alert_id": alert.id,
                        "lease_s": self._settings.lease.total_seconds(),
                        "error": str(e)})
                    raise
                crashpoints.reach("after_mark_sent")
                self._observe(channel, "sent")
                sent += 1
                log.info("delivery sent", extra={"channel": channel, "delivery_id": delivery.id,
                                                 "alert_id": alert.id, "rule": alert.rule,
                                                 "attempt": delivery.attempts + 1})
                continue
            # A transient failure: retry later; later alerts on this channel wait until then, so they
            # keep their creation order.
            retry_at = await self._fail(delivery, message, permanent=False, retry_after_s=retry_after)
            self._observe(channel, "dead" if retry_at is None else "retry")
            if retry_at is None:
                dead += 1
            else:
                retried += 1
            await self._release(rows[index + 1:], not_before=retry_at)
            break
        return DrainReport(len(rows), sent, retried, dead)

    async def _release(self, rows: Sequence[tuple[Delivery, Alert]], *, not_before: datetime | None) -> None:
        """Give back deliveries held behind a failed one; they become due no earlier than its retry."""
        for delivery, _alert in rows:
            due = max(d for d in (delivery.next_attempt_at, not_before, self._clock.now()) if d is not None)
            await self._db(Store.mark_failed, self._db.store, delivery.id, "", retry_at=due, count_attempt=False)

    async def _fail(self, delivery: Delivery, error: str, *, permanent: bool,
                    retry_after_s: float | None = None) -> datetime | None:
        """Record a failure; returns when it will be retried, or None when it became a dead letter."""
        attempt = delivery.attempts + 1
        now = self._clock.now()
        retry_at: datetime | None = None
        if not permanent and attempt < self._settings.max_attempts:
            wait = backoff(attempt, base=self._settings.backoff_base, cap=self._settings.backoff_max, rng=self._rng)
            if retry_after_s is not None:
                wait = max(wait, timedelta(seconds=retry_after_s))
            retry_at = now + wait
        await self._db(Store.mark_failed, self._db.store, delivery.id, error, retry_at=retry_at)
        if retry_at is None:
            log.error("delivery dead-lettered", extra={"channel": delivery.channel, "delivery_id": delivery.id,
                                                        "attempts": attempt, "error": error})
            return None
        log.warning("delivery failed, will retry", extra={"channel": delivery.channel, "delivery_id": delivery.id,
                                                           "attempts": attempt, "retry_at": retry_at.isoformat(),
                                                           "error": error})
        return retry_at
