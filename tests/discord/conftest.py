"""Fixtures of the Discord tests: the loopback Discord fake with one ICC server, the core, the bot.

The database is the shared `database_url` of tests/conftest.py (a SQLite file, or a PostgreSQL schema per test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD, OWNER
from tests.fakes import discord as fd


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
