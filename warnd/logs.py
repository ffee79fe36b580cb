"""Structured logging: JSON lines for the daemon off a terminal, readable lines on one; no secrets."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime", "taskName"}
_SECRET_PARAM = re.compile(r"(token|key|secret|password|passwd|sig|signature|auth|access|session)", re.I)


# A path segment that is a credential rather than a name: long, letters and digits mixed, no spaces
# (webhook tokens in Slack, Discord, Teams and home-made receivers' paths).
_TOKEN_SEGMENT = re.compile(r"(?=[^/]*\d)(?=[^/]*[A-Za-z])[A-Za-z0-9_\-]{20,}")
# A URL in running text, without the punctuation that ends its sentence ("failed: https://x/y: 500").
_URL_IN_TEXT = re.compile(r"https?://[^\s'\"<>]+?(?=[.,;:!?)\]]*(?:[\s'\"<>]|$))")


def redact_urls(text: str) -> str:
    """`text` (an error message, say) with every http(s) URL in it passed through `redact_url`."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m[0]), text)


def redact_url(url: str, *, whole_path: bool = False) -> str:
    """`https://user:pw@host/x?token=abc` → `https://user:****@host/x?token=****`; path tokens too.

    The one redactor of warnd: every URL that reaches a log line, an error message or `warnd status`
    goes through it. Kept: scheme, host, port, the path's names. Masked: passwords (or a token given
    as the user name), query and fragment values whose names say secret (token, key, sig, …), Slack
    webhook paths, and path segments that look like credentials (20+ letters and digits mixed).
    `whole_path` is for URLs that are secrets themselves (a channel's Slack or webhook URL, which
    config reads from the environment): only `scheme://host:port/…` is kept.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<unparseable url>"
    if whole_path:
        return f"{parts.scheme}://{parts.hostname or '?'}{f':{port}' if port else ''}/…"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, sep, _password = userinfo.partition(":")
        # `user:pw@` keeps the user; a bare `token@` (a token given as the user name) is all secret.
        netloc = f"{user}:****@{host}" if sep else f"****@{host}"
    query = urlencode([(k, "****" if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, True)], safe="*")
    path = parts.path
    if parts.hostname and parts.hostname.endswith("slack.com"):
        # Incoming-webhook and workflow URLs carry their secret in the last path segment.
        path = re.sub(r"^(/(?:services|workflows|triggers)/(?:[^/]+/)*)[^/]+(/?)$", r"\1****\2", path)
    path = "/".join("****" if _TOKEN_SEGMENT.fullmatch(seg) else seg for seg in path.split("/"))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


# sd-daemon(3) priority prefixes: journald reads `<N>` at the start of a line of a service's stderr as
# its syslog priority (SyslogLevelPrefix=yes, the default), so `journalctl -p warning` filters by level.
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def journald_priority(levelno: int) -> int:
    """The syslog priority of a logging level (a level between two takes the more severe)."""
    return next((p for level, p in sorted(_PRIORITY.items(), reverse=True) if levelno >= level), 7)


def on_journal(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether `stream` is the journal stream systemd gave this service (`$JOURNAL_STREAM` is `dev:inode`)."""
    expected = env.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return bool(expected) and expected == f"{st.st_dev}:{st.st_ino}"


class JsonFormatter(logging.Formatter):
    def __init__(self, *, priority_prefix: bool = False) -> None:
        super().__init__()
        self.priority_prefix = priority_prefix

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
        line = json.dumps(out, default=str, ensure_ascii=False)
        return f"<{journald_priority(record.levelno)}>{line}" if self.priority_prefix else line


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        text = f"{ts} {record.levelname:<7} {record.getMessage()}" + (f"  {fields}" if fields else "")
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(*, level: str = "INFO", json_lines: bool | None = None, stream: TextIO | None = None,
                  env: Mapping[str, str] | None = None) -> None:
    """Configure the root logger once: JSON when not on a terminal (or when asked), readable otherwise.

    On the journal stream systemd gave the service (`env`'s `$JOURNAL_STREAM`), each JSON line starts
    with its journald priority (`<4>{...}` for a warning); elsewhere lines are plain JSON.
    """
    stream = stream or sys.stderr
    if json_lines is None:
        json_lines = not stream.isatty()
    handler = logging.StreamHandler(stream)
    journal = on_journal(stream, env or {})
    handler.setFormatter(JsonFormatter(priority_prefix=journal) if json_lines else HumanFormatter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "aiosqlite", "asyncio", "alembic", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
