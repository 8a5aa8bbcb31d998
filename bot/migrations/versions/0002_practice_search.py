"""practice search: an FTS5 table on SQLite, a tsvector table with a GIN index of search tokens on PostgreSQL

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


# The search tokens of a document (see bot.services.search): each word's prefixes of 3 to 8 letters (a
# shorter word itself), then `_<status>`, `_c<city id>`, `_t_<theme>` and `_r<bits>_<practice id >> bits>`
# for each size of id range. Mirrors SearchIndex.pg_tokens, status_token, city_token, theme_token and
# range_tokens with RANGE_BITS (8, 12, 16). A tsvector without positions, so that GIN compares its keys
# byte by byte, and `@@` takes one query of AND and OR.
TOKENS_FUNCTION = """
CREATE FUNCTION practice_search_tokens(
    document tsvector, status text, city_id integer, themes text[], practice_id integer
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT array_to_tsvector(
    ARRAY(
        SELECT left(lexeme, size)
        FROM unnest(tsvector_to_array(document)) AS lexeme,
             generate_series(least(3, char_length(lexeme)), least(8, char_length(lexeme))) AS size
    )
    || ARRAY[
        '_' || status, '_c' || city_id::text, '_r8_' || (practice_id >> 8)::text,
        '_r12_' || (practice_id >> 12)::text, '_r16_' || (practice_id >> 16)::text
    ]
    || ARRAY(SELECT '_t_' || replace(theme, '-', '_') FROM unnest(themes) AS theme)
)
$$
"""
#: How queries must spell the indexed expression for PostgreSQL to use the index.
TOKENS_EXPRESSION = "practice_search_tokens(document, status, city_id, themes, practice_id)"


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
        # The tokens a search looks up, all exact: every word's prefixes of 3 to 8 letters (a shorter word
        # itself), the filters and the id ranges (see bot.services.search). They live in the index alone,
        # computed from the row, so that rows are no wider than their document.
        op.execute(TOKENS_FUNCTION)
        op.execute(
            "CREATE INDEX ix_practice_search_tokens ON practice_search "
            f"USING gin ({TOKENS_EXPRESSION})"
        )
        # Statistics of the expression would cost ANALYZE a call for every sampled row and help no plan:
        # this index is the only way to answer a search.
        op.execute("ALTER INDEX ix_practice_search_tokens ALTER COLUMN 1 SET STATISTICS 0")
    # Listing the newest practices of a status (a search without words) walks these indexes backwards.
    op.create_index("ix_practice_status_id", "practice", ["status", "id"])
    op.create_index("ix_practice_city_status_id", "practice", ["city_id", "status", "id"])
    # Index the practices already recorded (none on a new database).
    from bot.services.search import SearchIndex

    SearchIndex(bind.dialect.name).rebuild(bind)


def downgrade() -> None:
    op.drop_index("ix_practice_city_status_id", table_name="practice")
    op.drop_index("ix_practice_status_id", table_name="practice")
    op.execute("DROP TABLE IF EXISTS practice_search")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS practice_search_unpublished")
    else:
        op.execute("DROP FUNCTION IF EXISTS practice_search_tokens(tsvector, text, integer, text[], integer)")
