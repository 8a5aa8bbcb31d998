"""practice search: an FTS5 table on SQLite, a tsvector table with a GIN index on PostgreSQL

Revision ID: 0002_practice_search
Revises: 0001_foundation
Create Date: 2026-11-25 16:00:00.000000

The index is described in `bot/services/search.py`; existing practices are indexed here.
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0002_practice_search"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # title, summary and body are searched; status, city and themes hold filter tokens that start
        # with "_" (a token character here, never part of a searched term) and weigh 0 in bm25; language is
        # stored, not indexed. rowid = practice_id * 1000 + slot. Published practices (what people search)
        # and the others are in separate tables, so that the common search needs no status filter.
        for table in ("practice_search", "practice_search_unpublished"):
            op.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5("
                "title, summary, body, status, city, themes, language UNINDEXED, "
                "tokenize = 'unicode61 remove_diacritics 2 tokenchars ''_''', prefix = '3 4 5 6 7 8')"
            )
    else:
        op.execute(
            "CREATE TABLE practice_search ("
            " practice_id INTEGER NOT NULL REFERENCES practice (id) ON DELETE CASCADE,"
            " language VARCHAR(8) NOT NULL,"
            " status VARCHAR(16) NOT NULL,"
            " city_id INTEGER NOT NULL,"
            " themes TEXT[] NOT NULL DEFAULT '{}',"
            " document TSVECTOR NOT NULL,"
            " PRIMARY KEY (practice_id, language))"
        )
        op.execute("CREATE INDEX ix_practice_search_document ON practice_search USING gin (document)")
        op.execute("CREATE INDEX ix_practice_search_themes ON practice_search USING gin (themes)")
        op.execute("CREATE INDEX ix_practice_search_city ON practice_search (city_id, status)")
    # Listing the newest practices of a status (a search without words) walks this index backwards.
    op.create_index("ix_practice_status_id", "practice", ["status", "id"])
    # Index the practices already recorded (none on a new database).
    from bot.services.search import SearchIndex

    SearchIndex(bind.dialect.name).rebuild(bind)


def downgrade() -> None:
    op.drop_index("ix_practice_status_id", table_name="practice")
    op.execute("DROP TABLE IF EXISTS practice_search")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS practice_search_unpublished")
