"""bridge: the thread each bridged copy is in, and one row per part of a copy

Revision ID: 0015_bridge
Revises: 0014_clusters
Create Date: 2026-12-07 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015_bridge'
down_revision: str | Sequence[str] | None = '0014_clusters'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bridgedcopy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thread_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_bridgedcopy_part', ['origin_platform', 'origin_workspace',
                                                                  'origin_channel', 'origin_message', 'platform',
                                                                  'workspace_id', 'channel_id', 'part'])


def downgrade() -> None:
    with op.batch_alter_table('bridgedcopy', schema=None) as batch_op:
        batch_op.drop_constraint('uq_bridgedcopy_part', type_='unique')
        batch_op.drop_column('thread_id')
