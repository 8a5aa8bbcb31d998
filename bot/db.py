"""The database: engine creation (SQLite in WAL mode, or PostgreSQL), sessions and migrations."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

import bot.models  # noqa: F401  (registers every table on SQLModel.metadata)

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web and worker processes read while one writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for `url`, creating the SQLite file's folder when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to `engine` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to date (idempotent; `db upgrade` and the bot's start run it)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def upgrade_if_behind(engine: Engine) -> bool:
    """Upgrade the schema unless it is already at the newest migration; returns whether it upgraded.

    A process starting on a current schema (after the deploy's `release` step) reads one row and loads no
    migration machinery.
    """
    if schema_is_current(engine):
        return False
    upgrade(engine)
    return True


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*['\"]?([^'\"\s]*)", re.MULTILINE)


def newest_revision() -> str:
    """The revision at the end of the migrations' one line (read from the files, without importing them)."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        if found.get("down_revision") not in (None, "", "None"):
            parents.add(found["down_revision"])
    [newest] = revisions - parents  # one straight line (tests/core/test_db.py keeps it so)
    return newest


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration (False for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        versions = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return versions == {newest_revision()}


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
