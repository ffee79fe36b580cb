"""Store: migration 0005 (groups, notifications, deliveries per notification) and group housekeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from tests.fixtures.deliver_alerts import latakia
from warnd.grouping import plan_flush
from warnd.store import GroupTarget, NewAlert, Store, open_store
from warnd.store.migrate import _config, upgrade

T0 = datetime(2025, 3, 9, 12, tzinfo=UTC)


def test_0005_keeps_existing_deliveries_and_their_uniqueness_and_goes_back(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO alerts (rule, dedup_key, seq, kind, metric, severity, title, labels, value, window_s,"
                " sources, fired_at, evidence, annotations, notify, escalation) VALUES ('r', 'k', 1, 'threshold',"
                " 'killed', 'high', '', '{}', 1, 60, 1, :at, '[]', '{}', '[\"desk\"]', false)"), {"at": T0})
            conn.execute(sa.text("INSERT INTO deliveries (alert_id, channel, status, attempts, created_at)"
                                 " VALUES (1, 'desk', 'pending', 0, :at)"), {"at": T0})
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT notification FROM deliveries")).scalar_one() == 0
        with pytest.raises(IntegrityError), engine.begin() as conn:     # (alert, channel) is still unique
            conn.execute(sa.text("INSERT INTO deliveries (alert_id, channel, status, attempts, created_at)"
                                 " VALUES (1, 'desk', 'pending', 0, :at)"), {"at": T0})
        cfg = _config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM deliveries")).scalar_one() == 1
    finally:
        engine.dispose()


def test_an_emptied_group_is_forgotten_once_its_notifications_are_sent(store: Store) -> None:
    target = GroupTarget("root|k", "root", (("country", "Syria"),), ("desk",), timedelta(0), timedelta(minutes=5),
                         timedelta(hours=4), True)
    store.record_alerts([NewAlert(latakia(fired_at=T0), (), groups=(target,), has_state=False, seen_count=0)], T0)
    (group_id,) = store.due_groups(T0)
    assert store.flush_group(group_id, T0, lambda g: plan_flush(g, T0)).status == "firing"  # type: ignore[union-attr]
    later = T0 + timedelta(days=2)
    store.flush_group(group_id, later, lambda g: plan_flush(g, later))       # the resolved notice
    assert store.forget_empty_groups() == 0                                 # its deliveries are pending
    for d, _a in store.deliveries():
        store.mark_sent(d.id, later)
    assert store.forget_empty_groups() == 1 and store.groups() == []


def test_open_store_migrates_to_0005(db_url: str) -> None:
    s = open_store(db_url, migrate=True)
    try:
        with s.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert {"notification_groups", "group_members", "notifications"} <= tables
    finally:
        s.close()
