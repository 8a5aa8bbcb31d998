"""web sign-in: one-time links (hashed) and the key that signs session cookies

Revision ID: 0016_web_sign_in
Revises: 0015_bridge
Create Date: 2026-12-07 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016_web_sign_in'
down_revision: str | Sequence[str] | None = '0015_bridge'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_sign_in_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_web_sign_in_link_token_hash'), 'web_sign_in_link', ['token_hash'], unique=True)
    op.create_index(op.f('ix_web_sign_in_link_member_id'), 'web_sign_in_link', ['member_id'], unique=False)
    op.create_table('web_key',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('web_key')
    op.drop_index(op.f('ix_web_sign_in_link_member_id'), table_name='web_sign_in_link')
    op.drop_index(op.f('ix_web_sign_in_link_token_hash'), table_name='web_sign_in_link')
    op.drop_table('web_sign_in_link')
