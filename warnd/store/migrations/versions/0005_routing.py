"""routing: notification groups, their members and notifications; deliveries per notification

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('notification_groups',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('route', sa.String(length=200), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('group_wait_s', sa.Integer(), nullable=False),
    sa.Column('group_interval_s', sa.Integer(), nullable=False),
    sa.Column('repeat_interval_s', sa.Integer(), nullable=False),
    sa.Column('send_resolved', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flush_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notifications', sa.Integer(), nullable=False),
    sa.Column('last_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_groups')),
    sa.UniqueConstraint('key', name='uq_notification_groups_key'),
    )
    op.create_index('ix_notification_groups_flush_at', 'notification_groups', ['flush_at'], unique=False)
    op.create_table('group_members',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('group_id', _ID, nullable=False),
    sa.Column('dedup_key', sa.String(length=512), nullable=False),
    sa.Column('alert_id', _ID, nullable=False),
    sa.Column('notified_alert_id', sa.BigInteger(), nullable=True),
    sa.Column('inhibited', sa.Text(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_group_members_alert_id_alerts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['notification_groups.id'],
                            name=op.f('fk_group_members_group_id_notification_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_members')),
    sa.UniqueConstraint('group_id', 'dedup_key', name='uq_group_members_group_id'),
    )
    op.create_table('notifications',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('group_id', _ID, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('alert_ids', sa.JSON(), nullable=False),
    sa.Column('resolved_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['notification_groups.id'],
                            name=op.f('fk_notifications_group_id_notification_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('group_id', 'seq', name='uq_notifications_group_id_seq'),
    )
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('notification', sa.BigInteger(), server_default='0', nullable=False))
        batch.drop_constraint('uq_deliveries_alert_channel', type_='unique')
        batch.create_unique_constraint('uq_deliveries_alert_channel_notification',
                                       ['alert_id', 'channel', 'notification'])


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_constraint('uq_deliveries_alert_channel_notification', type_='unique')
        batch.execute("DELETE FROM deliveries WHERE notification <> 0")
        batch.create_unique_constraint('uq_deliveries_alert_channel', ['alert_id', 'channel'])
        batch.drop_column('notification')
    op.drop_table('notifications')
    op.drop_table('group_members')
    op.drop_index('ix_notification_groups_flush_at', table_name='notification_groups')
    op.drop_table('notification_groups')
