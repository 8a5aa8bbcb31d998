"""Shared fixtures: the test database, the clock and the chat every test can use.

The database is migrated once per test session and emptied between tests: on SQLite a migrated template file
is copied for each test; on PostgreSQL (DATABASE_URL set) the session migrates one schema of its own and
empties the tables a test wrote to before the next one (sequences back to 1). A test that needs a database
migrated from nothing (migrations up and down, a schema dropped or changed) is marked
`@pytest.mark.fresh_database` and gets an empty database of its own.

The clock (`clock`, a `tests.support.clock.MovableClock`) moves only when the test moves it, and the `core`
is built on it; `chat` is a `tests.support.chat.RecordingChat` attached to that core.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot import db
from bot.settings import Settings
from bot.wiring import Core, build_core
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

POSTGRES_URL = os.environ.get("DATABASE_URL", "")

# Property tests check behaviour, not speed: on a busy 2-core CI machine a slow example is not a failure.
hypothesis_settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI runs the same examples every time (derandomized), writes no example database into the checkout, and
# prints the blob that replays a failure (`@reproduce_failure`). A failure it finds becomes an `@example`.
hypothesis_settings.register_profile(
    "ci", hypothesis_settings.get_profile("dev"), derandomize=True, database=None, print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fresh_database: an empty database of the test's own, migrated by nobody (migration tests)"
    )


def _on_postgres() -> bool:
    return POSTGRES_URL.startswith("postgresql")


def _schema_url(schema: str) -> str:
    """DATABASE_URL with `search_path` set to `schema`, so suites sharing a database never see each other."""
    options = {"options": f"-csearch_path={schema}"}
    return make_url(POSTGRES_URL).update_query_dict(options).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database migrated once for the whole session: a SQLite file to copy, or a PostgreSQL schema to empty."""
    if not _on_postgres():
        path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
        engine = db.make_engine(f"sqlite:///{path.as_posix()}")
        db.upgrade(engine)
        with engine.connect() as connection:  # everything in the file itself, none of it in the WAL
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        engine.dispose()
        yield path.as_posix()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _schema_url(schema)
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _emptier(migrated_template: str) -> Iterator[Engine | None]:
    """On PostgreSQL, the one connection pool that empties the session's schema between tests."""
    if not _on_postgres():
        yield None
        return
    engine = db.make_engine(migrated_template)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Empty every table a test wrote to (Alembic's aside) and start every sequence again at 1.

    Only the tables holding rows are emptied, by DELETE with the foreign-key triggers off (every table that
    points at an emptied one is emptied too): TRUNCATE ... CASCADE costs PostgreSQL file work for each table it
    reaches, most of a second here, and a test writes to a few of the forty-odd tables. Without the rights to
    turn the triggers off (not a superuser), the tables are truncated.
    """
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '20s'"))  # a test that left a transaction open fails
        tables = [name for (name,) in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"))]
        if tables:
            probe = " UNION ALL ".join(
                f"SELECT '{name}' FROM (SELECT 1 FROM \"{name}\" LIMIT 1) AS t{n}" for n, name in enumerate(tables))
            written = [name for (name,) in connection.execute(text(probe))]
            if written and connection.execute(text("SELECT current_setting('is_superuser') = 'on'")).scalar():
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                for name in written:
                    connection.execute(text(f'DELETE FROM "{name}"'))
            elif written:
                connection.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in written) + " CASCADE"))
        connection.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"))


def _fresh_postgres_schema() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of this test's database: migrated and empty, or, marked `fresh_database`, empty and unmigrated."""
    fresh = request.node.get_closest_marker("fresh_database") is not None
    if not _on_postgres():
        path = tmp_path / "test.sqlite3"
        if not fresh:
            shutil.copyfile(request.getfixturevalue("migrated_template"), path)
        yield f"sqlite:///{path.as_posix()}"
        return
    if fresh:
        yield from _fresh_postgres_schema()
        return
    emptier = request.getfixturevalue("_emptier")
    empty_tables(emptier)
    yield request.getfixturevalue("migrated_template")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings with nothing configured but the test database (no .env file is read)."""
    return Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)  # type: ignore[call-arg]


@pytest.fixture
def engine(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Engine]:
    """The test's database, migrated (a `fresh_database` test's is migrated here, from nothing)."""
    engine = db.make_engine(settings.effective_database_url)
    if request.node.get_closest_marker("fresh_database") is not None:
        db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> MovableClock:
    """The clock of the test: the real time when the test starts, then moved only by the test."""
    return MovableClock()


@pytest.fixture
def core(settings: Settings, engine: Engine, clock: MovableClock) -> Core:
    """The whole platform-neutral bot on the test database and the test's clock."""
    return build_core(settings, engine=engine, clock=clock, migrate=False)


@pytest.fixture
def chat(core: Core) -> RecordingChat:
    """The console platform of `core`, recording what the bot sends."""
    recording = RecordingChat(platform="console")
    core.dispatcher.attach_chat(recording)
    return recording
