"""slack replay: signed requests already taken in (timestamp and signature), refused when they come again

Revision ID: 0006_slack_replay
Revises: 0005_translation
Create Date: 2026-11-26 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0006_slack_replay"
down_revision: str | Sequence[str] | None = "0005_translation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_request_seen",
        sa.Column("request_timestamp", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("signature", AutoString(length=128), nullable=False),
        sa.PrimaryKeyConstraint("request_timestamp", "signature"),
    )


def downgrade() -> None:
    op.drop_table("slack_request_seen")
