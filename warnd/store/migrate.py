"""Schema migrations through Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from warnd.errors import SchemaBehindError, StoreError

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as e:
        raise StoreError(f"cannot read the schema version: {e.__class__.__name__}") from e


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to `revision` (idempotent). Returns (before, after)."""
    before = current_revision(engine)
    cfg = _config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as e:
        raise StoreError(f"migration failed: {e}") from e
    return before, current_revision(engine) or ""


def check_schema(engine: Engine) -> None:
    """Refuse a schema that is behind this warnd.

    Raises:
        SchemaBehindError: naming the command that fixes it.
    """
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "has no warnd schema" if current is None else f"is at schema {current}"
        raise SchemaBehindError(f"the database {state}, this warnd needs {head}: run `warnd db upgrade`")


def autogenerate(engine: Engine, message: str) -> None:
    """Developer tool: write a new migration from the difference between tables.py and the database."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
