"""The clusters tests' Slack and Discord sides: a core served to the Slack fake, the Discord fake with the ICC
server, and the network's two cities with their people on either platform (fixtures imported by the tests)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Identity
from bot.models import City, Role
from bot.settings import Settings
from bot.wiring import Core
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD
from tests.fakes import discord as fd
from tests.fakes import discord_channels
from tests.fakes.slack import FakeSlackWebAPI
from tests.slack.conftest import Slack, serve_slack, slack_settings

#: Someone on the ICC Discord server the bot has never met (their client is in Brazilian Portuguese).
DAVE = 800000000000000004

#: (platform, workspace, user id, city, role) of the people a test starts with.
Person = tuple[str, str, str, str | None, Role]


def add_network(core: Core, people: Iterable[Person]) -> None:
    """Lisbon and Barcelona, and `people` with their cities and roles."""
    services = core.services
    for name, country, languages in (("Lisbon", "PT", "pt"), ("Barcelona", "ES", "es,ca")):
        services.cities.add(City(name=name, country=country, languages=languages))
    for platform, workspace, user, city, role in people:
        identity = Identity(platform, workspace, user)
        services.members.get_or_create(identity, display_name=user)
        services.members.set_role(identity, role)
        if city:
            services.members.set_city(identity, city)


@contextlib.asynccontextmanager
async def slack_served(database_url: str, tmp_path: Path, api: FakeSlackWebAPI, people: Iterable[Person],
                       **settings: Any) -> AsyncIterator[Slack]:
    """A web process serving Slack on its own core (with more `settings`: Discord too), with the network added;
    closed at the end."""
    from bot.wiring import build_core

    core = build_core(slack_settings(database_url, tmp_path, api, **settings))
    add_network(core, people)
    harness = await serve_slack(core, api)
    try:
        yield harness
    finally:
        await harness.adapter.close()
        await harness.client.aclose()
        core.engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, data_dir=tmp_path,
        discord_token="fake-bot-token", discord_guild_ids=str(GUILD),
    )


@pytest.fixture
async def fake() -> AsyncIterator[fd.FakeDiscord]:
    """Discord with the ICC server: alice, bob, carol, and dave whom the bot has never met."""
    async with fd.FakeDiscord() as api:
        api.add_guild(GUILD, name="Intercultural Cities", channels=["general"], locale="en-US", members=[
            {"user_id": ALICE, "name": "alice", "locale": "en-US"}, {"user_id": BOB, "name": "bob", "locale": "de"},
            {"user_id": CAROL, "name": "carol", "locale": "en-GB"},
            {"user_id": DAVE, "name": "dave", "locale": "pt-BR"}])
        discord_channels.serve_overwrites(api)
        with fd.point_discord_at(api):
            yield api
