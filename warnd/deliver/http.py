"""One HTTP POST for the Slack and webhook channels, with the outbox's retry semantics.

Status → error: 2xx is done; 408, 425, 429 and 5xx are transient (with `Retry-After` honoured when
the receiver sends one); every other 4xx and any 3xx are permanent (the URL or the payload is wrong and
retrying will not fix it). Connection errors and timeouts are transient.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import urlsplit

import aiohttp

from warnd.clock import Clock, utc
from warnd.errors import PermanentDeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)

TRANSIENT_STATUSES: Final = frozenset({408, 425, 429})
RETRY_AFTER_MAX_S: Final = 6 * 3600.0  # a receiver asking for more is capped; the outbox has its own max


def redact_url(url: str) -> str:
    """`https://hooks.example.org/…`: scheme and host only; paths and queries often hold tokens."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date, RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_MAX_S)
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if at is None:
        return None
    return min(max((utc(at) - now).total_seconds(), 0.0), RETRY_AFTER_MAX_S)


async def post(http: aiohttp.ClientSession, url: str, body: bytes, *, headers: dict[str, str], timeout_s: float,
               channel: str, clock: Clock, what: str) -> None:
    """POST `body` to `url`; return on 2xx.

    Raises:
        TransientDeliveryError: timeout, connection failure, 408/425/429, 5xx (with `retry_after_s`).
        PermanentDeliveryError: 3xx or any other 4xx.
    """
    where = redact_url(url)
    try:
        async with http.post(url, data=body, headers=headers, allow_redirects=False,
                             timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
            status = resp.status
            if 200 <= status < 300:
                await resp.read()
                return
            detail = _snippet(await resp.content.read(300))
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), now=clock.now())
    except TimeoutError as e:
        raise TransientDeliveryError(channel, f"{what} at {where} did not answer within {timeout_s:g}s") from e
    except aiohttp.ClientError as e:
        raise TransientDeliveryError(channel, f"could not reach {what} at {where}") from e
    message = f"{what} at {where} answered HTTP {status}" + (f": {detail}" if detail else "")
    if status in TRANSIENT_STATUSES or status >= 500:
        raise TransientDeliveryError(channel, message, retry_after_s=retry_after)
    if 300 <= status < 400:
        message += " (redirects are not followed for POSTs: configure the final URL)"
    raise PermanentDeliveryError(channel, message)


def _snippet(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:200]
