"""One HTTP POST for the Slack and webhook channels, with the outbox's retry semantics.

Status → error: 2xx is done; 408, 425, 429 and 5xx are transient (with `Retry-After` honoured when
the receiver sends one); every other 4xx and any 3xx are permanent (the URL or the payload is wrong and
retrying will not fix it). Connection errors and timeouts are transient.
"""

from __future__ import annotations

import logging
from typing import Final

import aiohttp

from warnd.clock import Clock
from warnd.errors import PermanentDeliveryError, TransientDeliveryError
from warnd.logs import redact_url
from warnd.retry_after import parse_retry_after

log = logging.getLogger(__name__)

TRANSIENT_STATUSES: Final = frozenset({408, 425, 429})
RETRY_AFTER_MAX_S: Final = 6 * 3600.0  # a receiver asking for more is capped; the outbox has its own max


async def post(http: aiohttp.ClientSession, url: str, body: bytes, *, headers: dict[str, str], timeout_s: float,
               channel: str, clock: Clock, what: str) -> None:
    """POST `body` to `url`; return on 2xx.

    Raises:
        TransientDeliveryError: timeout, connection failure, 408/425/429, 5xx (with `retry_after_s`).
        PermanentDeliveryError: 3xx or any other 4xx.
    """
    where = redact_url(url, whole_path=True)   # a channel's URL is a secret: its path may hold the token
    try:
        async with http.post(url, data=body, headers=headers, allow_redirects=False,
                             timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
            status = resp.status
            if 200 <= status < 300:
                await resp.read()
                return
            detail = _snippet(await resp.content.read(300))
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), now=clock.now(), cap_s=RETRY_AFTER_MAX_S)
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
