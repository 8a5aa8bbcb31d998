"""Shared fixtures: a fresh, migrated database per test (SQLite file, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import db
from bot.settings import Settings
from bot.wiring import Core, build_core

POSTGRES_URL = os.environ.get("DATABASE_URL", "")


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema so the next test starts from an empty database."""
    engine = db.make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database for this test."""
    if POSTGRES_URL.startswith("postgresql"):
        reset_postgres(POSTGRES_URL)
        yield POSTGRES_URL
    else:
        yield f"sqlite:///{(tmp_path / 'test.sqlite3').as_posix()}"


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
