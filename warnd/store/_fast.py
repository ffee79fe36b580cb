"""Reads of the evaluation cycle on SQLite without SQLAlchemy's per-execution work.

An evaluation cycle runs some 300 small cached statements, many with long `IN` lists (the touched
regions of a rule that spans 500). For each execution SQLAlchemy builds an execution context, expands
every `IN` list into a fresh SQL string and parameter dict, and wraps every row: on SQLite that cost
about as much as the database work itself. `rows` does the same work once per statement shape: the
statement is compiled once, its SQL is rendered once per combination of `IN` list lengths, and rows
come back as named tuples through the same type processors SQLAlchemy would apply (so times come back
as aware UTC datetimes, booleans as bools, JSON decoded).

Semantics are SQLAlchemy's: the same SQL text, the same bound values in the same order, the same
result types; database errors become StoreError as in `_base._errors`. On PostgreSQL (whose driver
does its own parameter handling and where the network round trip dominates) and for any statement
shape this module does not handle, `rows` is `conn.execute(stmt, params).all()`.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from warnd.errors import StoreError

_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_(\w+)\]")

Processor = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Slot:
    """One placeholder of the compiled SQL, in positional order."""

    name: str
    expanding: bool
    default: Any                     # a value the statement carries (`in_(["killed"])`, LIMIT), or _REQUIRED
    process: Processor               # the bind processor of the value (of each element, when expanding)
    tuple_process: tuple[Processor, ...] | None = None   # per element of a row-value IN


_REQUIRED = object()


@dataclass(slots=True)
class _Plan:
    pieces: list[str]                # the SQL around the expanding placeholders
    order: list[str | None]          # per piece boundary: the expanding slot's name (None: no token)
    slots: list[_Slot]
    results: list[tuple[int, Callable[[Any], Any]]]
    row: Any                         # a namedtuple class with the statement's column keys
    sql: dict[tuple[int, ...], str] = field(default_factory=dict)


def rows(conn: Connection, stmt: Any, params: Mapping[str, Any], *, named: bool = True) -> Sequence[Any]:
    """All rows of `stmt` with `params`, as SQLAlchemy's `conn.execute(stmt, params).all()` gives them
    (index and attribute access), faster on SQLite. With `named=False` a row may be a plain tuple or
    list, for readers that index it (aggregates read thousands of rows a cycle)."""
    dialect = conn.dialect
    plan = _plan(stmt, dialect) if dialect.name == "sqlite" else None
    if plan is None:
        return conn.execute(stmt, dict(params)).all()
    values: list[Any] = []
    lengths: list[int] = []
    for slot in plan.slots:
        value = params.get(slot.name, slot.default)
        if value is _REQUIRED:
            return conn.execute(stmt, dict(params)).all()  # SQLAlchemy says what is missing
        if not slot.expanding:
            values.append(slot.process(value) if slot.process is not None and value is not None else value)
            continue
        if not value:
            return conn.execute(stmt, dict(params)).all()  # an empty IN: SQLAlchemy's own rendering
        lengths.append(len(value))
        if slot.tuple_process is not None:
            procs = slot.tuple_process
            for member in value:
                values.extend(v if p is None or v is None else p(v) for v, p in zip(member, procs, strict=True))
        elif slot.process is not None:
            values.extend(v if v is None else slot.process(v) for v in value)
        else:
            values.extend(value)
    key = tuple(lengths)
    sql = plan.sql.get(key)
    if sql is None:
        sql = plan.sql[key] = _render(plan, params)
    raw = _execute(conn, sql, values)
    if not plan.results:
        return raw if not named else [plan.row._make(r) for r in raw]
    out = []
    for r in raw:
        row = list(r)
        for i, process in plan.results:
            if row[i] is not None:
                row[i] = process(row[i])
        out.append(row)
    return out if not named else [plan.row._make(r) for r in out]


def _render(plan: _Plan, params: Mapping[str, Any]) -> str:
    """The SQL for these `IN` list lengths: each expanding placeholder becomes `?, ?, …` (or
    `(?, ?), (?, ?)` for a row-value IN), as SQLAlchemy renders it."""
    slots = {s.name: s for s in plan.slots}
    parts = [plan.pieces[0]]
    for name, piece in zip(plan.order, plan.pieces[1:], strict=True):
        assert name is not None
        slot = slots[name]
        value = params.get(name, slot.default)
        if slot.tuple_process is not None:
            one = "(" + ", ".join("?" * len(slot.tuple_process)) + ")"
        else:
            one = "?"
        parts.append(", ".join([one] * len(value)))
        parts.append(piece)
    return "".join(parts)


def _execute(conn: Connection, sql: str, values: Sequence[Any]) -> list[Any]:
    driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    try:
        cursor = driver.execute(sql, values)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()
    except sqlite3.OperationalError as e:
        raise StoreError(f"database unavailable: {e}") from e
    except sqlite3.Error as e:
        raise StoreError(f"database error: {e.__class__.__name__}: {e}") from e


@functools.lru_cache(maxsize=4096)
def _plan(stmt: Any, dialect: Dialect) -> _Plan | None:
    """The compiled form of `stmt` for positional SQLite, or None for a shape left to SQLAlchemy."""
    compiled = stmt.compile(dialect=dialect)
    if not compiled.positional or compiled.literal_execute_params:
        return None
    names = compiled.positiontup
    if names is None:
        return None
    expanding = {b.key for b in compiled.post_compile_params}
    processors = compiled._bind_processors   # what SQLAlchemy applies to each bound value
    slots: list[_Slot] = []
    for name in names:
        bind = compiled.binds[name]
        default = _REQUIRED if bind.required else bind.effective_value
        is_expanding = bind.expanding
        if bind.expanding and bind.key not in expanding and name not in expanding:
            return None
        process = processors.get(name)
        tuple_process = None
        if is_expanding and hasattr(bind.type, "types"):
            tuple_process = tuple(process) if isinstance(process, tuple | list) else \
                tuple(None for _ in bind.type.types)
            process = None
        elif isinstance(process, tuple | list):
            return None
        slots.append(_Slot(name, is_expanding, default, process, tuple_process))
    text = compiled.string
    pieces = _POSTCOMPILE.split(text)
    # split() with one group alternates text and names: text, name, text, name, text ...
    order = pieces[1::2]
    if [s.name for s in slots if s.expanding] != order:
        return None
    if text.count("?") != sum(1 for s in slots if not s.expanding):
        return None   # a "?" inside a literal string would shift the values
    # The result columns as SQLAlchemy keys and types them (anonymous ones are "max_1", "count_1", …).
    columns = compiled._result_columns
    results = []
    for i, entry in enumerate(columns):
        process_result = entry.type.dialect_impl(dialect).result_processor(dialect, None)
        if process_result is not None:
            results.append((i, process_result))
    row = namedtuple("Row", [entry.keyname for entry in columns], rename=True)  # type: ignore[misc]
    return _Plan(pieces[0::2], order, slots, results, row)
