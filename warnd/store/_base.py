"""What every part of `Store` stands on: the engine and one transaction per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from warnd.errors import StoreError


class StoreBase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction; database failures become StoreError, unique-key conflicts stay IntegrityError
        (callers use them to lose a race gracefully)."""
        try:
            with self._sessions.begin() as session:
                yield session
        except IntegrityError:
            raise
        except OperationalError as e:
            raise StoreError(f"database unavailable: {e.orig or e}") from e
        except SQLAlchemyError as e:
            raise StoreError(f"database error: {e.__class__.__name__}: {e}") from e
