"""console: decision traces, decisions that did not alert, feedback, acknowledgements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Alerts gain the decision trace the evaluator had when it fired (`trace`) and the grouping labels the
console filters on as columns (`region`, `country`, `community`), filled here from `labels` for the
alerts already stored. `alert_decisions` keeps, per group, the last decision that did not alert
(throttled by realert, or suppressed by a guard such as min_sources).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("trace", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("region", sa.String(128), nullable=True))
        batch.add_column(sa.Column("country", sa.String(128), nullable=True))
        batch.add_column(sa.Column("community", sa.String(64), nullable=True))
    op.create_index("ix_alerts_region_id", "alerts", ["region", "id"])
    op.create_index("ix_alerts_country_id", "alerts", ["country", "id"])
    op.create_index("ix_alerts_rule_silence_fired", "alerts", ["rule", "silence_id", "fired_at"])
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("labels", sa.JSON),
                      sa.column("region", sa.String), sa.column("country", sa.String),
                      sa.column("community", sa.String))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(alerts.c.id, alerts.c.labels).where(alerts.c.id > last)
                            .order_by(alerts.c.id).limit(1000)).all()
        if not rows:
            break
        for alert_id, labels in rows:
            labels = labels or {}
            conn.execute(alerts.update().where(alerts.c.id == alert_id).values(
                region=labels.get("region"), country=labels.get("country"),
                community=labels.get("targeted_group")))
        last = rows[-1][0]
    op.create_table(
        "alert_decisions",
        sa.Column("dedup_key", sa.String(512), primary_key=True),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(128), nullable=True),
        sa.Column("country", sa.String(128), nullable=True),
        sa.Column("community", sa.String(64), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("first_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dedup_key", name="pk_alert_decisions"),
    )
    op.create_index("ix_alert_decisions_decided_at", "alert_decisions", ["decided_at"])
    op.create_table(
        "feedback",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", _ID, sa.ForeignKey("alerts.id", ondelete="CASCADE",
                                                 name="fk_feedback_alert_id_alerts"), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_alert_id", "feedback", ["alert_id"])
    op.create_table(
        "acknowledgements",
        sa.Column("alert_id", _ID, sa.ForeignKey("alerts.id", ondelete="CASCADE",
                                                 name="fk_acknowledgements_alert_id_alerts"), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("acked_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name="pk_acknowledgements"),
    )


def downgrade() -> None:
    op.drop_table("acknowledgements")
    op.drop_index("ix_feedback_alert_id", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_alert_decisions_decided_at", table_name="alert_decisions")
    op.drop_table("alert_decisions")
    op.drop_index("ix_alerts_rule_silence_fired", table_name="alerts")
    op.drop_index("ix_alerts_country_id", table_name="alerts")
    op.drop_index("ix_alerts_region_id", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("community")
        batch.drop_column("country")
        batch.drop_column("region")
        batch.drop_column("trace")
