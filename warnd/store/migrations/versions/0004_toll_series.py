"""toll series and incidents: what each casualty figure newly reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Existing observations are backfilled as the ingest would have counted them, in id order: an
incident figure (not cumulative) reports its whole count; a running total reports its rise over
the highest earlier total of the same (kind, region, country, feed). Series and incidents are not
rebuilt for old rows (their evidence in alerts is what it was); new items get them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    op.create_table('toll_series',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=128), nullable=False),
    sa.Column('region', sa.String(length=128), nullable=True),
    sa.Column('country', sa.String(length=128), nullable=True),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('attributed', sa.Boolean(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('victims', sa.String(length=64), nullable=True),
    sa.Column('high', sa.BigInteger(), nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=False),
    sa.Column('absorbed', sa.BigInteger(), nullable=False),
    sa.Column('high_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_toll_series'))
    )
    op.create_index('ix_toll_series_metric_scope', 'toll_series', ['metric', 'scope', 'last_at'], unique=False)
    op.create_table('incidents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('place', sa.String(length=128), nullable=False),
    sa.Column('region', sa.String(length=128), nullable=True),
    sa.Column('country', sa.String(length=128), nullable=True),
    sa.Column('event', sa.String(length=64), nullable=True),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('absorbed', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    op.create_index('ix_incidents_metric_place_at', 'incidents', ['metric', 'place', 'first_at'], unique=False)
    op.add_column('observations', sa.Column('new_count', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('observations', sa.Column('series_id', sa.BigInteger(), nullable=True))
    op.add_column('observations', sa.Column('incident_id', sa.BigInteger(), nullable=True))
    op.add_column('observations', sa.Column('source', sa.String(length=200), nullable=True))
    op.add_column('observations', sa.Column('conflict', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index('ix_obs_series_at', 'observations', ['series_id', 'observed_at'], unique=False)
    op.create_index('ix_obs_incident', 'observations', ['incident_id'], unique=False)
    op.add_column('alerts', sa.Column('tally', sa.JSON(), nullable=True))
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    obs = sa.table('observations', sa.column('id'), sa.column('metric'), sa.column('region'), sa.column('country'),
                   sa.column('feed'), sa.column('value'), sa.column('cumulative'), sa.column('new_count'))
    conn.execute(obs.update().where(obs.c.metric != 'mention', obs.c.cumulative.is_(False))
                 .values(new_count=obs.c.value))
    high: dict[tuple[str, str | None, str | None, str], int] = {}
    last = 0
    while True:
        rows = conn.execute(sa.select(obs.c.id, obs.c.metric, obs.c.region, obs.c.country, obs.c.feed, obs.c.value)
                            .where(obs.c.cumulative.is_(True), obs.c.id > last).order_by(obs.c.id)
                            .limit(_BATCH)).all()
        if not rows:
            return
        updates = []
        for r in rows:
            key = (r.metric, r.region, r.country, r.feed)
            rise = r.value - high.get(key, 0)
            if rise > 0:
                high[key] = r.value
                updates.append({'b_id': r.id, 'b_new': rise})
        if updates:
            conn.execute(obs.update().where(obs.c.id == sa.bindparam('b_id')).values(new_count=sa.bindparam('b_new')),
                         updates)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_column('alerts', 'tally')
    op.drop_index('ix_obs_incident', table_name='observations')
    op.drop_index('ix_obs_series_at', table_name='observations')
    for column in ('conflict', 'source', 'incident_id', 'series_id', 'new_count'):
        op.drop_column('observations', column)
    op.drop_index('ix_incidents_metric_place_at', table_name='incidents')
    op.drop_table('incidents')
    op.drop_index('ix_toll_series_metric_scope', table_name='toll_series')
    op.drop_table('toll_series')
