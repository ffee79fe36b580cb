"""`Retry-After` (RFC 9110 §10.2.3), one parser for feeds and deliveries alike."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_retry_after"]


def parse_retry_after(value: str | None, *, now: datetime, cap_s: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP-date; None if absent or unreadable.

    An HTTP-date is always GMT, also when it says `-0000`; a date in the past is 0 s. `cap_s` bounds
    what a server may ask for.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            at = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        seconds = max(0.0, (at - now).total_seconds())
    return min(seconds, cap_s) if cap_s is not None else seconds
