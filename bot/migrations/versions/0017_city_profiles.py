"""city profiles: the themes a city works on, and who changed its profile last and when

Revision ID: 0017_city_profiles
Revises: 0016_web_sign_in
Create Date: 2026-12-07 14:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017_city_profiles'
down_revision: str | Sequence[str] | None = '0016_web_sign_in'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.add_column(sa.Column('themes', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('profile_updated_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('profile_updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_column('profile_updated_at')
        batch_op.drop_column('profile_updated_by')
        batch_op.drop_column('themes')
