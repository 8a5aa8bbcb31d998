"""clusters: proposals, languages, themes, priorities, reports, channel seats, city profiles, role requests,
the bridge's map of copies, and when people were welcomed

Revision ID: 0014_clusters
Revises: 0013_calendar
Create Date: 2026-12-02 01:28:09
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_clusters'
down_revision: str | Sequence[str] | None = '0013_calendar'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The practice themes as they were when this migration was written (a thematic cluster named after one works
#: on it).
THEMES = ("anti-rumours", "intercultural-competence", "intercultural-communication", "participation", "education",
          "public-space", "business-and-diversity", "refugees-and-migrants", "anti-discrimination", "language",
          "culture-and-heritage", "community-policing", "housing", "employment", "health", "sport",
          "women-and-gender", "youth")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _empty_text(name: str, length: int) -> sa.Column:
    return sa.Column(name, _text(length), nullable=False, server_default='')


def upgrade() -> None:
    op.create_table('bridgedcopy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('origin_platform', _text(16), nullable=False),
    sa.Column('origin_workspace', _text(64), nullable=False),
    sa.Column('origin_channel', _text(64), nullable=False),
    sa.Column('origin_message', _text(64), nullable=False),
    sa.Column('platform', _text(16), nullable=False),
    sa.Column('workspace_id', _text(64), nullable=False),
    sa.Column('channel_id', _text(64), nullable=False),
    sa.Column('message_id', _text(64), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bridgedcopy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bridgedcopy_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index('ix_bridgedcopy_copy', ['platform', 'workspace_id', 'channel_id', 'message_id'],
                              unique=False)
        batch_op.create_index('ix_bridgedcopy_origin', ['origin_platform', 'origin_workspace', 'origin_channel',
                                                        'origin_message'], unique=False)

    op.create_table('clusterpriority',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', _text(300), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clusterpriority', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusterpriority_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('clusterreport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cluster_id', 'year', name='uq_cluster_report')
    )
    with op.batch_alter_table('clusterreport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusterreport_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('rolerequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('coordinator', 'icc_team', 'cluster_coordinator', name='requested_role',
                              native_enum=False, length=32), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('about', _text(500), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', name='request_status', native_enum=False,
                                length=16), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rolerequest', schema=None) as batch_op:
        batch_op.create_index('ix_rolerequest_member_created', ['member_id', 'created_at'], unique=False)

    op.create_table('clusterseat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_channel_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cluster_channel_id'], ['clusterchannel.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cluster_channel_id', 'member_id', name='uq_cluster_seat')
    )
    with op.batch_alter_table('clusterseat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusterseat_cluster_channel_id'), ['cluster_channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusterseat_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.add_column(_empty_text('mission', 1000))
        batch_op.add_column(_empty_text('mayor', 120))
        batch_op.add_column(_empty_text('contact', 200))
        batch_op.add_column(sa.Column('index_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('index_score', sa.Integer(), nullable=True))
        batch_op.add_column(_empty_text('profile_url', 400))

    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('active', 'proposed', 'declined', name='cluster_status',
                                                        native_enum=False, length=16),
                                      server_default='active', nullable=False))
        batch_op.add_column(_empty_text('languages', 120))
        batch_op.add_column(_empty_text('themes', 400))
        batch_op.add_column(_empty_text('channel_name', 80))
        batch_op.add_column(sa.Column('mirror_reactions', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('proposed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_cluster_decided_by', 'member', ['decided_by'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_cluster_proposed_by', 'member', ['proposed_by'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('clusterchannel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', _text(16), nullable=False, server_default='ok'))
        batch_op.add_column(_empty_text('languages_set', 400))

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('welcomed_at', sa.DateTime(timezone=True), nullable=True))
    # People the bot knew before it welcomed newcomers are not newcomers.
    op.execute("UPDATE member SET welcomed_at = COALESCE(created_at, CURRENT_TIMESTAMP)")
    # Clusters that existed before themes: a thematic cluster named after a practice theme works on it.
    op.execute("UPDATE cluster SET themes = slug WHERE kind = 'thematic' AND slug IN ("
               + ", ".join(f"'{theme}'" for theme in THEMES) + ")")


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('welcomed_at')

    with op.batch_alter_table('clusterchannel', schema=None) as batch_op:
        batch_op.drop_column('languages_set')
        batch_op.drop_column('state')

    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cluster_proposed_by', type_='foreignkey')
        batch_op.drop_constraint('fk_cluster_decided_by', type_='foreignkey')
        batch_op.drop_column('created_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('proposed_by')
        batch_op.drop_column('mirror_reactions')
        batch_op.drop_column('channel_name')
        batch_op.drop_column('themes')
        batch_op.drop_column('languages')
        batch_op.drop_column('status')

    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_column('profile_url')
        batch_op.drop_column('index_score')
        batch_op.drop_column('index_year')
        batch_op.drop_column('contact')
        batch_op.drop_column('mayor')
        batch_op.drop_column('mission')

    with op.batch_alter_table('clusterseat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusterseat_member_id'))
        batch_op.drop_index(batch_op.f('ix_clusterseat_cluster_channel_id'))
    op.drop_table('clusterseat')
    with op.batch_alter_table('rolerequest', schema=None) as batch_op:
        batch_op.drop_index('ix_rolerequest_member_created')
    op.drop_table('rolerequest')
    with op.batch_alter_table('clusterreport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusterreport_cluster_id'))
    op.drop_table('clusterreport')
    with op.batch_alter_table('clusterpriority', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusterpriority_cluster_id'))
    op.drop_table('clusterpriority')
    with op.batch_alter_table('bridgedcopy', schema=None) as batch_op:
        batch_op.drop_index('ix_bridgedcopy_origin')
        batch_op.drop_index('ix_bridgedcopy_copy')
        batch_op.drop_index(batch_op.f('ix_bridgedcopy_cluster_id'))
    op.drop_table('bridgedcopy')
