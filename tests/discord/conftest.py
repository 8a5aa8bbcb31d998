"""Fixtures of the Discord tests: the loopback Discord fake with one ICC server, the core, the bot.

The database is this suite's own, like the practices suite's: a SQLite file per test, or on PostgreSQL
(`DATABASE_URL` set) a fresh schema per test selected through `search_path` and dropped afterwards, so that
these tests neither see nor erase other suites' tables when several suites share the `test` database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import db
from bot.settings import Settings
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD, OWNER
from tests.fakes import discord as fd


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{(tmp_path / 't.sqlite3').as_posix()}"
        return
    schema = f"discord_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, data_dir=tmp_path,
        discord_token="fake-bot-token", discord_guild_ids=str(GUILD),
    )


@pytest.fixture
async def fake() -> AsyncIterator[fd.FakeDiscord]:
    """Discord with one server: the owner, alice (coordinator role, French), bob (German), carol (ICC staff)."""
    async with fd.FakeDiscord() as fake:
        fake.add_guild(
            GUILD,
            name="Intercultural Cities",
            owner_id=OWNER,
            roles=["Coordinators", "ICC staff"],
            channels=["general", "cluster-education"],
            members=[
                {"user_id": ALICE, "name": "alice", "roles": ["Coordinators"], "locale": "fr"},
                {"user_id": BOB, "name": "bob", "locale": "de"},
                {"user_id": CAROL, "name": "carol", "roles": ["ICC staff"], "locale": "en-GB"},
            ],
            locale="fr",
        )
        with fd.point_discord_at(fake):
            yield fake
