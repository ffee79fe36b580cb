"""What every part of `Store` stands on: the engine, and one transaction (or one read) per call."""

from __future__ import annotations

import threading
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
        self._local = threading.local()     # .reader: the connection `reading()` holds on this thread

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
        queries do not pay for identity maps and unit-of-work bookkeeping. Inside `reading()`, the
        connection it holds."""
        held: Connection | None = getattr(self._local, "reader", None)
        if held is not None:
            try:
                with _errors():
                    yield held
            except Exception:
                # A failed statement aborts PostgreSQL's transaction: end it, so that the next read of
                # the block (the next rule's) does not fail with it.
                if held.in_transaction():
                    held.rollback()
                raise
            return
        with _errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Let the reads of this thread inside the block share one connection (and one read
        transaction): an evaluation cycle makes hundreds of small reads, and taking a connection
        from the pool and resetting it for each cost more than many of the reads did. Writes still
        take their own connection and commit at once. Inside the block, observations and items must
        not be written: their reads are shared (see `RuleReads._shared`)."""
        if getattr(self._local, "reader", None) is not None:
            yield
            return
        with _errors(), self.engine.connect() as conn:
            self._local.reader = conn
            # Reads of observations and items made twice in the block are answered once (RuleReads._shared):
            # the block is an evaluation cycle, which writes alerts but no observation or item.
            self._local.memo = {}
            try:
                yield
            finally:
                self._local.reader = None
                self._local.memo = None


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
