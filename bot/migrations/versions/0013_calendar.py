"""calendar: events and their translations, campaign days, subscriptions, the schedule of notices, broadcasts

Revision ID: 0013_calendar
Revises: 0012_surveys
Create Date: 2026-12-02 01:27:16.170853
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013_calendar'
down_revision: str | Sequence[str] | None = '0012_surveys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign_day',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('names', sa.Text(), nullable=False),
    sa.Column('links', sa.Text(), server_default='', nullable=False),
    sa.Column('celebrated', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calendar_broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('texts', sa.Text(), server_default='{}', nullable=False),
    sa.Column('state', sa.Enum('draft', 'sending', 'done', 'cancelled', name='broadcast_state', native_enum=False, length=16), nullable=False),
    sa.Column('targets', sa.Integer(), nullable=False),
    sa.Column('report_platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('report_workspace', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('report_channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('report_message', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sender_id'], ['member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calendar_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sa.Enum('campaign-day', 'meeting', 'academy', 'study-visit', 'expert-visit', 'deadline', 'cluster-event', 'other', name='event_kind', native_enum=False, length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('start_local', sa.DateTime(), nullable=False),
    sa.Column('end_local', sa.DateTime(), nullable=True),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rrule', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('materials', sa.Text(), server_default='', nullable=False),
    sa.Column('campaign_day', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'cancelled', name='event_status', native_enum=False, length=16), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_event_audience'), ['audience'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_event_campaign_day'), ['campaign_day'], unique=False)
        batch_op.create_index('ix_calendar_event_period', ['starts_at', 'ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_event_uid'), ['uid'], unique=True)

    op.create_table('calendar_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('offsets', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', 'scope', name='uq_calendar_subscription')
    )
    op.create_table('calendar_event_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('machine', sa.Boolean(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_event.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'language', name='uq_event_translation')
    )
    with op.batch_alter_table('calendar_event_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_event_translation_event_id'), ['event_id'], unique=False)

    op.create_table('calendar_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'digest', 'personal', name='notice_kind', native_enum=False, length=16), nullable=False),
    sa.Column('state', sa.Enum('planned', 'sent', 'late', 'missed', 'cancelled', name='notice_state', native_enum=False, length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('useful_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('direct', sa.Boolean(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('occurrence', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_event.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['calendar_subscription.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('calendar_notice', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_notice_due', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_notice_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_notice_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_notice_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calendar_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_notice_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_notice_member_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_notice_event_id'))
        batch_op.drop_index('ix_calendar_notice_due')

    op.drop_table('calendar_notice')
    with op.batch_alter_table('calendar_event_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_event_translation_event_id'))

    op.drop_table('calendar_event_translation')
    op.drop_table('calendar_subscription')
    with op.batch_alter_table('calendar_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_event_uid'))
        batch_op.drop_index('ix_calendar_event_period')
        batch_op.drop_index(batch_op.f('ix_calendar_event_campaign_day'))
        batch_op.drop_index(batch_op.f('ix_calendar_event_audience'))

    op.drop_table('calendar_event')
    op.drop_table('calendar_broadcast')
    op.drop_table('campaign_day')
