"""network shape: cities' regions and own channels, cluster coordinators

Revision ID: 0011_network_shape
Revises: 0010_delivery
Create Date: 2026-12-02 01:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011_network_shape'
down_revision: str | Sequence[str] | None = '0010_delivery'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=''))
    op.create_table('citychannel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', name='uq_city_channel')
    )
    with op.batch_alter_table('citychannel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citychannel_city_id'), ['city_id'], unique=False)
    op.create_table('clustercoordinator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cluster_id', 'member_id', name='uq_cluster_coordinator')
    )
    with op.batch_alter_table('clustercoordinator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clustercoordinator_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clustercoordinator_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('clustercoordinator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clustercoordinator_member_id'))
        batch_op.drop_index(batch_op.f('ix_clustercoordinator_cluster_id'))
    op.drop_table('clustercoordinator')
    with op.batch_alter_table('citychannel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citychannel_city_id'))
    op.drop_table('citychannel')
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_column('region')
