"""surveys: each opening of a survey definition, who must answer it, and the answers

Revision ID: 0012_surveys
Revises: 0011_network_shape
Create Date: 2026-12-02 01:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_surveys'
down_revision: str | Sequence[str] | None = '0011_network_shape'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('per', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'open', 'closed', name='survey_state', native_enum=False, length=16),
              nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('final_rates', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_definition_id'), ['definition_id'], unique=False)
    op.create_table('survey_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('target_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('draft', sa.Text(), nullable=True),
    sa.Column('draft_by', sa.Integer(), nullable=True),
    sa.Column('draft_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chased_for', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'target_key', name='uq_survey_target'),
    )
    with op.batch_alter_table('survey_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_target_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_target_city_id'), ['city_id'], unique=False)
    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))
    op.drop_table('survey_response')
    with op.batch_alter_table('survey_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_target_city_id'))
        batch_op.drop_index(batch_op.f('ix_survey_target_survey_id'))
    op.drop_table('survey_target')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_definition_id'))
    op.drop_table('survey')
