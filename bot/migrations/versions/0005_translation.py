"""translation: channel settings, cache, posted translations, usage

Revision ID: 0005_translation
Revises: 0004_discord
Create Date: 2026-11-25 14:35:16.120788
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005_translation'
down_revision: str | Sequence[str] | None = '0004_discord'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('glossarystate',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('glossary_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('translatedpost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('post_channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('post_message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('translatedpost', schema=None) as batch_op:
        batch_op.create_index('ix_translatedpost_original', ['platform', 'workspace_id', 'channel_id', 'message_id'], unique=False)
        batch_op.create_index('ix_translatedpost_post', ['platform', 'workspace_id', 'post_channel_id', 'post_message_id'], unique=False)

    op.create_table('translationbudget',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('monthly_characters', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('translationcache',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('billed_characters', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('translationnotice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'scope', 'period', name='uq_translation_notice')
    )
    op.create_table('translationusage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('billed_characters', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'month', name='uq_translation_usage')
    )
    with op.batch_alter_table('translationusage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_translationusage_scope'), ['scope'], unique=False)

    op.create_table('channelreader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', 'member_id', name='uq_channel_reader')
    )
    with op.batch_alter_table('channelreader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channelreader_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channelreader_member_id'), ['member_id'], unique=False)

    op.create_table('channeltranslation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mode', sa.Enum('off', 'thread', 'mirror', name='translation_mode', native_enum=False, length=16), nullable=False),
    sa.Column('languages', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', name='uq_channel_translation')
    )
    op.create_table('readinglanguage',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id')
    )
    op.create_table('mirrorchannel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['channeltranslation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', name='uq_mirror_channel'),
    sa.UniqueConstraint('source_id', 'language', name='uq_mirror_language')
    )
    with op.batch_alter_table('mirrorchannel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mirrorchannel_source_id'), ['source_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mirrorchannel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mirrorchannel_source_id'))

    op.drop_table('mirrorchannel')
    op.drop_table('readinglanguage')
    op.drop_table('channeltranslation')
    with op.batch_alter_table('channelreader', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channelreader_member_id'))
        batch_op.drop_index(batch_op.f('ix_channelreader_channel_id'))

    op.drop_table('channelreader')
    with op.batch_alter_table('translationusage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translationusage_scope'))

    op.drop_table('translationusage')
    op.drop_table('translationnotice')
    op.drop_table('translationcache')
    op.drop_table('translationbudget')
    with op.batch_alter_table('translatedpost', schema=None) as batch_op:
        batch_op.drop_index('ix_translatedpost_post')
        batch_op.drop_index('ix_translatedpost_original')

    op.drop_table('translatedpost')
    op.drop_table('glossarystate')
