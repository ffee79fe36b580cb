"""Structured logging: JSON lines for the daemon off a terminal, readable lines on one; no secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime", "taskName"}
_SECRET_PARAM = re.compile(r"(token|key|secret|password|passwd|sig|signature|auth|access|session)", re.I)


def redact_url(url: str) -> str:
    """`https://user:pw@host/x?token=abc` → `https://user:****@host/x?token=****`; Slack-style path tokens too."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, sep, _password = userinfo.partition(":")
        # `user:pw@` keeps the user; a bare `token@` (a token given as the user name) is all secret.
        netloc = f"{user}:****@{host}" if sep else f"****@{host}"
    query = urlencode([(k, "****" if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, True)])
    path = parts.path
    if parts.hostname and parts.hostname.endswith("slack.com"):
        # Incoming-webhook and workflow URLs carry their secret in the last path segment.
        path = re.sub(r"^(/(?:services|workflows|triggers)/(?:[^/]+/)*)[^/]+(/?)$", r"\1****\2", path)
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        out.update(_extras(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        text = f"{ts} {record.levelname:<7} {record.getMessage()}" + (f"  {fields}" if fields else "")
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(*, level: str = "INFO", json_lines: bool | None = None, stream: TextIO | None = None) -> None:
    """Configure the root logger once: JSON when not on a terminal (or when asked), readable otherwise."""
    stream = stream or sys.stderr
    if json_lines is None:
        json_lines = not stream.isatty()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else HumanFormatter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "aiosqlite", "asyncio", "alembic", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
