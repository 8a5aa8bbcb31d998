"""Shared fixtures: a fresh, migrated database per test (SQLite file, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import os
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

POSTGRES_URL = os.environ.get("DATABASE_URL", "")

# Property tests check behaviour, not speed: on a busy 2-core CI machine a slow example is not a failure.
hypothesis_settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI runs the same examples every time (derandomized), writes no example database into the checkout, and
# prints the blob that replays a failure (`@reproduce_failure`). A failure it finds becomes an `@example`.
hypothesis_settings.register_profile(
    "ci", hypothesis_settings.get_profile("dev"), derandomize=True, database=None, print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database for this test.

    On PostgreSQL each test gets a schema of its own, chosen through `search_path` and dropped afterwards,
    so suites sharing the `test` database never see or erase each other's tables.
    """
    if not POSTGRES_URL.startswith("postgresql"):
        yield f"sqlite:///{(tmp_path / 'test.sqlite3').as_posix()}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings with nothing configured but the test database (no .env file is read)."""
    return Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)  # type: ignore[call-arg]


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = db.make_engine(settings.effective_database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def core(settings: Settings, engine: Engine) -> Core:
    """The whole platform-neutral bot on the test database."""
    return build_core(settings, engine=engine, migrate=False)
