"""Schema migrations through Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from warnd.errors import SchemaBehindError, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The newest migration's revision. Every start checks the schema against it; a database already at
# it is read with one SELECT, and Alembic (with Mako and Pygments, ~0.1-0.25 s of imports) is loaded
# only to migrate. tests/test_store.py checks it against the migration scripts.
HEAD = "0006"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest revision of the migration scripts, read by Alembic (what HEAD must say)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (Alembic's version table), None without a warnd schema."""
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except (OperationalError, ProgrammingError) as e:
        if _no_table(e):
            return None
        raise StoreError(f"cannot read the schema version: {e.__class__.__name__}") from e
    except SQLAlchemyError as e:
        raise StoreError(f"cannot read the schema version: {e.__class__.__name__}") from e
    if len(versions) > 1:
        raise StoreError(f"the database has several schema versions ({', '.join(sorted(versions))}): "
                         "it was migrated by a branch of warnd this one does not know")
    return versions[0] if versions else None


def _no_table(e: SQLAlchemyError) -> bool:
    message = str(getattr(e, "orig", e)).lower()
    return "no such table" in message or "does not exist" in message


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to `revision` (idempotent). Returns (before, after)."""
    before = current_revision(engine)
    if revision == "head" and before == HEAD:
        return before, before
    from alembic import command

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
    current, head = current_revision(engine), HEAD
    if current != head:
        state = "has no warnd schema" if current is None else f"is at schema {current}"
        raise SchemaBehindError(f"the database {state}, this warnd needs {head}: run `warnd db upgrade`")


def autogenerate(engine: Engine, message: str) -> None:
    """Developer tool: write a new migration from the difference between tables.py and the database."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
