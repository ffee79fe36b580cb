"""systemd integration: readiness, watchdog and stopping notifications (`Type=notify`, sd_notify(3)).

Under `Type=notify` systemd passes `$NOTIFY_SOCKET`, a datagram socket (a path, or `@name` in the
abstract namespace); the daemon sends `READY=1` once it has caught up and its jobs run,
`WATCHDOG=1` every half `WatchdogSec=` (`$WATCHDOG_USEC`) from a scheduler job — so a wedged event
loop gets the service restarted — and `STOPPING=1` when SIGTERM's drain begins. Outside systemd
(no `$NOTIFY_SOCKET`) every call is a no-op. The protocol is one `sendto`: no library needed.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Notifier"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notifier:
    """Where to send sd_notify messages (None: not under systemd) and how often the watchdog wants one."""

    address: str | None = None
    watchdog: timedelta | None = None

    @classmethod
    def from_environment(cls, env: Mapping[str, str], *, pid: int | None = None) -> Notifier:
        """`$NOTIFY_SOCKET`, and `$WATCHDOG_USEC` when `$WATCHDOG_PID` is unset or this process."""
        address = env.get("NOTIFY_SOCKET") or None
        watchdog = None
        usec = env.get("WATCHDOG_USEC", "")
        owner = env.get("WATCHDOG_PID", "")
        if address and usec.isdigit() and int(usec) > 0 and (not owner or owner == str(pid or os.getpid())):
            watchdog = timedelta(microseconds=int(usec))
        return cls(address, watchdog)

    @property
    def watchdog_interval(self) -> timedelta | None:
        """How often to send `WATCHDOG=1`: half the watchdog timeout, as sd_watchdog_enabled(3) advises."""
        return self.watchdog / 2 if self.watchdog else None

    def notify(self, **fields: str | int) -> bool:
        """Send `KEY=value` lines (`ready=1` → `READY=1`); False when not under systemd or the send failed."""
        if not self.address:
            return False
        message = "\n".join(f"{k.upper()}={v}" for k, v in fields.items()).encode()
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, target)
        except OSError as e:
            # systemd gone or the socket not ours: the daemon goes on; the service manager will say so.
            log.warning("systemd notification failed", extra={"error": f"{type(e).__name__}: {e}"})
            return False
        return True
