"""What every part of `Store` stands on: the engine, and one transaction (or one read) per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
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
        """One ORM transaction; database failures become StoreError, unique-key conflicts stay
        IntegrityError (callers use them to lose a race gracefully)."""
        with _errors(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """One transaction on a plain connection (Core statements, no unit of work), for the hot
        paths of an evaluation cycle; errors as in `_tx`."""
        with _errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A plain connection for reads: no ORM session, so a cycle's hundreds of small aggregate
        queries do not pay for identity maps and unit-of-work bookkeeping."""
        with _errors(), self.engine.connect() as conn:
            yield conn


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        raise
    except OperationalError as e:
        raise StoreError(f"database unavailable: {e.orig or e}") from e
    except SQLAlchemyError as e:
        raise StoreError(f"database error: {e.__class__.__name__}: {e}") from e
