"""form submissions: the first answer to each filled-in form, so that a form sent twice is recorded once

Revision ID: 0009_form_submissions
Revises: 0008_practice_uid
Create Date: 2026-12-02 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0009_form_submissions"
down_revision: str | Sequence[str] | None = "0008_practice_uid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", AutoString(length=16), nullable=False),
        sa.Column("workspace_id", AutoString(length=64), nullable=False),
        sa.Column("user_id", AutoString(length=64), nullable=False),
        sa.Column("form_id", AutoString(length=64), nullable=False),
        sa.Column("submission_key", AutoString(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace_id", "user_id", "form_id", "submission_key",
                            name="uq_form_submission"),
    )
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submission_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submission_received_at"))
    op.drop_table("form_submission")
