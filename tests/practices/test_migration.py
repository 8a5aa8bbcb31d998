"""Migration 0002: creates the search index (FTS5 or tsvector), indexes practices already there, and goes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from bot import db
from bot.services.practices import PracticeService
from bot.services.search import SearchIndex, query_terms

pytestmark = pytest.mark.fresh_database  # each test migrates step by step from nothing


@pytest.fixture
def bare_engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def practice_indexes(engine: Engine) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes("practice")}


def token_functions(engine: Engine) -> int:
    """How many `practice_search_tokens` functions the current schema has (PostgreSQL; 0 elsewhere)."""
    if engine.dialect.name != "postgresql":
        return 0
    with engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM pg_proc WHERE proname = 'practice_search_tokens' "
            "AND pronamespace = current_schema()::regnamespace")).scalar_one())


def found(engine: Engine, words: str, theme: str | None = None) -> list[int]:
    """Ids of the published practices matching `words`, straight from the index (the schema may be an old one,
    which today's model of a practice does not fit)."""
    with engine.connect() as connection:
        matches = SearchIndex(engine.dialect.name).search(
            connection, terms=query_terms(words), status="published", city_id=None, theme=theme, limit=10, offset=0)
    return [match.practice_id for match in matches]


def test_upgrade_indexes_existing_practices_and_downgrade_removes_the_index(bare_engine: Engine) -> None:
    db.upgrade(bare_engine, "0001_foundation")
    with bare_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO city (id, name, country, languages, time_zone, profile) "
            "VALUES (1, 'Botkyrka', 'SE', 'sv', 'Europe/Stockholm', '')"))
        connection.execute(text(
            "INSERT INTO practice (id, title, city_id, summary, description, results, contact, links, language, "
            "status, reject_reason) VALUES (1, 'Språkcafé för nyanlända', 1, 'Samtal på svenska.', "
            "'Volontärer i biblioteket.', '', '', '', 'sv', 'published', '')"))
        connection.execute(text("INSERT INTO practicetheme (practice_id, theme) VALUES (1, 'language')"))
    assert "practice_search" not in tables(bare_engine)

    db.upgrade(bare_engine, "0002_practice_search")
    assert "practice_search" in tables(bare_engine)
    assert {"ix_practice_status_id", "ix_practice_city_status_id"} <= practice_indexes(bare_engine)
    assert token_functions(bare_engine) == (1 if bare_engine.dialect.name == "postgresql" else 0)
    assert found(bare_engine, "sprakcafe") == [1]
    assert found(bare_engine, "bibliotek", theme="language") == [1]

    command.downgrade(db.alembic_config(bare_engine), "0001_foundation")
    assert "practice_search" not in tables(bare_engine)
    assert not {"ix_practice_status_id", "ix_practice_city_status_id"} & practice_indexes(bare_engine)
    assert token_functions(bare_engine) == 0
    assert db.current_revisions(bare_engine) == {"0001_foundation"}

    db.upgrade(bare_engine)
    from alembic.script import ScriptDirectory

    latest = set(ScriptDirectory.from_config(db.alembic_config(bare_engine)).get_heads())
    assert db.current_revisions(bare_engine) == latest and latest != {"0002_practice_search"}
    assert [hit.id for hit in PracticeService(bare_engine).search(words="nyanlända").hits] == [1]


def test_reindex_rebuilds_the_whole_index(engine: Engine) -> None:
    service = PracticeService(engine)
    assert service.reindex() == 0
