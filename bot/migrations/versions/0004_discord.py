"""discord: which platform role gives which bot role, per guild

Revision ID: 0004_discord
Revises: 0003_slack
Create Date: 2026-11-25 15:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_discord"
down_revision: str | Sequence[str] | None = "0003_slack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platformrole",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("platform_role_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("member", "coordinator", "icc_team", name="member_role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace_id", "platform_role_id", name="uq_platform_role"),
    )
    with op.batch_alter_table("platformrole", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platformrole_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platformrole", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platformrole_workspace_id"))
    op.drop_table("platformrole")
