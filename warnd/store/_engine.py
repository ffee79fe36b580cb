"""Engine creation: SQLite in WAL mode with a busy timeout, PostgreSQL with pre-ping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from warnd.errors import StoreError


def make_engine(url: str) -> Engine:
    """Create the engine for `url`; SQLite's directory is created if missing.

    Raises:
        StoreError: for a URL SQLAlchemy cannot use.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StoreError(f"database URL is not valid: {e}") from e
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the CLI read while the daemon writes; NORMAL is durable across app crashes in WAL.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (ArgumentError, ImportError) as e:
        raise StoreError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {e}") from e
