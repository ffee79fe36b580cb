"""The warnd exception tree.

```
WarndError
├─ ConfigError(path, line, col, message) ── RuleError
├─ FetchError(feed_id) ── FeedTimeoutError, FeedStatusError(status)
├─ ParseError(feed_id)
├─ StoreError ── SchemaBehindError, StoreLockedError
└─ DeliveryError(channel) ── TransientDeliveryError(retry_after_s), PermanentDeliveryError
```

`str(e)` is a sentence an operator can act on: subject, message and cause
(``feed 'monitor-a': no response within 10s: TimeoutError``). Always ``raise … from e``.
"""

from __future__ import annotations

from dataclasses import dataclass


class WarndError(Exception):
    """Base of every error warnd raises on purpose."""

    subject: str = ""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        parts = [p for p in (self.subject, self.message) if p]
        text = ": ".join(parts)
        cause = self.__cause__
        if cause is not None and not isinstance(cause, WarndError):
            detail = str(cause)
            text += f": {type(cause).__name__}" + (f": {detail}" if detail else "")
        return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One located mistake in an operator-edited file."""

    path: str
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
            if self.col is not None:
                loc += f":{self.col}"
        return f"{loc}: {self.message}"


class ConfigError(WarndError):
    """One or more mistakes in config, rule or template files, each with file:line:col."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        # The located problems are the whole story; the library exception behind them only adds noise.
        return self.message

    @classmethod
    def at(cls, path: str, message: str, line: int | None = None, col: int | None = None) -> ConfigError:
        return cls([Problem(path, line, col, message)])

    @property
    def path(self) -> str:
        return self.problems[0].path if self.problems else ""

    @property
    def line(self) -> int | None:
        return self.problems[0].line if self.problems else None

    @property
    def col(self) -> int | None:
        return self.problems[0].col if self.problems else None


class RuleError(ConfigError):
    """Mistakes in a rule file."""


class FetchError(WarndError):
    """A feed could not be fetched."""

    def __init__(self, feed_id: str, message: str = "") -> None:
        self.feed_id = feed_id
        self.subject = f"feed {feed_id!r}"
        super().__init__(message)


class FeedTimeoutError(FetchError):
    """The feed's server did not answer within the timeout."""


class FeedStatusError(FetchError):
    """The feed's server answered with an HTTP error status."""

    def __init__(self, feed_id: str, status: int, message: str = "", retry_after_s: float | None = None) -> None:
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(feed_id, message or f"HTTP {status}")

    @property
    def permanent(self) -> bool:
        return self.status in (401, 403, 404, 410)


class ParseError(WarndError):
    """A feed body could not be turned into items."""

    def __init__(self, feed_id: str, message: str = "") -> None:
        self.feed_id = feed_id
        self.subject = f"feed {feed_id!r}"
        super().__init__(message)


class StoreError(WarndError):
    """The database failed or is not in the state warnd needs."""


class SchemaBehindError(StoreError):
    """The database schema is older than this warnd; `warnd db upgrade` fixes it."""


class StoreLockedError(StoreError):
    """Another warnd instance holds the SQLite database."""


class DeliveryError(WarndError):
    """A delivery to a channel failed."""

    def __init__(self, channel: str, message: str = "") -> None:
        self.channel = channel
        self.subject = f"channel {channel!r}"
        super().__init__(message)


class TransientDeliveryError(DeliveryError):
    """A delivery failed in a way that a later retry may fix."""

    def __init__(self, channel: str, message: str = "", retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(channel, message)


class PermanentDeliveryError(DeliveryError):
    """A delivery failed in a way that retrying will not fix; it goes to the dead letters."""
