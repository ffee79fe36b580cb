"""The evaluation reads' SQLite fast path (`warnd.store._fast.rows`) and the fused UTC time
processors give exactly what SQLAlchemy gives: the same rows, types and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import sqlite

from warnd.errors import StoreError
from warnd.store._fast import _plan, rows
from warnd.store.tables import UTCDateTime

T0 = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


@pytest.fixture()
def conn():
    engine = create_engine("sqlite://")
    meta = MetaData()
    t = Table("t", meta, Column("id", Integer, primary_key=True), Column("region", String(32)),
              Column("grp", String(32)), Column("at", UTCDateTime()), Column("n", Integer))
    meta.create_all(engine)
    with engine.begin() as c:
        c.execute(t.insert(), [
            {"region": r, "grp": g, "at": T0 - timedelta(hours=h), "n": h}
            for h, (r, g) in enumerate([("Latakia", "Alawite"), ("Latakia", None), ("Tartus", "Alawite"),
                                        ("Homs", "Druze"), ("Latakia", "Druze"), (None, "Alawite")] * 3)])
    with engine.connect() as c:
        c.info["t"] = t
        yield c
    engine.dispose()


def _both(conn, stmt, params):
    fast = rows(conn, stmt, params)
    slow = conn.execute(stmt, params).all()
    assert [tuple(r) for r in fast] == [tuple(r) for r in slow]
    assert all(f._fields == s._fields for f, s in zip(fast, slow, strict=True))   # the same attribute names
    assert [tuple(r) for r in rows(conn, stmt, params, named=False)] == [tuple(r) for r in slow]
    return fast


def test_expanding_in_lists_of_every_length_give_sqlalchemys_rows(conn) -> None:
    t = conn.info["t"]
    stmt = (select(t.c.region, func.count(), func.max(t.c.at))
            .where(t.c.region.in_(bindparam("g0", expanding=True)), t.c.at >= bindparam("start"),
                   t.c.grp.in_(["Alawite", "Druze"]))
            .group_by(t.c.region).order_by(t.c.region))
    for regions in (["Latakia"], ["Latakia", "Tartus"], ["Homs", "Latakia", "Tartus", "Idlib"], ["Latakia"]):
        got = _both(conn, stmt, {"g0": regions, "start": T0 - timedelta(hours=10)})
        assert got and all(r[2].tzinfo is UTC for r in got)
    assert len(_plan(stmt, conn.dialect).sql) == 3      # one SQL text per combination of list lengths


def test_row_value_in_nulls_limit_and_attribute_access(conn) -> None:
    t = conn.info["t"]
    stmt = (select(t.c.id, t.c.region, t.c.grp, t.c.at)
            .where(tuple_(t.c.region, t.c.grp).in_(bindparam("exact", expanding=True)) | t.c.region.is_(None))
            .order_by(t.c.at.desc(), t.c.id).limit(bindparam("limit")))
    got = _both(conn, stmt, {"exact": [("Latakia", "Alawite"), ("Homs", "Druze")], "limit": 7})
    assert len(got) == 7
    assert {(r.region, r.grp) for r in got} <= {("Latakia", "Alawite"), ("Homs", "Druze"), (None, "Alawite")}
    assert got[0].at == T0 and got[0][3] == T0


def test_an_empty_in_list_and_a_missing_parameter_are_left_to_sqlalchemy(conn) -> None:
    t = conn.info["t"]
    stmt = select(t.c.id).where(t.c.region.in_(bindparam("g0", expanding=True)))
    assert rows(conn, stmt, {"g0": []}) == []
    with pytest.raises(Exception, match="g0"):
        rows(conn, stmt, {})


def test_database_errors_become_store_errors(conn) -> None:
    t = conn.info["t"]
    stmt = select(t.c.id).where(t.c.region == bindparam("r"))
    conn.execute(text("DROP TABLE t"))
    with pytest.raises(StoreError, match="no such table"):
        rows(conn, stmt, {"r": "Latakia"})


def test_utc_times_round_trip_and_keep_sqlalchemys_storage_format(conn) -> None:
    t = conn.info["t"]
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    generic = UTCDateTime().impl.dialect_impl(dialect).bind_processor(dialect)
    for when in (T0, datetime(2025, 3, 6, 15, 0, 0, 123456, tzinfo=timezone(timedelta(hours=3))),
                 datetime(999, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)):
        # The stored text is compared as text by SQLite: it must be exactly what SQLAlchemy writes.
        assert ours(when) == generic(when.astimezone(UTC).replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive"):
        ours(datetime(2025, 3, 6))
    conn.execute(text("INSERT INTO t (id, at) VALUES (100, '2025-03-06 10:00:00+02:00'), (101, '2025-03-06 10:00:00'),"
                      " (102, NULL)"))
    got = {r.id: r.at for r in conn.execute(select(t.c.id, t.c.at).where(t.c.id >= 100))}
    assert got == {100: datetime(2025, 3, 6, 8, 0, tzinfo=UTC), 101: datetime(2025, 3, 6, 10, 0, tzinfo=UTC),
                   102: None}
