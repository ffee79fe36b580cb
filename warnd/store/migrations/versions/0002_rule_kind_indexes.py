"""indexes for keyword and feed_silence rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # feed_silence rules read the newest item of each feed on every cycle.
    op.create_index('ix_items_feed_first_seen_at', 'items', ['feed', 'first_seen_at'], unique=False)
    # keyword rules read the items of a window.
    op.create_index('ix_items_observed_at', 'items', ['observed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_items_observed_at', table_name='items')
    op.drop_index('ix_items_feed_first_seen_at', table_name='items')
