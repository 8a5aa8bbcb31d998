"""practice uid: every practice gets an identifier that stays the same in every database it is exported to

Revision ID: 0008_practice_uid
Revises: 0007_worker_lease
Create Date: 2026-12-02 00:00:00.000000

Practices already there get a random UUID each. Without it, an import could only tell practices apart by
title and city, and a practice rejected and submitted again under the same title came back as one.
"""
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0008_practice_uid"
down_revision: str | Sequence[str] | None = "0007_worker_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added NOT NULL with an empty default, so that SQLite need not rebuild the table (a rebuild would drop
    # the practice table, and with it, through ON DELETE CASCADE, its themes, translations and reviews).
    op.add_column("practice", sa.Column("uid", AutoString(length=36), nullable=False, server_default=""))
    bind = op.get_bind()
    practice = sa.table("practice", sa.column("id", sa.Integer), sa.column("uid", AutoString(length=36)))
    ids = [row[0] for row in bind.execute(sa.select(practice.c.id))]
    for start in range(0, len(ids), 1000):
        bind.execute(
            practice.update().where(practice.c.id == sa.bindparam("pid")).values(uid=sa.bindparam("new_uid")),
            [{"pid": pid, "new_uid": str(uuid.uuid4())} for pid in ids[start : start + 1000]],
        )
    if bind.dialect.name != "sqlite":
        op.alter_column("practice", "uid", server_default=None)
    op.create_index("ix_practice_uid", "practice", ["uid"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_practice_uid", table_name="practice")
    op.drop_column("practice", "uid")
