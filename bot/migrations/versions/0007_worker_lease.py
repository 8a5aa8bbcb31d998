"""worker lease: who last held the worker's singleton lock and when the database last saw it

Revision ID: 0007_worker_lease
Revises: 0006_slack_replay
Create Date: 2026-11-27 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0007_worker_lease"
down_revision: str | Sequence[str] | None = "0006_slack_replay"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_lease",
        sa.Column("name", AutoString(length=64), nullable=False),
        sa.Column("holder", AutoString(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("worker_lease")
