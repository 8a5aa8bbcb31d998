"""Alembic environment: migrations run against the engine the bot built (or DATABASE_URL)."""

from alembic import context
from sqlmodel import SQLModel

import bot.models  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave the full-text search tables to their hand-written migration (they have no model)."""
    return not (type_ == "table" and name is not None and name.startswith("practice_search"))


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from bot.db import make_engine
        from bot.settings import load_settings

        engine = make_engine(load_settings().effective_database_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        context.run_migrations()


run_migrations()
