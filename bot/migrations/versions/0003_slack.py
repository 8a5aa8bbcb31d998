"""slack: workspace installations, single-use OAuth states, events already handled

Revision ID: 0003_slack
Revises: 0002_practice_search
Create Date: 2026-11-25 15:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_slack"
down_revision: str | Sequence[str] | None = "0002_practice_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("app_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enterprise_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("has_bot", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "enterprise_id", "team_id", "user_id", name="uq_slack_installation"),
    )
    with op.batch_alter_table("slack_installation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_installation_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_slack_installation_team_id"), ["team_id"], unique=False)

    op.create_table(
        "slack_oauth_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("slack_oauth_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_oauth_state_state"), ["state"], unique=True)
        batch_op.create_index(batch_op.f("ix_slack_oauth_state_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "slack_event_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("slack_event_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_event_receipt_event_id"), ["event_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_slack_event_receipt_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_event_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_event_receipt_received_at"))
        batch_op.drop_index(batch_op.f("ix_slack_event_receipt_event_id"))
    op.drop_table("slack_event_receipt")
    with op.batch_alter_table("slack_oauth_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_oauth_state_expires_at"))
        batch_op.drop_index(batch_op.f("ix_slack_oauth_state_state"))
    op.drop_table("slack_oauth_state")
    with op.batch_alter_table("slack_installation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_installation_team_id"))
        batch_op.drop_index(batch_op.f("ix_slack_installation_enterprise_id"))
    op.drop_table("slack_installation")
